import * as path from 'node:path';
import { JobSummary, code, type defineOutputs } from '@swiss-deploy/kit';
import type { RenderPlan, inspectManifests, prepareChart } from '@swiss-deploy/helm';
import type { outputs } from './contract';

type FetchedChart = Awaited<ReturnType<typeof prepareChart>>;
type Inspection = Awaited<ReturnType<typeof inspectManifests>>;

/** What was rendered, as render-helm's outputs and its job summary. */
export interface RenderResult {
  plan: RenderPlan;
  helmVersion: string;
  chart: FetchedChart;
  inspection: Inspection;
  manifests: { file: string; digest: string };
}

export function writeRenderOutputs(
  { chart, inspection, manifests }: RenderResult,
  out: ReturnType<typeof defineOutputs<(typeof outputs)[number]>>,
): void {
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
}

export function renderSummary({ plan, helmVersion, chart, inspection, manifests }: RenderResult): JobSummary {
  return new JobSummary()
    .heading(`Rendered ${chart.name} ${chart.version}`)
    .facts({
      chart: chart.label,
      'chart version': chart.version,
      release: `${plan.options.release} in ${plan.options.namespace}`,
      helm: helmVersion,
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
    );
}
