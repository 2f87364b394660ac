import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../../support/versions';

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, string>;
}
interface Job {
  permissions?: Record<string, string>;
  steps?: Step[];
}
interface Workflow {
  on: { workflow_call: { inputs: Record<string, { default?: unknown }> } };
  permissions?: Record<string, string>;
  jobs: Record<string, Job & { uses?: string }>;
}

const read = (file: string) => parse(readFileSync(path.join(repoRoot, file), 'utf8')) as Workflow;
const pipeline = read('.github/workflows/pipeline.yml');
const step = (job: string, uses: string) =>
  pipeline.jobs[job]?.steps?.find((s) => s.uses?.startsWith(uses)) as Step;

describe('the pipeline workflow signs and verifies by default', () => {
  it('signs keyless unless told otherwise, and build-image gets the signing inputs', () => {
    expect(pipeline.on.workflow_call.inputs.sign?.default).toBe('keyless');
    expect(step('build', 'swiss/deploy/actions/build-image@').with).toMatchObject({
      sign: '${{ inputs.sign }}',
      'signing-key': '${{ secrets.signing-key }}',
      'signing-key-password': '${{ secrets.signing-key-password }}',
    });
  });

  it('gives id-token: write to the build job and to no other job', () => {
    expect(pipeline.permissions).toEqual({ contents: 'read' });
    expect(pipeline.jobs.build?.permissions?.['id-token']).toBe('write');
    for (const [name, job] of Object.entries(pipeline.jobs)) {
      if (name !== 'build') expect([name, job.permissions?.['id-token']]).toEqual([name, undefined]);
    }
    // the deploy job only reads the signatures
    expect(pipeline.jobs.deploy?.permissions?.packages).toBe('read');
  });

  it('verifies the signer, the SBOM and the provenance of this repository before the deploy applies anything', () => {
    const deploy = step('deploy', 'swiss/deploy@').with as Record<string, string>;
    expect(deploy['verify-identity']).toBe("${{ inputs.sign == 'keyless' && inputs.verify-identity || '' }}");
    expect(deploy['verify-key']).toBe("${{ inputs.sign == 'key' && inputs.verify-key || '' }}");
    expect(deploy['verify-attestations']).toBe('provenance,sbom');
    expect(deploy['verify-source-repository']).toBe(
      "${{ inputs.sign != 'none' && github.repository || '' }}",
    );
    const identity = new RegExp(String(pipeline.on.workflow_call.inputs['verify-identity']?.default));
    expect(identity.test('https://github.com/swiss/deploy/.github/workflows/pipeline.yml@refs/tags/v1')).toBe(
      true,
    );
    expect(
      identity.test('https://github.com/mallory/deploy/.github/workflows/pipeline.yml@refs/tags/v1'),
    ).toBe(false);
  });

  it('is called by the template with id-token: write, since a called workflow cannot get more than its caller', () => {
    const template = read('workflows-templates/deploy.yml');
    for (const job of Object.values(template.jobs)) {
      if (job.uses?.includes('pipeline.yml')) expect(job.permissions?.['id-token']).toBe('write');
    }
  });
});
