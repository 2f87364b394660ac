// Deploy notifications: Slack incoming webhooks, Teams workflow webhooks, signed JSON webhooks. The package's only door.
export {
  openNotifier,
  runNotifications,
  runLinksFromEnv,
  eventOfStatus,
  imageRefs,
  type Notifier,
  type NotifierOptions,
  type RunNotifications,
  type RunFacts,
} from './notifier';
export { parseNotifyTargets } from './targets';
export {
  slackPayload,
  teamsPayload,
  webhookRequest,
  signBody,
  headline,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  DELIVERY_HEADER,
  EVENT_HEADER,
} from './payloads';
export {
  deliver,
  retryAfterMs,
  DEFAULT_DELIVERY,
  type DeliveryOptions,
  type DeliveryResult,
} from './deliver';
export {
  NOTIFY_EVENTS,
  TARGET_TYPES,
  type NotifyEvent,
  type TargetType,
  type NotifyTarget,
  type DeployNotice,
  type RunLinks,
} from './types';
