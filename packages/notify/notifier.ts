import { errorMessage, maskSecrets } from '@swiss-deploy/kit';
import { DEFAULT_DELIVERY, deliver, type DeliveryOptions } from './deliver';
import { slackPayload, teamsPayload, webhookRequest } from './payloads';
import { parseNotifyTargets } from './targets';
import type { DeployNotice, NotifyTarget, RunLinks } from './types';

/** The run's notifications, or a null object when the notify input is empty. */
export interface Notifier {
  /** Sends to every target that wants the event, in parallel; resolves when all are done, never rejects. */
  send(notice: DeployNotice): Promise<void>;
  readonly targets: readonly NotifyTarget[];
}

export interface NotifierOptions {
  /** The notify input, as parsed text. */
  notify?: string;
  /** The notify-secret input: the HMAC-SHA256 key of webhook targets. */
  secret?: string;
  links: RunLinks;
  warn: (line: string) => void;
  info?: (line: string) => void;
  delivery?: DeliveryOptions;
}

/** `GITHUB_SERVER_URL/GITHUB_REPOSITORY/actions/runs/GITHUB_RUN_ID` and the commit, from the runner. */
export function runLinksFromEnv(env: NodeJS.ProcessEnv = process.env): RunLinks {
  const server = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '');
  return {
    runUrl:
      env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
        ? `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
        : undefined,
    repository: env.GITHUB_REPOSITORY || undefined,
    commit: env.GITHUB_SHA || undefined,
    actor: env.GITHUB_ACTOR || undefined,
  };
}

function request(target: NotifyTarget, notice: DeployNotice, links: RunLinks, secret: string | undefined) {
  if (target.type === 'slack') return { body: JSON.stringify(slackPayload(notice, links)), headers: {} };
  if (target.type === 'teams') return { body: JSON.stringify(teamsPayload(notice, links)), headers: {} };
  return webhookRequest(notice, links, secret ?? '');
}

/**
 * Validates the notify inputs (throwing an InputError that names them, before any side effect) and returns
 * the notifier. Delivery is best effort: a target that fails is one warning, naming the target by its type
 * and position, never by its URL, and the deploy goes on as if nothing happened.
 */
export function openNotifier(options: NotifierOptions): Notifier {
  const targets = parseNotifyTargets(options.notify, options.secret);
  const delivery = options.delivery ?? DEFAULT_DELIVERY;
  return {
    targets,
    async send(given) {
      // An error line can quote what a secret input held; it leaves this machine masked.
      const notice = given.message === undefined ? given : { ...given, message: maskSecrets(given.message) };
      await Promise.all(
        targets.map(async (target, index) => {
          if (!target.events.includes(notice.event)) return;
          const name = `notify target ${index + 1} (${target.type})`;
          try {
            const { body, headers } = request(target, notice, options.links, options.secret);
            const result = await deliver(target.url, body, headers, delivery);
            if (result.ok) options.info?.(`Notified ${name} of ${notice.event}.`);
            else
              options.warn(
                `Could not notify ${name} of ${notice.event} after ${result.attempts} ${result.attempts === 1 ? 'try' : 'tries'}: ${result.reason}`,
              );
          } catch (error) {
            options.warn(`Could not notify ${name} of ${notice.event}: ${errorMessage(error)}`);
          }
        }),
      );
    },
  };
}

/** The facts one run tells in every notification; each send adds the event and what it learned. */
export type RunFacts = Omit<DeployNotice, 'event' | 'images'> & { images?: string[] };

/** One run's notifications: the facts fixed once, each send names its event. */
export interface RunNotifications {
  send(event: DeployNotice['event'], more?: Partial<Omit<DeployNotice, 'event'>>): Promise<void>;
}

/**
 * What the deploy entries call: validates the notify inputs (an InputError names them) and returns the
 * run's notifications with the run link from the runner's environment.
 */
export function runNotifications(
  inputs: { notify?: string; 'notify-secret'?: string },
  facts: RunFacts,
  log: { warning: (line: string) => void; info: (line: string) => void },
  /** `trace` is read at each send: the trace may start after the notifications are set up. */
  options: { enabled?: boolean; trace?: { traceId?: string } } = {},
): RunNotifications {
  const links = runLinksFromEnv();
  const notifier = openNotifier({
    notify: inputs.notify,
    secret: inputs['notify-secret'],
    links,
    warn: log.warning,
    info: log.info,
  });
  return {
    send: (event, more = {}) =>
      notifier.targets.length === 0 || options.enabled === false
        ? Promise.resolve()
        : ((links.traceId = options.trace?.traceId),
          notifier.send({ ...facts, images: facts.images ?? [], ...more, event })),
  };
}

/** The event a finished deploy's status is: a preview or a promotion succeeded, an abort aborted. */
export function eventOfStatus(status: string): DeployNotice['event'] {
  if (status === 'aborted') return 'aborted';
  if (status === 'failed') return 'failed';
  if (status === 'rolled-back') return 'rolled-back';
  return 'succeeded';
}

/** `repo@sha256:…` for each image, from how a manifest names it and the digest its pods run. */
export function imageRefs(images: readonly { image: string; digest?: string }[]): string[] {
  const refs = images.map(({ image, digest }) =>
    digest && !image.includes('@') ? `${image.replace(/:[^/:]+$/, '')}@${digest}` : image,
  );
  return [...new Set(refs)];
}
