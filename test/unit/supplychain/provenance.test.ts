import { provenanceSourceRepository, slsaProvenance, splitWorkflowRef } from '@swiss-deploy/supplychain';

const run = {
  serverUrl: 'https://github.com',
  repository: 'swiss/shop',
  repositoryId: '42',
  repositoryOwnerId: '7',
  workflowRef: 'swiss/platform/.github/workflows/pipeline.yml@refs/tags/v1.4.0',
  ref: 'refs/heads/main',
  sha: '0123456789abcdef0123456789abcdef01234567',
  eventName: 'push',
  runId: '9001',
  runAttempt: '2',
  runnerEnvironment: 'github-hosted',
};

describe('the SLSA v1 provenance of build-image', () => {
  const predicate = slsaProvenance(
    run,
    { context: 'app', file: 'app/Dockerfile', platforms: ['linux/amd64'], buildArgNames: ['VERSION'] },
    { startedOn: new Date('2026-12-03T06:00:00Z'), finishedOn: new Date('2026-12-03T06:02:00Z') },
  );

  it('names the workflow run as the builder, its file as the external parameter, the commit as the dependency', () => {
    expect(predicate).toEqual({
      buildDefinition: {
        buildType: 'https://github.com/swiss/deploy/blob/v1/docs/supply-chain.md#build-type-v1',
        externalParameters: {
          workflow: {
            ref: 'refs/tags/v1.4.0',
            repository: 'https://github.com/swiss/platform',
            path: '.github/workflows/pipeline.yml',
          },
          build: {
            context: 'app',
            file: 'app/Dockerfile',
            platforms: ['linux/amd64'],
            buildArgs: ['VERSION'],
          },
        },
        internalParameters: {
          github: {
            event_name: 'push',
            repository_id: '42',
            repository_owner_id: '7',
            runner_environment: 'github-hosted',
          },
        },
        resolvedDependencies: [
          {
            uri: 'git+https://github.com/swiss/shop@refs/heads/main',
            digest: { gitCommit: '0123456789abcdef0123456789abcdef01234567' },
          },
        ],
      },
      runDetails: {
        builder: { id: 'https://github.com/swiss/platform/.github/workflows/pipeline.yml@refs/tags/v1.4.0' },
        metadata: {
          invocationId: 'https://github.com/swiss/shop/actions/runs/9001/attempts/2',
          startedOn: '2026-12-03T06:00:00.000Z',
          finishedOn: '2026-12-03T06:02:00.000Z',
        },
      },
    });
  });

  it('reads the source repository back for verification', () => {
    expect(provenanceSourceRepository(predicate)).toBe('swiss/platform');
    expect(provenanceSourceRepository({})).toBeUndefined();
    expect(splitWorkflowRef('garbage')).toEqual({ repository: '', path: '', ref: '' });
  });
});
