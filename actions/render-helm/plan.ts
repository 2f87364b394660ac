import type { InputValues } from '@swiss-deploy/kit';
import type { planRender } from '@swiss-deploy/helm';
import type { inputs } from './contract';

/** The render-helm inputs as helm's planner takes them: every chart input, unchanged. */
export function renderRequest(
  values: InputValues<typeof inputs>,
  where: { workspace: string; builtinChart: string },
): Parameters<typeof planRender>[0] {
  return {
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
    workspace: where.workspace,
    builtinChart: where.builtinChart,
  };
}
