// Checks a Discord webhook body against the limits Discord itself enforces, so a message that
// Discord would refuse (and Alertmanager 0.25 would then drop, since it does not retry a 4xx)
// fails loudly in development and tests instead of in production.
// @see https://discord.com/developers/docs/resources/webhook#execute-webhook
// @see https://discord.com/developers/docs/resources/message#embed-object-embed-limits

export const DiscordLimits = {
  content: 2000,
  embeds: 10,
  title: 256,
  description: 4096,
  /** Sum of all text in all embeds of one message. */
  embedTotal: 6000,
} as const;

export interface DiscordEmbed {
  title?: string;
  description?: string;
  color?: number;
}

export interface DiscordPayload {
  content?: string;
  embeds?: DiscordEmbed[];
}

export type DiscordValidation = { ok: true; payload: DiscordPayload } | { ok: false; error: string };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function validateDiscordPayload(body: unknown): DiscordValidation {
  const fail = (error: string): DiscordValidation => ({ ok: false, error });
  if (!isObject(body)) return fail('body must be a JSON object');

  const { content, embeds } = body;
  if (content !== undefined && typeof content !== 'string') return fail('content must be a string');
  if (typeof content === 'string' && content.length > DiscordLimits.content) {
    return fail(`content is ${content.length} characters, the limit is ${DiscordLimits.content}`);
  }
  if (embeds !== undefined && !Array.isArray(embeds)) return fail('embeds must be an array');
  const list = (embeds ?? []) as unknown[];
  if (list.length > DiscordLimits.embeds) return fail(`${list.length} embeds, the limit is ${DiscordLimits.embeds}`);
  if (!content && list.length === 0) return fail('a message needs content or at least one embed');

  let total = 0;
  for (const [index, embed] of list.entries()) {
    const where = `embeds[${index}]`;
    if (!isObject(embed)) return fail(`${where} must be an object`);
    const { title, description, color } = embed;
    if (title !== undefined && typeof title !== 'string') return fail(`${where}.title must be a string`);
    if (description !== undefined && typeof description !== 'string') {
      return fail(`${where}.description must be a string`);
    }
    if (color !== undefined && (typeof color !== 'number' || !Number.isInteger(color) || color < 0 || color > 0xffffff)) {
      return fail(`${where}.color must be an integer from 0 to 16777215`);
    }
    if (typeof title === 'string' && title.length > DiscordLimits.title) {
      return fail(`${where}.title is ${title.length} characters, the limit is ${DiscordLimits.title}`);
    }
    if (typeof description === 'string' && description.length > DiscordLimits.description) {
      return fail(`${where}.description is ${description.length} characters, the limit is ${DiscordLimits.description}`);
    }
    total += (title?.length ?? 0) + (description?.length ?? 0);
  }
  if (total > DiscordLimits.embedTotal) {
    return fail(`embeds hold ${total} characters in total, the limit is ${DiscordLimits.embedTotal}`);
  }
  return { ok: true, payload: body as DiscordPayload };
}
