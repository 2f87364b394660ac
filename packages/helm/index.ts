// helm install, chart rendering, values and manifest validation. This file is the package's only door.

export { DEFAULT_HELM_VERSION } from './helm-versions';
export { planRender, type RenderPlan } from './plan';
export { installHelm, prepareChart, renderChart, inspectManifests, writeManifests } from './render';
