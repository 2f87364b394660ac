import { commentMarker } from './names';

export type DeployResult = 'success' | 'failure' | 'cancelled' | 'skipped';

export interface PreviewFacts {
  app: string;
  pr: number;
  namespace: string;
  /** http(s) URLs of the preview's Ingress and HTTPRoute hosts. */
  routes: string[];
  /** Its stable Services as namespace/name:port. */
  services: string[];
  result: DeployResult;
  revision?: string;
  color?: string;
  imageRef?: string;
  commit?: string;
  expiresAt?: string;
  runUrl?: string;
}

/** A value as inline code, on one line, with no backtick to end the code span early. */
function inline(value: string): string {
  return `\`${value.replace(/[`\r\n]/g, ' ').trim()}\``;
}

const HEADLINE: Record<DeployResult, string> = {
  success: 'is up',
  failure: 'failed to deploy; the previous revision (if any) still serves',
  cancelled: 'deploy was cancelled',
  skipped: 'was not deployed',
};

/** The PR comment for a preview after a deploy run: where it is, what runs there, when it goes. */
export function previewComment(facts: PreviewFacts): string {
  const rows: [string, string][] = [
    ['Namespace', inline(facts.namespace)],
    [
      'Route',
      facts.routes.length > 0 ? facts.routes.map(inline).join(', ') : 'none (no Ingress or HTTPRoute)',
    ],
    ['Service', facts.services.length > 0 ? facts.services.map(inline).join(', ') : '–'],
    ['Revision', facts.revision ? inline(facts.revision) : '–'],
    ['Color', facts.color ? inline(facts.color) : '–'],
    ['Image', facts.imageRef ? inline(facts.imageRef) : '–'],
    ['Commit', facts.commit ? inline(facts.commit) : '–'],
    ['Expires', facts.expiresAt ? `${inline(facts.expiresAt)} (the scheduled cleanup removes it then)` : '–'],
  ];
  if (facts.runUrl) rows.push(['Run', facts.runUrl]);
  return [
    commentMarker(facts.app),
    `### Preview of ${inline(facts.app)} for #${facts.pr} ${HEADLINE[facts.result]}`,
    '',
    '| | |',
    '| --- | --- |',
    ...rows.map(([label, value]) => `| ${label} | ${value.replace(/\|/g, '\\|')} |`),
    '',
    'Closing the pull request tears the preview down.',
  ].join('\n');
}

/** The same comment once the preview is gone. */
export function goneComment(facts: {
  app: string;
  pr: number;
  namespace: string;
  reason: 'closed' | 'expired';
  deactivated: number;
  runUrl?: string;
}): string {
  const why = facts.reason === 'closed' ? 'the pull request was closed' : 'its time to live had passed';
  return [
    commentMarker(facts.app),
    `### Preview of ${inline(facts.app)} for #${facts.pr} is gone`,
    '',
    `Namespace ${inline(facts.namespace)} was deleted because ${why}; ${facts.deactivated} GitHub Deployment(s) were marked inactive.`,
    ...(facts.runUrl ? ['', `Run: ${facts.runUrl}`] : []),
  ].join('\n');
}
