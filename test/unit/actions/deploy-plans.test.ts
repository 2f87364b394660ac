import { parseInputs } from '@swiss-deploy/kit';
import { inputs as deployInputs } from '../../../actions/deploy-blue-green/contract';
import { planDeploy } from '../../../actions/deploy-blue-green/plan';
import { inputs as rollbackInputs } from '../../../actions/rollback/contract';
import { planRollbackStep } from '../../../actions/rollback/plan';

/** Inputs as the runner passes them: INPUT_<NAME>, upper case, hyphens kept. */
function values<S extends Parameters<typeof parseInputs>[0]>(specs: S, given: Record<string, string>) {
  const env = Object.fromEntries(
    Object.entries(given).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value]),
  );
  return parseInputs(specs, env);
}

const where = { workspace: process.cwd(), runnerTemp: undefined };
const target = { app: 'shop', namespace: 'shop-prod' };

describe('planning deploy-blue-green before any request', () => {
  it('requires manifests for action deploy, naming the input', async () => {
    await expect(planDeploy(values(deployInputs, target), where)).rejects.toThrow(
      'Input "manifests" is required when action is deploy: expected manifest files or folders, one per line.',
    );
  });

  it('reads no manifests and plans no analysis for a promotion', async () => {
    const plan = await planDeploy(
      values(deployInputs, { ...target, action: 'promote', 'previous-replicas': '2' }),
      where,
    );
    expect(plan).toMatchObject({ manifests: undefined, analysis: undefined, policy: undefined });
    expect(plan.previousReplicas).toBe(2);
    expect(plan.traffic).toEqual({ mode: 'service' });
  });

  it('keeps every previous replica by default', async () => {
    const plan = await planDeploy(values(deployInputs, { ...target, action: 'abort' }), where);
    expect(plan.previousReplicas).toBe('all');
  });

  it('loads the analysis planner for a bake window alone, which says the spec is missing', async () => {
    await expect(
      planDeploy(values(deployInputs, { ...target, action: 'promote', bake: '5m' }), where),
    ).rejects.toThrow('Input "bake" is set without "analysis"');
  });
});

describe('planning rollback before any request', () => {
  it('rolls back to the previous revision by default, or to the one given', async () => {
    const previous = await planRollbackStep(values(rollbackInputs, { ...target, reason: 'bad release' }));
    expect(previous.to).toBe('previous');
    const plan = await planRollbackStep(
      values(rollbackInputs, { ...target, reason: 'bad release', to: '3' }),
    );
    expect(plan).toMatchObject({ to: 3, dryRun: false, policy: undefined });
  });
});
