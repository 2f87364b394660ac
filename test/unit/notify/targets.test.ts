import { InputError, maskSecrets } from '@swiss-deploy/kit';
import { NOTIFY_EVENTS } from '../../../packages/notify/types';
import { parseNotifyTargets } from '../../../packages/notify/targets';

const SLACK = 'https://hooks.slack.com/services/T000/B000/slackcanary0123456789';
const TEAMS =
  'https://prod-01.westus.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=teamscanary42';
const HOOK = 'https://deploys.example.com/hooks/swiss?token=hookcanary987';

function problemOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as InputError).message;
  }
  throw new Error('expected an InputError');
}

describe('the notify input', () => {
  it('is empty: no targets', () => {
    expect(parseNotifyTargets(undefined, undefined)).toEqual([]);
    expect(parseNotifyTargets('  \n', undefined)).toEqual([]);
  });

  it('takes one target per line, with optional events, skipping comments', () => {
    const targets = parseNotifyTargets(
      `# the team channel\nslack ${SLACK}\nteams ${TEAMS} failed,rolled-back\nwebhook ${HOOK}\n`,
      'hmac-key-0123456789',
    );
    expect(targets).toEqual([
      { type: 'slack', url: SLACK, events: [...NOTIFY_EVENTS] },
      { type: 'teams', url: TEAMS, events: ['failed', 'rolled-back'] },
      { type: 'webhook', url: HOOK, events: [...NOTIFY_EVENTS] },
    ]);
  });

  it('takes a YAML list of { type, url, events }', () => {
    const targets = parseNotifyTargets(
      `- type: slack\n  url: ${SLACK}\n  events: [succeeded, failed]\n- { type: teams, url: "${TEAMS}" }\n`,
      undefined,
    );
    expect(targets).toEqual([
      { type: 'slack', url: SLACK, events: ['succeeded', 'failed'] },
      { type: 'teams', url: TEAMS, events: [...NOTIFY_EVENTS] },
    ]);
  });

  it('masks every URL as a secret, since a webhook URL is its own credential', () => {
    parseNotifyTargets(`slack ${SLACK}\nteams ${TEAMS}`, undefined);
    expect(maskSecrets(`posting to ${SLACK} and ${TEAMS}`)).toBe('posting to *** and ***');
  });

  it.each([
    [
      'an unknown type',
      `discord ${SLACK}`,
      /target 1 has the type "discord"; allowed: slack, teams, webhook/,
    ],
    ['no URL', 'slack', /target 1 \(slack\) has no URL/],
    ['an http URL to another host', 'slack http://hooks.slack.com/services/x', /not https:\/\//],
    ['a URL with a password', 'slack https://u:p@hooks.slack.com/x', /holds a user name or password/],
    ['not a URL', 'teams hooks.slack.com/x', /not an absolute URL/],
    ['an unknown event', `slack ${SLACK} failed,exploded`, /event "exploded" is not one of started, /],
    ['words after the events', `slack ${SLACK} failed extra`, /more than type, URL and events/],
    ['a YAML mapping instead of a list', '- nope', /each target of the YAML form is a mapping/],
    ['a YAML key it does not take', `- { type: slack, url: "${SLACK}", channel: x }`, /the key "channel"/],
    ['broken YAML', '- [unclosed', /not valid YAML/],
  ])('refuses %s, naming the input and never quoting a URL', (_title, raw, reason) => {
    const message = problemOf(() => parseNotifyTargets(raw, 'hmac-key-0123456789'));
    expect(message).toMatch(/^Input "notify" is "\*\*\*": expected targets as/);
    expect(message).toMatch(reason);
    expect(message).not.toContain('hooks.slack.com');
  });

  it('allows plain http only to this machine', () => {
    expect(parseNotifyTargets('webhook http://127.0.0.1:8080/hook', 'hmac-key-0123456789')).toHaveLength(1);
    expect(parseNotifyTargets('slack http://localhost/slack', undefined)).toHaveLength(1);
  });

  it('needs notify-secret for a webhook target: webhooks are always signed', () => {
    expect(problemOf(() => parseNotifyTargets(`webhook ${HOOK}`, undefined))).toContain(
      'Input "notify-secret" is required when notify has a webhook target',
    );
  });

  it('refuses more than ten targets', () => {
    const raw = Array.from({ length: 11 }, () => `slack ${SLACK}`).join('\n');
    expect(problemOf(() => parseNotifyTargets(raw, undefined))).toContain('11 targets; at most 10');
  });
});
