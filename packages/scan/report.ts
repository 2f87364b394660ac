import type { GateResult } from './gate';
import { describeThreshold } from './severity';

/** The `report` output: the gate's verdict and every finding it counted or ignored, as JSON. */
export function toReport(
  result: GateResult,
  context: { targets: readonly string[]; trivyVersion?: string; now: Date },
) {
  return {
    schema: 'swiss-deploy/scan-report@1',
    createdAt: context.now.toISOString(),
    targets: context.targets,
    trivyVersion: context.trivyVersion,
    failOn: result.threshold.toLowerCase(),
    failsOn: describeThreshold(result.threshold),
    passed: result.passed,
    failures: result.failures,
    counts: result.counts,
    blocking: result.blockingCount,
    findings: result.reported,
    ignored: result.ignored.map(({ finding, by }) => ({
      finding,
      by:
        by === 'unfixed'
          ? 'ignore-unfixed'
          : { id: by.id, reason: by.reason, expires: by.expires, file: by.file, line: by.line },
    })),
    expiredIgnores: result.expired.map(({ entry, matched }) => ({ ...entry, matched })),
    unusedIgnores: result.unused,
  };
}
