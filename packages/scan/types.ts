// The report model every scan source is turned into; the gate, the SARIF writer and the summary read only this.

/** Trivy's severities, highest first. UNKNOWN is what a source gives when it has no rating. */
export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** `fail-on`: the lowest severity that fails the gate, or `never` to report without failing. */
export type Threshold = Severity | 'NEVER';

export type FindingKind = 'vulnerability' | 'misconfiguration' | 'secret' | 'policy';

export interface FindingLocation {
  /** A file path (manifest, Dockerfile), or the scan target (an image) when the finding has no file. */
  file: string;
  line?: number;
  endLine?: number;
}

export interface Finding {
  /** What an ignore entry names: a CVE/GHSA id, a Trivy check id, a secret rule id or a native rule id. */
  ruleId: string;
  /** Other ids the same rule is known by (Trivy's AVD id of a check), also matched by ignore entries. */
  aliases?: readonly string[];
  kind: FindingKind;
  severity: Severity;
  title: string;
  message: string;
  /** What to change to make the finding go away. */
  fix?: string;
  location: FindingLocation;
  /** `trivy` or `swiss-deploy` (the native manifest policy). */
  tool: 'trivy' | 'swiss-deploy';
  helpUri?: string;
  /** Vulnerabilities: the package, its installed and fixed versions, whether a fix exists. */
  pkg?: { name: string; installed?: string; fixedIn?: string; fixed: boolean };
  /** Set when the location is inside an image (a path in its filesystem), not a file of the repository. */
  artifact?: string;
  /** Manifest findings: the object, as `Kind/namespace/name`. */
  object?: string;
}
