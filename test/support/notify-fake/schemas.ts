// The request formats the notification receivers document, as JSON schemas: what a Slack incoming webhook
// accepts (a message with `text` and Block Kit blocks: header, section, actions, context, divider; their
// documented limits), and what a Teams "post to a channel when a webhook request is received" workflow
// accepts (a message whose attachments hold an Adaptive Card; the schema 1.x elements the suite sends).
// Written from the services' reference pages; strict, so a field they do not document is a violation.

const slackText = (maxLength: number, types: string[] = ['plain_text', 'mrkdwn']) => ({
  type: 'object',
  required: ['type', 'text'],
  additionalProperties: false,
  properties: {
    type: { enum: types },
    text: { type: 'string', minLength: 1, maxLength },
    emoji: { type: 'boolean' },
    verbatim: { type: 'boolean' },
  },
  // emoji belongs to plain_text, verbatim to mrkdwn
  allOf: [
    { if: { properties: { type: { const: 'mrkdwn' } } }, then: { not: { required: ['emoji'] } } },
    { if: { properties: { type: { const: 'plain_text' } } }, then: { not: { required: ['verbatim'] } } },
  ],
});

const blockId = { type: 'string', maxLength: 255 };

const slackButton = {
  type: 'object',
  required: ['type', 'text'],
  additionalProperties: false,
  properties: {
    type: { const: 'button' },
    text: slackText(75, ['plain_text']),
    action_id: { type: 'string', maxLength: 255 },
    url: { type: 'string', format: 'uri', maxLength: 3000 },
    value: { type: 'string', maxLength: 2000 },
    style: { enum: ['primary', 'danger'] },
  },
};

export const slackMessageSchema = {
  $id: 'slack-incoming-webhook',
  type: 'object',
  additionalProperties: false,
  anyOf: [{ required: ['text'] }, { required: ['blocks'] }],
  properties: {
    text: { type: 'string', minLength: 1, maxLength: 40000 },
    mrkdwn: { type: 'boolean' },
    unfurl_links: { type: 'boolean' },
    unfurl_media: { type: 'boolean' },
    thread_ts: { type: 'string' },
    blocks: {
      type: 'array',
      minItems: 1,
      maxItems: 50,
      items: {
        type: 'object',
        required: ['type'],
        properties: { type: { enum: ['header', 'section', 'actions', 'context', 'divider'] } },
        oneOf: [
          {
            required: ['type', 'text'],
            additionalProperties: false,
            properties: {
              type: { const: 'header' },
              text: slackText(150, ['plain_text']),
              block_id: blockId,
            },
          },
          {
            required: ['type'],
            additionalProperties: false,
            anyOf: [{ required: ['text'] }, { required: ['fields'] }],
            properties: {
              type: { const: 'section' },
              text: slackText(3000),
              fields: { type: 'array', minItems: 1, maxItems: 10, items: slackText(2000) },
              block_id: blockId,
            },
          },
          {
            required: ['type', 'elements'],
            additionalProperties: false,
            properties: {
              type: { const: 'actions' },
              elements: { type: 'array', minItems: 1, maxItems: 25, items: slackButton },
              block_id: blockId,
            },
          },
          {
            required: ['type', 'elements'],
            additionalProperties: false,
            properties: {
              type: { const: 'context' },
              elements: { type: 'array', minItems: 1, maxItems: 10, items: slackText(3000) },
              block_id: blockId,
            },
          },
          {
            required: ['type'],
            additionalProperties: false,
            properties: { type: { const: 'divider' }, block_id: blockId },
          },
        ],
      },
    },
  },
};

const colors = ['Default', 'Dark', 'Light', 'Accent', 'Good', 'Warning', 'Attention'];

const textBlock = {
  type: 'object',
  required: ['type', 'text'],
  additionalProperties: false,
  properties: {
    type: { const: 'TextBlock' },
    text: { type: 'string' },
    color: { enum: colors },
    size: { enum: ['Default', 'Small', 'Medium', 'Large', 'ExtraLarge'] },
    weight: { enum: ['Default', 'Lighter', 'Bolder'] },
    wrap: { type: 'boolean' },
    isSubtle: { type: 'boolean' },
    maxLines: { type: 'integer', minimum: 1 },
    id: { type: 'string' },
    spacing: { enum: ['None', 'Small', 'Default', 'Medium', 'Large', 'ExtraLarge', 'Padding'] },
    separator: { type: 'boolean' },
  },
};

const factSet = {
  type: 'object',
  required: ['type', 'facts'],
  additionalProperties: false,
  properties: {
    type: { const: 'FactSet' },
    facts: {
      type: 'array',
      items: {
        type: 'object',
        required: ['title', 'value'],
        additionalProperties: false,
        properties: { title: { type: 'string' }, value: { type: 'string' } },
      },
    },
    id: { type: 'string' },
    spacing: textBlock.properties.spacing,
    separator: { type: 'boolean' },
  },
};

const openUrl = {
  type: 'object',
  required: ['type', 'url'],
  additionalProperties: false,
  properties: {
    type: { const: 'Action.OpenUrl' },
    url: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    id: { type: 'string' },
  },
};

export const adaptiveCardSchema = {
  $id: 'adaptive-card-1.x',
  type: 'object',
  required: ['type', 'version'],
  additionalProperties: false,
  properties: {
    $schema: { type: 'string', format: 'uri' },
    type: { const: 'AdaptiveCard' },
    version: { type: 'string', pattern: '^1\\.[0-6]$' },
    body: { type: 'array', items: { oneOf: [textBlock, factSet] } },
    actions: { type: 'array', items: openUrl },
    msteams: { type: 'object' },
    fallbackText: { type: 'string' },
  },
};

export const teamsWorkflowMessageSchema = {
  $id: 'teams-workflow-webhook',
  type: 'object',
  required: ['type', 'attachments'],
  additionalProperties: false,
  properties: {
    type: { const: 'message' },
    attachments: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['contentType', 'content'],
        additionalProperties: false,
        properties: {
          contentType: { const: 'application/vnd.microsoft.card.adaptive' },
          contentUrl: { type: ['string', 'null'] },
          content: { $ref: 'adaptive-card-1.x' },
        },
      },
    },
  },
};

/** Teams refuses webhook messages larger than this (28 KB). */
export const TEAMS_MAX_BYTES = 28 * 1024;
