/**
 * Request bodies as Slack sends them, read back the way Bolt's HTTP receiver
 * parses them (HTTPModuleFunctions.parseHTTPRequestBody).
 */
import { HTTPModuleFunctions, type BufferedIncomingMessage } from '@slack/bolt';
import {
  DEFAULT_IDENTITY,
  appMentionEvent,
  blockActionBody,
  eventCallbackBody,
  slashCommandBody,
  urlVerificationBody,
  viewSubmissionBody,
} from '../../../src/testing/index.js';

/** What Bolt's receiver makes of a raw body with this content type. */
function boltParses(body: string, contentType: string): Record<string, unknown> {
  const req = { rawBody: Buffer.from(body), headers: { 'content-type': contentType } } as unknown as BufferedIncomingMessage;
  return HTTPModuleFunctions.parseHTTPRequestBody(req) as Record<string, unknown>;
}

const FORM = 'application/x-www-form-urlencoded';

test('a slash command is form-encoded with Slack’s fields in Slack’s order', () => {
  const body = slashCommandBody({ text: 'run scale-web replicas=3', userId: 'U0ALICE', userName: 'alice', channelId: 'C0OPS', channelName: 'ops', triggerId: '1.2.3', responseUrl: 'https://r.example/1' });

  expect(body).toContain('command=%2Fdrover&text=run+scale-web+replicas%3D3');
  expect([...new URLSearchParams(body).keys()]).toEqual([
    'token', 'team_id', 'team_domain', 'channel_id', 'channel_name', 'user_id', 'user_name',
    'command', 'text', 'api_app_id', 'is_enterprise_install', 'response_url', 'trigger_id',
  ]);
  expect(boltParses(body, FORM)).toMatchObject({
    team_id: DEFAULT_IDENTITY.teamId, channel_id: 'C0OPS', channel_name: 'ops', user_id: 'U0ALICE', user_name: 'alice',
    command: '/drover', text: 'run scale-web replicas=3', api_app_id: DEFAULT_IDENTITY.appId, response_url: 'https://r.example/1', trigger_id: '1.2.3',
  });
});

test('a generated trigger id looks like Slack’s', () => {
  const parsed = boltParses(slashCommandBody({ text: '', userId: 'U1', userName: 'u', channelId: 'C1' }), FORM);
  expect(parsed.trigger_id).toMatch(/^\d{11}\.\d{9}\.[0-9a-f]{32}$/);
  expect(parsed.response_url).toMatch(/^https:\/\/hooks\.slack\.com\/commands\/T0DROVER1\/\d+\/[0-9a-f]+$/);
});

test('a button click is payload=<block_actions json> taking block id and label from the message', () => {
  const blocks = [{ type: 'actions', block_id: 'run:42', elements: [{ type: 'button', action_id: 'drover_cancel', text: { type: 'plain_text', text: 'Cancel' }, value: '42' }] }];
  const body = blockActionBody({ actionId: 'drover_cancel', value: '42', userId: 'U0ALICE', channelId: 'C0OPS', messageTs: '1795531421.000100', triggerId: 't', message: { text: 'Running', blocks } });

  expect(body.startsWith('payload=')).toBe(true);
  const parsed = boltParses(body, FORM);
  expect(parsed).toMatchObject({
    type: 'block_actions',
    user: { id: 'U0ALICE', team_id: DEFAULT_IDENTITY.teamId },
    trigger_id: 't',
    container: { type: 'message', message_ts: '1795531421.000100', channel_id: 'C0OPS', is_ephemeral: false },
    channel: { id: 'C0OPS' },
    message: { ts: '1795531421.000100', text: 'Running', blocks },
    actions: [{ action_id: 'drover_cancel', block_id: 'run:42', value: '42', type: 'button', text: { type: 'plain_text', text: 'Cancel' } }],
  });
  expect((parsed.actions as { action_ts: string }[])[0]?.action_ts).toMatch(/^\d{10}\.\d{6}$/);
});

test('a modal submission carries view.state.values as given, and the opened view’s fields', () => {
  const values = { 'param:replicas': { value: { type: 'plain_text_input', value: '3' } } };
  const opened = { id: 'V0OPENED', type: 'modal', blocks: [{ type: 'input', block_id: 'param:replicas' }], hash: '1.abc', callback_id: 'ignored' };
  const parsed = boltParses(viewSubmissionBody({ callbackId: 'drover_run', privateMetadata: 'm', values, userId: 'U0ALICE', view: opened }), FORM);

  expect(parsed).toMatchObject({
    type: 'view_submission',
    user: { id: 'U0ALICE' },
    view: { id: 'V0OPENED', type: 'modal', callback_id: 'drover_run', private_metadata: 'm', hash: '1.abc', blocks: opened.blocks, state: { values } },
    response_urls: [],
  });
});

test('an app_mention arrives in a JSON event_callback envelope', () => {
  const event = appMentionEvent({ text: '<@U0DROVERBOT> status', user: 'U0ALICE', channel: 'C0OPS', ts: '1795531421.000200' });
  const parsed = boltParses(eventCallbackBody({ eventId: 'Ev01', event, eventTime: 1795531421 }), 'application/json');

  expect(parsed).toMatchObject({
    type: 'event_callback',
    event_id: 'Ev01',
    event_time: 1795531421,
    team_id: DEFAULT_IDENTITY.teamId,
    api_app_id: DEFAULT_IDENTITY.appId,
    authorizations: [{ team_id: DEFAULT_IDENTITY.teamId, user_id: DEFAULT_IDENTITY.botUserId, is_bot: true }],
    event: { type: 'app_mention', text: '<@U0DROVERBOT> status', user: 'U0ALICE', channel: 'C0OPS', ts: '1795531421.000200', event_ts: '1795531421.000200' },
  });
});

test('url_verification is the bare challenge', () => {
  expect(boltParses(urlVerificationBody('c-1', 'tok'), 'application/json')).toEqual({ token: 'tok', challenge: 'c-1', type: 'url_verification' });
});
