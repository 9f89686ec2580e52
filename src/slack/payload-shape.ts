/**
 * The shapes Slack sends to /slack/events, loosely: the fields Bolt reads
 * before any handler runs must have the type Slack gives them. A signed body
 * that does not fit is refused with 400 before Bolt sees it; Bolt and the
 * handlers assume these types and answered a wrong one with a 500 (or, for a
 * JSON `null`, a crash). Unknown fields pass: Slack adds fields over time.
 */
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

/** Whether a signed body has the shape Slack sends for its content type. */
export function slackBodyShapeOk(contentType: string | undefined, body: Buffer): boolean {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  const text = body.toString('utf8');
  if (type === 'application/json') return eventsApi.safeParse(parseJson(text)).success;
  if (type !== 'application/x-www-form-urlencoded') return false;
  const form = new URLSearchParams(text);
  const payload = form.get('payload');
  if (payload !== null) return interaction.safeParse(parseJson(payload)).success;
  if (form.get('ssl_check') === '1') return true;
  return slashCommand.safeParse(Object.fromEntries(form)).success;
}
