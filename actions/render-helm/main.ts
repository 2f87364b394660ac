import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { JobSummary, code, defineOutputs, group, parseInputs, runAction } from '@swiss-deploy/kit';
import { inputs, outputs } from './contract';

const out = defineOutputs(outputs);

/** charts/swiss-app, found from the bundle (dist/render-helm/index.js) two folders up. */
function builtinChart(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'charts', 'swiss-app');
}

void runAction({
  main: async () => {
    const values = parseInputs(inputs);
    // Loaded once the inputs parse: a bad input fails without loading helm's code.
    const { inspectManifests, installHelm, planRender, prepareChart, renderChart, writeManifests } =
      await import('@swiss-deploy/helm');
    const plan = planRender({
      chart: values.chart ?? '',
      chartName: values['chart-name'] ?? '',
      version: values.version ?? '',
      release: values.release,
      namespace: values.namespace,
      valuesFiles: values['values-files'],
      set: values.set,
      setString: values['set-string'],
      setFile: values['set-file'],
      imageRef: values['image-ref'],
      imageValuePaths: values['image-value-paths'],
      kubeVersion: values['kube-version'],
      apiVersions: values['api-versions'],
      dependencyUpdate: values['dependency-update'],
      lint: values.lint,
      requireDigests: values['require-digests'],
      helmVersion: values['helm-version'],
      helmMirror: values['helm-mirror'],
      registryUsername: values['registry-username'],
      registryPassword: values['registry-password'],
      plainHttp: values['plain-http'],
      outputDir: values['output-dir'],
      workspace: process.env.GITHUB_WORKSPACE ?? process.cwd(),
      builtinChart: builtinChart(),
    });

    const helm = await group('Install helm', () => installHelm(plan));
    try {
      const chart = await group('Fetch the chart', () => prepareChart(helm, plan));
      const rendered = await group(`Render ${chart.name} ${chart.version}`, () =>
        renderChart(helm, chart, plan),
      );
      const inspection = await group('Validate the manifests', () => inspectManifests(rendered, plan));
      const manifests = await writeManifests(plan, rendered);

      out.set('manifests', manifests.file);
      out.set(
        'objects',
        inspection.objects.map(({ apiVersion, kind, namespace, name }) => ({
          apiVersion,
          kind,
          namespace,
          name,
        })),
      );
      out.set('images', inspection.images);
      out.set('manifest-digest', manifests.digest);
      out.set('chart', chart.name);
      out.set('chart-version', chart.version);

      await new JobSummary()
        .heading(`Rendered ${chart.name} ${chart.version}`)
        .facts({
          chart: chart.label,
          'chart version': chart.version,
          release: `${plan.options.release} in ${plan.options.namespace}`,
          helm: helm.version,
          'validated for': `Kubernetes ${plan.options.kubeVersion} (schemas of ${inspection.kubeVersion})`,
          objects: inspection.objects.length,
          'manifest digest': code(manifests.digest),
          manifests: code(path.relative(plan.workspace, manifests.file)),
        })
        .table(
          ['image'],
          inspection.images.map((image) => [code(image)]),
        )
        .table(
          ['kind', 'namespace', 'name', 'template'],
          inspection.objects.map((o) => [o.kind, o.namespace, o.name, o.source]),
        )
        .write();
    } finally {
      await helm.cleanup();
    }
  },
});
