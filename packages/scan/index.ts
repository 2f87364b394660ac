// Image, config and manifest scanning behind one gate. This file is the package's only door.
export { SEVERITIES, type Finding } from './types';
export { gate } from './gate';
export { scanSummary } from './summary';
export { installTrivy } from './trivy';
export { planScan } from './plan';
export {
  checkManifestFiles,
  readTrivyReports,
  setupTrivy,
  scanImage,
  scanSbom,
  scanConfigPaths,
  writeResults,
  annotate,
} from './scan';
