import { UserError, describeProblem } from '@swiss-deploy/kit';
import { objectName, parseManifests, type ManifestObject } from './manifests';
import { POLICY_RULES, type PolicyRule } from './policy-rules';
import { normalizeSeverity } from './severity';
import { SEVERITIES, type Finding, type Severity } from './types';

/** Which native rules run, and at which severity. */
export interface PolicySettings {
  rules: readonly (PolicyRule & { enabled: boolean })[];
}

const SETTING = /^([A-Za-z0-9-]+)\s*=\s*([A-Za-z]+)$/;

/**
 * Reads the `policies` input: items `ID=off`, `ID=on` or `ID=<severity>` applied in order, where ID is
 * a rule id or `all`. Every rule is on at its own severity unless an item says otherwise.
 */
export function policySettings(items: readonly string[], inputName = 'policies'): PolicySettings {
  const state = new Map(POLICY_RULES.map((rule) => [rule.id, { enabled: true, severity: rule.severity }]));
  const allowed = `items ID=off, ID=on or ID=<severity> where ID is "all" or one of ${POLICY_RULES.map((r) => r.id).join(', ')}, and severity is one of ${SEVERITIES.map((s) => s.toLowerCase()).join(', ')}`;
  for (const item of items) {
    const match = SETTING.exec(item);
    const id = match?.[1]?.toUpperCase();
    const word = match?.[2]?.toLowerCase() ?? '';
    const targets = id === 'ALL' ? [...state.keys()] : id && state.has(id) ? [id] : undefined;
    const severity = normalizeSeverity(word);
    const valid = word === 'on' || word === 'off' || severity !== 'UNKNOWN' || word === 'unknown';
    if (!targets || !valid) {
      throw new UserError(describeProblem(inputName, item, allowed), {
        hint: 'Fix the inputs in the workflow step; nothing was changed.',
      });
    }
    for (const target of targets) {
      const current = state.get(target) as { enabled: boolean; severity: Severity };
      if (word === 'off') current.enabled = false;
      else if (word === 'on') current.enabled = true;
      else {
        current.enabled = true;
        current.severity = severity;
      }
    }
  }
  return {
    rules: POLICY_RULES.map((rule) => {
      const current = state.get(rule.id) as { enabled: boolean; severity: Severity };
      return { ...rule, severity: current.severity, enabled: current.enabled };
    }),
  };
}

export const DEFAULT_POLICY: PolicySettings = policySettings([]);

/** Runs the enabled native rules over parsed objects; one finding per violation. */
export function checkObjects(objects: readonly ManifestObject[], settings = DEFAULT_POLICY): Finding[] {
  const findings: Finding[] = [];
  for (const rule of settings.rules) {
    if (!rule.enabled) continue;
    for (const violation of rule.check(objects)) {
      const { object } = violation;
      findings.push({
        ruleId: rule.id,
        kind: 'policy',
        severity: rule.severity,
        title: rule.title,
        message: object.source ? `${violation.message} (from ${object.source})` : violation.message,
        fix: rule.fix,
        location: { file: object.file, line: object.lineOf(violation.path) },
        tool: 'swiss-deploy',
        object: objectName(object),
      });
    }
  }
  return findings;
}

/** Checks rendered manifests, given as (display path, text) pairs, against the native policy. */
export function checkManifests(
  files: readonly { file: string; text: string }[],
  settings = DEFAULT_POLICY,
): Finding[] {
  return checkObjects(
    files.flatMap(({ file, text }) => parseManifests(text, file)),
    settings,
  );
}
