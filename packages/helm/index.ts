// helm install, chart rendering, values and manifest validation. This file is the package's only door.
export { Helm, type HelmInstallOptions } from './helm';
export { HELM_RELEASES, DEFAULT_HELM_VERSION, resolveHelmVersion, helmToolSpec } from './helm-versions';
export { planRender, type RenderPlan, type RenderRequest } from './plan';
export {
  installHelm,
  prepareChart,
  renderChart,
  inspectManifests,
  writeManifests,
  type Rendered,
  type Inspection,
} from './render';
export { resolveChartSource, fetchChart } from './chart';
export { explainHelmFailure, templateLocation } from './helm-errors';
export {
  KubeSchemaValidator,
  formatSchemaProblem,
  fieldPath,
  supportedKubeMinor,
  supportedKubeVersions,
  newestKubeVersion,
} from './kube-schema';
export { splitManifests, objectId, imagesOf, isPinnedByDigest } from './manifests';
export {
  parseAssignment,
  literalSetValue,
  parseImageRef,
  parseImageValuePath,
  valueArgs,
  helmKubeVersion,
} from './values';
export type * from './types';
