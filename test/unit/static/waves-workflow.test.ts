// .github/workflows/waves.yml: its wave jobs form a chain that halts after a failed wave, and its plan step
// (bash + jq, run here as the runner runs it) accepts waves and refuses anything else before any cluster is
// touched, naming the input, the value and what is allowed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../../support/versions';
import { workflowSchemaErrors } from '../../support/workflows';

interface Step {
  id?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}
interface Job {
  name?: string;
  needs?: string | string[];
  if?: string;
  environment?: { name: string };
  strategy?: { 'fail-fast'?: boolean; matrix: { cluster: string } };
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  permissions?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: { workflow_call: { inputs: Record<string, { default?: unknown }>; secrets: Record<string, unknown> } };
  jobs: Record<string, Job>;
}

const file = path.join(repoRoot, '.github', 'workflows', 'waves.yml');
const workflow = parse(readFileSync(file, 'utf8')) as Workflow;
const waveJobs = Object.keys(workflow.jobs).filter((name) => /^wave-\d+$/.test(name));
const planStep = workflow.jobs.plan?.steps.find((s) => s.id === 'plan') as Step;
const MAX_WAVES = Number(planStep.env?.MAX_WAVES);

const DIGEST = `sha256:${'a'.repeat(64)}`;
const IMAGE_REF = `ghcr.io/acme/shop@${DIGEST}`;

/** The plan step's script with its env, as the runner runs a `run:` step (bash -e, GITHUB_OUTPUT a file). */
function plan(
  waves: string,
  imageRef = IMAGE_REF,
): { code: number; stdout: string; outputs: Record<string, string> } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'waves-plan-'));
  const script = path.join(dir, 'plan.sh');
  const output = path.join(dir, 'output');
  writeFileSync(script, planStep.run as string);
  writeFileSync(output, '');
  const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      ...planStep.env,
      WAVES: waves,
      IMAGE_REF: imageRef,
      GITHUB_OUTPUT: output,
    },
  });
  const outputs = Object.fromEntries(
    readFileSync(output, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  return { code: result.status ?? 1, stdout: result.stdout + result.stderr, outputs };
}

describe('the waves workflow', () => {
  it('passes GitHub’s workflow parser', () => {
    expect(workflowSchemaErrors(file)).toEqual([]);
  });

  it(`has one job per wave, 1 to ${MAX_WAVES}, each needing the one before it`, () => {
    expect(MAX_WAVES).toBeGreaterThanOrEqual(2);
    expect(waveJobs).toEqual(Array.from({ length: MAX_WAVES }, (_, i) => `wave-${i + 1}`));
    waveJobs.forEach((name, i) => {
      const job = workflow.jobs[name] as Job;
      expect([name, job.needs]).toEqual([name, ['plan', 'check', ...(i > 0 ? [`wave-${i}`] : [])]]);
      // No status function: the implicit success() skips this wave after any failure (or skip) before it.
      expect([name, job.if]).toEqual([name, `needs.plan.outputs.${name} != '[]'`]);
      expect(job.strategy).toEqual({
        'fail-fast': false,
        matrix: { cluster: `\${{ fromJSON(needs.plan.outputs.${name}) }}` },
      });
      expect(workflow.jobs.plan?.steps).toBeDefined();
    });
  });

  it('runs the same deploy in every wave: the jobs differ only in their number', () => {
    const normalized = waveJobs.map((name, i) => {
      const {
        needs: _needs,
        if: _if,
        strategy: _strategy,
        name: _name,
        ...rest
      } = workflow.jobs[name] as Job;
      expect(_name).toBe(`Wave ${i + 1} - \${{ matrix.cluster }}`);
      return JSON.stringify(rest);
    });
    expect(new Set(normalized).size).toBe(1);
  });

  it('deploys each cluster as its own GitHub environment, one deploy per app and cluster at a time', () => {
    const job = workflow.jobs['wave-1'] as Job;
    expect(job.environment).toEqual({ name: '${{ matrix.cluster }}' });
    expect(job.concurrency).toEqual({
      group: 'swiss-deploy-${{ inputs.app }}-${{ matrix.cluster }}',
      'cancel-in-progress': false,
    });
    const deploy = job.steps.find((s) => s.uses === 'swiss/deploy@v1')?.with ?? {};
    expect(deploy).toMatchObject({
      environment: '${{ matrix.cluster }}',
      kubeconfig: '${{ secrets.kubeconfig }}',
      context: "${{ inputs.context-per-cluster && matrix.cluster || '' }}",
      'image-ref': '${{ needs.check.outputs.image-ref }}',
      'values-files': '${{ steps.values.outputs.files }}',
    });
  });

  it('verifies the image in every cluster exactly as pipeline.yml’s deploy job does', () => {
    const pipeline = parse(
      readFileSync(path.join(repoRoot, '.github', 'workflows', 'pipeline.yml'), 'utf8'),
    ) as Workflow;
    const verify = (w: Workflow, job: string) =>
      Object.fromEntries(
        Object.entries(w.jobs[job]?.steps.find((s) => s.uses === 'swiss/deploy@v1')?.with ?? {}).filter(
          ([k]) => k.startsWith('verify-'),
        ),
      );
    expect(verify(workflow, 'wave-1')).toEqual(verify(pipeline, 'deploy'));
    expect(workflow.on.workflow_call.inputs['verify-identity']?.default).toBe(
      pipeline.on.workflow_call.inputs['verify-identity']?.default,
    );
    expect(workflow.on.workflow_call.inputs.sign?.default).toBe('keyless');
  });

  it('is called by the template with the union of its jobs’ permissions (a called job gets no more)', () => {
    const template = parse(
      readFileSync(path.join(repoRoot, 'workflows-templates', 'deploy-waves.yml'), 'utf8'),
    ) as { jobs: Record<string, { uses?: string; permissions?: Record<string, string> }> };
    const callers = Object.values(template.jobs).filter((job) => job.uses?.includes('/waves.yml@'));
    expect(callers).toHaveLength(1);
    const needed: Record<string, string> = {};
    for (const job of Object.values(workflow.jobs)) {
      for (const [scope, level] of Object.entries(job.permissions ?? {})) {
        if (needed[scope] !== 'write') needed[scope] = level;
      }
    }
    expect(callers[0]?.permissions).toEqual(needed);
  });

  describe('its plan step', () => {
    it('gives each wave its clusters and the empty list to the waves beyond the plan', () => {
      const result = plan('[["eu-1"], ["eu-2", "us-1"]]');
      expect(result.code).toBe(0);
      expect(result.outputs).toEqual({
        count: '2',
        image: 'ghcr.io/acme/shop',
        'wave-1': '["eu-1"]',
        'wave-2': '["eu-2","us-1"]',
        ...Object.fromEntries(Array.from({ length: MAX_WAVES - 2 }, (_, i) => [`wave-${i + 3}`, '[]'])),
      });
      expect(result.stdout).toContain('wave 2: eu-2, us-1');
    });

    it(`accepts ${MAX_WAVES} waves`, () => {
      const waves = JSON.stringify(Array.from({ length: MAX_WAVES }, (_, i) => [`c${i}`]));
      expect(plan(waves).outputs[`wave-${MAX_WAVES}`]).toBe(`["c${MAX_WAVES - 1}"]`);
    });

    const refused: [string, string, RegExp][] = [
      [
        'not JSON',
        '[["eu-1"]',
        /Input "waves" is "\[\[\\"eu-1\\"\]": not JSON\. Allowed: a JSON list of 1 to 5 waves/,
      ],
      ['nothing', '', /Input "waves" is "": not JSON\./],
      ['two JSON values', '[["eu-1"]] [["us-1"]]', /: not JSON\./],
      ['null', 'null', /Input "waves" is "null": it is not a list\./],
      ['not a list', '{"eu": ["eu-1"]}', /Input "waves" is .*: it is not a list\. Allowed:/],
      ['no wave', '[]', /it has no wave\./],
      [
        'too many waves',
        JSON.stringify(Array.from({ length: 6 }, (_, i) => [`c${i}`])),
        /it has 6 waves, more than 5\./,
      ],
      ['an empty wave', '[["eu-1"], []]', /wave 2 is empty\./],
      ['a wave that is not a list', '[["eu-1"], "us-1"]', /wave 2 is not a list\./],
      [
        'too many clusters',
        JSON.stringify([Array.from({ length: 21 }, (_, i) => `c${i}`)]),
        /wave 1 has 21 clusters, more than 20\./,
      ],
      ['a bad name', '[["eu-1", "eu 2"]]', /wave 1 has a bad cluster name "eu 2"\./],
      ['a name that is not text', '[["eu-1", 7]]', /wave 1 has a bad cluster name 7\./],
      ['a cluster twice', '[["eu-1"], ["us-1", "eu-1"]]', /cluster "eu-1" is in more than one place\./],
    ];
    it.each(refused)(
      'refuses %s, naming the input, the value and what is allowed',
      (_what, waves, message) => {
        const result = plan(waves);
        expect(result.code).toBe(1);
        expect(result.stdout).toMatch(/^::error title=swiss\/deploy waves::Input "waves" is /m);
        expect(result.stdout).toMatch(message);
        expect(result.stdout).toContain('e.g. [["eu-1"],["eu-2","us-1"]]');
        expect(result.outputs).toEqual({});
      },
    );

    it('quotes the value as given, not as parsed', () => {
      expect(plan('[ ["eu-1"],  [] ]').stdout).toContain(
        'Input "waves" is "[ [\\"eu-1\\"],  [] ]": wave 2 is empty.',
      );
    });

    it('refuses an image by tag, and quotes a value with line breaks on one line (no workflow command in it)', () => {
      const tag = plan('[["eu-1"]]', 'ghcr.io/acme/shop:1.0.0');
      expect(tag.code).toBe(1);
      expect(tag.stdout).toContain(
        'Input "image-ref" is "ghcr.io/acme/shop:1.0.0": not an image by digest. Allowed: repository@sha256:<64 hex digits>',
      );
      const injected = plan('[["eu-1"]]\n::set-env name=X::1');
      expect(injected.code).toBe(1);
      expect(injected.stdout.split('\n').filter((line) => line.startsWith('::'))).toEqual([
        expect.stringMatching(
          /^::error title=swiss\/deploy waves::Input "waves" is "\[\[\\"eu-1\\"\]\]\\n::set-env/,
        ),
      ]);
    });
  });
});
