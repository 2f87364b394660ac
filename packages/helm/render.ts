import { mkdir, writeFile } from 'node:fs/promises';
import { UserError, log, manifestDigest, safe } from '@swiss-deploy/kit';
import { chartFiles, fetchChart } from './chart';
import { Helm } from './helm';
import { locationOf, type ChartFiles } from './helm-errors';
import { KubeSchemaValidator, formatSchemaProblem } from './kube-schema';
import {
  assertUnique,
  describeObject,
  imagesOf,
  isPinnedByDigest,
  objectId,
  splitManifests,
} from './manifests';
import type { RenderPlan } from './plan';
import type { FetchedChart, ObjectId, RenderedDocument } from './types';

/** The helm the plan pins: reused from the tool cache or PATH when it is exactly that version. */
export async function installHelm(plan: RenderPlan): Promise<Helm> {
  const helm = await Helm.install(plan.helmVersion, plan.helmMirror ? { mirror: plan.helmMirror } : {});
  log.info(`helm ${helm.version} (${helm.source}): ${helm.binary}`);
  return helm;
}

/** The chart on disk: logged in and pulled when remote, dependencies updated when asked. */
export async function prepareChart(helm: Helm, plan: RenderPlan): Promise<FetchedChart> {
  if (plan.credentials && plan.source.kind === 'oci') {
    const host = plan.source.ref.slice('oci://'.length).split('/')[0] as string;
    await helm.registryLogin(host, plan.credentials.username, plan.credentials.password, plan.plainHttp);
    log.info(`logged in to ${safe(host)} as ${safe(plan.credentials.username)}`);
  }
  const chart = await fetchChart(helm, plan.source, { plainHttp: plan.plainHttp, workspace: plan.workspace });
  log.info(`chart ${safe(chart.name)} ${safe(chart.version)} (${safe(chart.label)})`);
  if (plan.options.dependencyUpdate) {
    await helm.dependencyUpdate(chartFiles(chart, plan.workspace));
    log.info('dependencies updated');
  }
  return chart;
}

export interface Rendered {
  chart: FetchedChart;
  text: string;
  documents: RenderedDocument[];
  lintReport?: string;
}

/** Lints (when asked) and renders the chart with the plan's values and target cluster. */
export async function renderChart(helm: Helm, chart: FetchedChart, plan: RenderPlan): Promise<Rendered> {
  const files = chartFiles(chart, plan.workspace);
  let lintReport: string | undefined;
  if (plan.lint) {
    lintReport = await helm.lint(files, plan.options);
    log.info('helm lint --strict: no findings that fail');
  }
  const text = await helm.template(files, plan.options);
  const documents = splitManifests(text);
  log.info(`rendered ${documents.length} objects`);
  return { chart, text, documents, ...(lintReport === undefined ? {} : { lintReport }) };
}

export interface Inspection {
  objects: (ObjectId & { source?: string })[];
  images: string[];
  kubeVersion: string;
  /** Custom resources the bundled schemas cannot check. */
  unchecked: ObjectId[];
}

function firstLocation(files: ChartFiles, source: string | undefined) {
  return source ? locationOf(files, source) : undefined;
}

/**
 * Everything the rendered objects must satisfy before anyone applies them: a name each, no object
 * twice, the Kubernetes schemas of the target version, images pinned by digest (when required), and the
 * injected image actually in use.
 */
export async function inspectManifests(rendered: Rendered, plan: RenderPlan): Promise<Inspection> {
  const validator = await KubeSchemaValidator.create(plan.options.kubeVersion);
  const files = chartFiles(rendered.chart, plan.workspace);
  const ids = rendered.documents.map((document) =>
    objectId(document, plan.options.namespace, validator.isClusterScoped),
  );
  assertUnique(ids, rendered.documents);

  const report = validator.validate(rendered.documents, ids);
  for (const id of report.unchecked)
    log.info(
      `${safe(describeObject(id))} (${safe(id.apiVersion)}) is a custom resource: no bundled schema, not validated`,
    );
  if (report.problems.length > 0) {
    const lines = report.problems.slice(0, 25).map((p) => `  - ${formatSchemaProblem(p)}`);
    if (report.problems.length > 25) lines.push(`  - … and ${report.problems.length - 25} more`);
    const location = firstLocation(files, report.problems[0]?.source);
    throw new UserError(
      `${report.problems.length} problem${report.problems.length === 1 ? '' : 's'} against the Kubernetes ${validator.kubeVersion} schemas:\n${lines.join('\n')}`,
      {
        hint: 'Fix the named templates or values; the API server would reject or silently drop these fields.',
        ...(location ? { location } : {}),
      },
    );
  }
  log.info(`${report.checked} objects match the Kubernetes ${validator.kubeVersion} schemas`);

  const images: string[] = [];
  const unpinned: string[] = [];
  let unpinnedSource: string | undefined;
  rendered.documents.forEach((document, index) => {
    for (const image of imagesOf(document.object)) {
      if (!images.includes(image)) images.push(image);
      if (!isPinnedByDigest(image)) {
        unpinned.push(
          `${describeObject(ids[index] as ObjectId)} (${document.source ?? 'no template'}) runs ${image}`,
        );
        unpinnedSource ??= document.source;
      }
    }
  });
  if (plan.requireDigests && unpinned.length > 0) {
    const location = firstLocation(files, unpinnedSource);
    throw new UserError(
      `require-digests is on, and ${unpinned.length} image${unpinned.length === 1 ? ' is' : 's are'} not pinned by digest:\n${unpinned.map((l) => `  - ${l}`).join('\n')}`,
      {
        hint: 'Pass image-ref from build-image (repo@sha256:…), set the digest in the values, or set require-digests: false.',
        ...(location ? { location } : {}),
      },
    );
  }
  const injected = plan.options.image;
  const usesInjected = (image: string) =>
    image.startsWith(injected?.ref.repository ?? '') && image.endsWith(`@${injected?.ref.digest}`);
  if (injected && !images.some(usesInjected)) {
    const paths = injected.paths.map((p) => `${p.repository} + ${p.digest}`).join(', ');
    throw new UserError(
      `image-ref ${injected.ref.ref} was set at ${paths}, but no rendered container uses it (images: ${images.join(', ') || 'none'}).`,
      { hint: 'Point image-value-paths at the values the chart builds its image from.' },
    );
  }

  return {
    objects: ids.map((id, index) => ({ ...id, source: rendered.documents[index]?.source })),
    images,
    kubeVersion: validator.kubeVersion,
    unchecked: report.unchecked,
  };
}

/** Writes the manifests exactly as helm rendered them; returns the file and the digest deploys record. */
export async function writeManifests(
  plan: RenderPlan,
  rendered: Rendered,
): Promise<{ file: string; digest: string }> {
  await mkdir(plan.outputDir, { recursive: true });
  await writeFile(plan.manifestsFile, rendered.text);
  return {
    file: plan.manifestsFile,
    digest: manifestDigest(rendered.documents.map((d) => d.object)),
  };
}
