// Deploy notifications: Slack incoming webhooks, Teams workflow webhooks, signed JSON webhooks. The package's only door.
export { runNotifications, imageRefs, type RunFacts } from './notifier';
