import { UserError } from '@swiss-deploy/kit';
import type { EventContext } from './types';

/**
 * The OCI annotations every image of the suite carries (org.opencontainers.image.*), filled from the
 * repository and the run, then the user's own `key=value` labels, which win on conflict.
 */
export function ociLabels(
  context: EventContext,
  version: string,
  userLabels: readonly string[] = [],
): Record<string, string> {
  const source = `${context.serverUrl}/${context.repository}`;
  const labels: Record<string, string> = {
    'org.opencontainers.image.title': context.repository.split('/').pop() ?? context.repository,
    'org.opencontainers.image.source': source,
    'org.opencontainers.image.url': source,
    'org.opencontainers.image.revision': context.sha,
    'org.opencontainers.image.created': context.now.toISOString(),
    'org.opencontainers.image.version': version,
  };
  if (context.description) labels['org.opencontainers.image.description'] = context.description;
  // GitHub reports "NOASSERTION" when it cannot tell the license; that is no license to label.
  if (context.licenseSpdx && context.licenseSpdx !== 'NOASSERTION')
    labels['org.opencontainers.image.licenses'] = context.licenseSpdx;
  Object.assign(labels, parseKeyValues('labels', userLabels));
  return labels;
}

/** `KEY=value` lines (build args, labels) into a record; the value may itself contain `=`. */
export function parseKeyValues(inputName: string, lines: readonly string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of lines) {
    const eq = line.indexOf('=');
    const key = eq > 0 ? line.slice(0, eq).trim() : '';
    if (key === '' || /\s/.test(key)) {
      throw new UserError(`Input "${inputName}" has the line "${line}": expected KEY=value.`, {
        hint: 'Write one KEY=value per line.',
      });
    }
    values[key] = line.slice(eq + 1);
  }
  return values;
}
