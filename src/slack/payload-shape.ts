/**
 * The shapes Slack sends to /slack/events, loosely: the fields Bolt reads
 * before any handler runs must have the type Slack gives them. A signed body
 * that does not fit is refused with 400 before Bolt sees it; Bolt and the
 * handlers assume these types and answered a wrong one with a 500 (or, for a
 * JSON `null`, a crash). Unknown fields pass: Slack adds fields over time.
 */
import { parse } from 'node:querystring';
import { z } from 'zod';

const id = z.string().max(256);
/** Slack user ids (U…, W… on Enterprise Grid): they are echoed back as API arguments (an ephemeral reply's recipient). */
const userId = z.string().regex(/^[UW][A-Z0-9]{1,30}$/);
/** Channel ids (C… public, G… private, D… direct): echoed back as the channel of a reply. */
const channelId = z.string().regex(/^[CGD][A-Z0-9]{1,30}$/);
/** Message timestamps (`1712345678.000100`): echoed back as the thread a reply goes to. */
const ts = z.string().regex(/^\d{1,12}\.\d{1,9}$/);
const ref = z.object({ id }).passthrough();
const optionalRef = ref.nullish();
/** A block action: the fields handlers read are strings when present. */
const action = z
  .object({ action_id: z.string().max(255).optional(), block_id: z.string().max(255).optional(), value: z.string().max(2000).optional() })
  .passthrough();

/** Interactivity (form field `payload`): buttons, modals, shortcuts. */
const interaction = z
  .object({
    type: z.string().min(1).max(64),
    user: z.object({ id: userId }).passthrough().optional(),
    team: optionalRef,
    channel: z.object({ id: channelId }).passthrough().nullish(),
    actions: z.array(action).optional(),
    view: z.object({}).passthrough().optional(),
    message: z.object({ ts: ts.optional(), thread_ts: ts.optional() }).passthrough().optional(),
    container: z.object({}).passthrough().optional(),
    response_url: z.string().max(2048).optional(),
    trigger_id: z.string().max(256).optional(),
  })
  .passthrough();

/** A slash command (form fields). */
const slashCommand = z
  .object({
    command: z.string().min(1).max(64),
    text: z.string().max(40_000).default(''),
    user_id: userId,
    channel_id: channelId.optional(),
    team_id: id.optional(),
  })
  .passthrough();

/** Events API (JSON). */
const eventsApi = z.discriminatedUnion('type', [
  z.object({ type: z.literal('url_verification'), challenge: z.string().max(1024) }).passthrough(),
  z
    .object({
      type: z.literal('event_callback'),
      team_id: id.optional(),
      // The fields a mention's reply is addressed with (user, channel, thread) must be Slack's.
      event: z
        .object({ type: z.string().min(1).max(64), user: userId.optional(), channel: channelId.optional(), ts: ts.optional(), thread_ts: ts.optional() })
        .passthrough(),
    })
    .passthrough(),
  z.object({ type: z.literal('app_rate_limited') }).passthrough(),
]);

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A body Slack sent, parsed as Bolt parses it. */
export type SlackBody = Record<string, unknown>;

/** The content type without its parameters, lower-cased. */
function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/**
 * A signed body parsed once, as Bolt's HTTP receiver parses it (a form is
 * `querystring`-parsed and its `payload` field read as JSON; anything else as
 * JSON), or undefined when it does not have the shape Slack sends for its
 * content type. What was checked is what is dispatched: a repeated form field
 * is a list here, as it is for Bolt, and is refused where a string is expected.
 */
export function parseSlackBody(contentType: string | undefined, body: Buffer): SlackBody | undefined {
  const text = body.toString('utf8');
  // Bolt reads a form only under this exact type, and anything else as JSON.
  if (contentType === 'application/x-www-form-urlencoded') {
    const form = parse(text) as SlackBody;
    const payload = form.payload;
    if (payload !== undefined) {
      const interactionBody = typeof payload === 'string' ? parseJson(payload) : undefined;
      return interaction.safeParse(interactionBody).success ? (interactionBody as SlackBody) : undefined;
    }
    if (form.ssl_check === '1') return form;
    return slashCommand.safeParse(form).success ? form : undefined;
  }
  if (mediaType(contentType) !== 'application/json') return undefined;
  const json = parseJson(text);
  return eventsApi.safeParse(json).success ? (json as SlackBody) : undefined;
}

/** Whether a signed body has the shape Slack sends for its content type. */
export function slackBodyShapeOk(contentType: string | undefined, body: Buffer): boolean {
  return parseSlackBody(contentType, body) !== undefined;
}
