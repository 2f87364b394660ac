import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError } from '@swiss-deploy/kit';
import { planRender } from '@swiss-deploy/helm';
import { Helm } from '../../../packages/helm/helm';
import { fetchChart } from '../../../packages/helm/chart';
import type { RenderRequest } from '../../../packages/helm/plan';
import { aliasBomb, deepNesting } from '../../support/yaml-bombs';

const DIGEST = `sha256:${'e'.repeat(64)}`;

function workspace(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'plan-'));
  mkdirSync(path.join(dir, 'chart'));
  writeFileSync(path.join(dir, 'chart', 'Chart.yaml'), 'apiVersion: v2\nname: shop\nversion: 1.0.0\n');
  writeFileSync(path.join(dir, 'base.yaml'), 'replicaCount: 1\n');
  writeFileSync(path.join(dir, 'prod.yaml'), 'replicaCount: 3\n');
  writeFileSync(path.join(dir, 'motd.txt'), 'hello\n');
  return dir;
}

function request(dir: string, overrides: Partial<RenderRequest> = {}): RenderRequest {
  return {
    chart: '',
    chartName: '',
    version: '',
    release: 'shop',
    namespace: 'shop',
    valuesFiles: [],
    set: [],
    setString: [],
    setFile: [],
    imageValuePaths: ['image'],
    kubeVersion: '1.36',
    apiVersions: [],
    dependencyUpdate: false,
    lint: true,
    requireDigests: true,
    helmVersion: '4.1.4',
    plainHttp: false,
    outputDir: '.swiss-deploy/render-helm',
    workspace: dir,
    builtinChart: '/action/charts/swiss-app',
    ...overrides,
  };
}

function problems(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof InputError) return error.problems;
    throw error;
  }
  throw new Error('planRender accepted the request');
}

describe('planning a render checks every input before anything runs', () => {
  it('uses the built-in chart when none is named, and writes <release>.yaml inside the workspace', () => {
    const dir = workspace();
    const plan = planRender(request(dir, { imageRef: `r.io/shop@${DIGEST}` }));
    expect(plan.source).toEqual({ kind: 'builtin', path: '/action/charts/swiss-app' });
    expect(plan.manifestsFile).toBe(path.join(dir, '.swiss-deploy', 'render-helm', 'shop.yaml'));
    expect(plan.options.image).toEqual({
      ref: { ref: `r.io/shop@${DIGEST}`, repository: 'r.io/shop', digest: DIGEST },
      paths: [{ repository: 'image.repository', digest: 'image.digest' }],
    });
    expect(plan.helmVersion).toBe('4.1.4');
  });

  it('resolves values files and set-file paths in the workspace and keeps their order', () => {
    const dir = workspace();
    const plan = planRender(
      request(dir, { chart: 'chart', valuesFiles: ['prod.yaml', 'base.yaml'], setFile: ['motd=motd.txt'] }),
    );
    expect(plan.source).toEqual({ kind: 'local', path: path.join(dir, 'chart') });
    expect(plan.options.valuesFiles).toEqual([path.join(dir, 'prod.yaml'), path.join(dir, 'base.yaml')]);
    expect(plan.options.setFile).toEqual([{ key: 'motd', value: path.join(dir, 'motd.txt') }]);
  });

  it('reports every bad input at once, each naming the input and the value', () => {
    const dir = workspace();
    expect(
      problems(() =>
        planRender(
          request(dir, {
            valuesFiles: ['missing.yaml'],
            set: ['replicaCount'],
            setFile: ['motd=nope.txt'],
            imageRef: 'r.io/shop:latest',
            kubeVersion: '1.29',
            helmVersion: 'latest',
            outputDir: '../outside',
          }),
        ),
      ),
    ).toEqual([
      'Input "helm-version" is "latest": expected a pinned helm release (give major.minor or an exact version, never a moving one; pinned releases: 4.1.4, 3.20.2).',
      'Input "kube-version" is "1.29": expected a Kubernetes version whose schemas ship with the action: 1.34, 1.35, 1.36.',
      'Input "values-files" lists "missing.yaml", which is not a file in the workspace.',
      'Input "set" line "replicaCount" has no "=": write key=value.',
      'Input "set-file" sets motd from "nope.txt", which is not a file in the workspace.',
      'Input "image-ref" is "r.io/shop:latest": expected an image pinned by digest, such as registry/app@sha256:<64 hex>.',
      `Input "output-dir" is "../outside": it must stay inside the workspace ${dir}.`,
    ]);
  });

  it('wants a version for repository and OCI charts, so the chart cannot change under the workflow', () => {
    const dir = workspace();
    expect(
      problems(() => planRender(request(dir, { chart: 'https://charts.example.com', chartName: 'web' }))),
    ).toEqual([
      'Input "version" is required for the repository chart "web", so it cannot change under the workflow.',
    ]);
    expect(problems(() => planRender(request(dir, { chart: 'https://charts.example.com' })))).toEqual([
      'Input "chart" is the repository "https://charts.example.com": set "chart-name" to the chart in it.',
    ]);
    expect(problems(() => planRender(request(dir, { chart: 'oci://r.io/charts/web' })))).toEqual([
      'Input "chart" is "oci://r.io/charts/web" without a version: set "version" (or a tag in the reference) so the chart cannot change under the workflow.',
    ]);
    expect(planRender(request(dir, { chart: 'oci://r.io:5000/charts/web:1.2.0' })).source).toEqual({
      kind: 'oci',
      ref: 'oci://r.io:5000/charts/web:1.2.0',
    });
    expect(
      planRender(request(dir, { chart: 'https://charts.example.com', chartName: 'web', version: '2.0.1' }))
        .source,
    ).toEqual({ kind: 'repo', url: 'https://charts.example.com', name: 'web', version: '2.0.1' });
  });

  it('refuses a version for a chart it uses as it is, naming the input', () => {
    const dir = workspace();
    expect(problems(() => planRender(request(dir, { version: '1.2.3' })))).toEqual([
      'Input "version" is "1.2.3": a version applies only to an oci:// or repository chart, and the built-in chart is used as it is.',
    ]);
    expect(
      problems(() => planRender(request(dir, { version: '1.2.3', versionInput: 'chart-version' }))),
    ).toEqual([
      'Input "chart-version" is "1.2.3": a version applies only to an oci:// or repository chart, and the built-in chart is used as it is.',
    ]);
  });

  it('refuses a chart folder that is not there or has no Chart.yaml', () => {
    const dir = workspace();
    expect(problems(() => planRender(request(dir, { chart: 'charts/none' })))).toEqual([
      'Input "chart" is "charts/none": no such file or folder in the workspace.',
    ]);
    expect(problems(() => planRender(request(dir, { chart: '.' })))).toEqual([
      'Input "chart" is ".": the folder has no Chart.yaml.',
    ]);
  });

  it('takes registry credentials as a pair, and only for an oci:// chart', () => {
    const dir = workspace();
    expect(problems(() => planRender(request(dir, { registryUsername: 'ci' })))).toEqual([
      'Inputs "registry-username" and "registry-password" go together: give both or neither.',
    ]);
    expect(
      problems(() => planRender(request(dir, { registryUsername: 'ci', registryPassword: 'pw' }))),
    ).toEqual(['Inputs "registry-username" and "registry-password" apply to oci:// charts only.']);
  });

  it('refuses image-ref with nowhere to go', () => {
    const dir = workspace();
    expect(
      problems(() => planRender(request(dir, { imageRef: `r.io/shop@${DIGEST}`, imageValuePaths: [] }))),
    ).toEqual([
      'Input "image-value-paths" is empty, so image-ref would go nowhere: give at least one value path.',
    ]);
  });

  it('refuses a values file that is an alias bomb before helm runs, naming the file and the limit', () => {
    const dir = workspace();
    writeFileSync(path.join(dir, 'bomb.yaml'), aliasBomb());
    writeFileSync(path.join(dir, 'deep.yaml'), deepNesting());
    let problems: readonly string[] = [];
    try {
      planRender(request(dir, { valuesFiles: ['bomb.yaml', 'deep.yaml'] }));
    } catch (error) {
      if (error instanceof InputError) problems = error.problems;
      else throw error;
    }
    expect(problems).toEqual([
      expect.stringMatching(
        /^Input "values-files": bomb\.yaml is not valid YAML at line 1: it expands more than 100 aliases/,
      ),
      expect.stringMatching(
        /^Input "values-files": deep\.yaml is not valid YAML at line 1, column \d+: it nests deeper/,
      ),
    ]);
  });

  it('refuses a Chart.yaml that is an alias bomb, naming the file and the limit', async () => {
    const dir = workspace();
    const chart = path.join(dir, 'chart', 'Chart.yaml');
    writeFileSync(chart, `apiVersion: v2\nname: shop\nversion: 1.0.0\n${aliasBomb('x')}`);
    const helm = new Helm('helm', '4.1.4');
    await expect(
      fetchChart(
        helm,
        { kind: 'local', path: path.join(dir, 'chart') },
        { plainHttp: false, workspace: dir },
      ),
    ).rejects.toThrow(
      new RegExp(
        `^${chart.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not valid YAML at line 1: it expands more than 100 aliases`,
      ),
    );
  });
});
