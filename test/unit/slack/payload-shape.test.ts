import { HTTPModuleFunctions } from '@slack/bolt';
import { parseSlackBody, slackBodyShapeOk } from '../../../src/slack/payload-shape.js';

const FORM = 'application/x-www-form-urlencoded';
const JSON_ = 'application/json';
const form = (fields: Record<string, string>) => Buffer.from(new URLSearchParams(fields).toString());
const payload = (value: unknown) => form({ payload: JSON.stringify(value) });
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('slackBodyShapeOk: what Slack sends passes', () => {
  test.each([
    ['a slash command', FORM, form({ command: '/drover', text: 'help', user_id: 'U0ALICE', channel_id: 'C0OPS' })],
    ['a button click', FORM, payload({ type: 'block_actions', user: { id: 'U0BOB' }, actions: [{ action_id: 'drover_approve', value: '{}' }], channel: { id: 'C0OPS' } })],
    ['a modal submission', FORM, payload({ type: 'view_submission', user: { id: 'W0GRID' }, view: { callback_id: 'x', state: { values: {} } } })],
    ['the URL check', JSON_, json({ type: 'url_verification', challenge: 'abc' })],
    ['an event', JSON_, json({ type: 'event_callback', team_id: 'T1', event: { type: 'app_mention', text: 'hi', user: 'U0BOB', channel: 'C0OPS', ts: '1712345678.000100' } })],
    ['the SSL check', FORM, form({ ssl_check: '1', token: 'x' })],
  ])('%s', (_name, type, body) => {
    expect(slackBodyShapeOk(type, body)).toBe(true);
  });
});

describe('slackBodyShapeOk: what Bolt cannot read, or Slack never sends, is refused', () => {
  test.each([
    ['JSON null (crashed the server once)', JSON_, Buffer.from('null')],
    ['a JSON array', JSON_, Buffer.from('[]')],
    ['broken JSON', JSON_, Buffer.from('{"type":')],
    ['an event that is a number', JSON_, json({ type: 'event_callback', event: -4 })],
    ['an unknown JSON type', JSON_, json({ type: 'surprise' })],
    ['a mention whose thread is not a Slack timestamp (it is echoed back)', JSON_, json({ type: 'event_callback', event: { type: 'app_mention', user: 'U0BOB', channel: 'C0OPS', thread_ts: 'password=x' } })],
    ['a mention from a user id that is not Slack\'s', JSON_, json({ type: 'event_callback', event: { type: 'app_mention', user: 'ghp_x', channel: 'C0OPS' } })],
    ['a payload of null', FORM, form({ payload: 'null' })],
    ['a payload whose type is not a string', FORM, payload({ type: true, user: { id: 'U0BOB' } })],
    ['actions that are not a list of objects', FORM, payload({ type: 'block_actions', user: { id: 'U0BOB' }, actions: null })],
    ['a view that is a number', FORM, payload({ type: 'view_submission', user: { id: 'U0BOB' }, view: 1e-35 })],
    ['a user id that is not a Slack user id (it is echoed back to Slack)', FORM, form({ command: '/drover', text: 'help', user_id: 'password=hunter2' })],
    ['a command without a user', FORM, form({ command: '/drover', text: 'help' })],
    ['a channel id that is not a Slack channel id (it is echoed back as a reply\'s channel)', FORM, form({ command: '/drover', text: 'help', user_id: 'U0ALICE', channel_id: 'ghp_x' })],
    ['an action whose value is a list', FORM, payload({ type: 'shortcut', user: { id: 'U0BOB' }, actions: [{ action_id: '6', value: [] }] })],
    ['text/plain', 'text/plain', Buffer.from('hello')],
  ])('%s', (_name, type, body) => {
    expect(slackBodyShapeOk(type, body)).toBe(false);
  });
});

describe('parseSlackBody: parsed once, as Bolt parses it', () => {
  const boltParse = (contentType: string, body: Buffer): unknown =>
    HTTPModuleFunctions.parseHTTPRequestBody(Object.assign(Object.create(null) as object, { rawBody: body, headers: { 'content-type': contentType } }) as never);

  test.each([
    ['a slash command', FORM, form({ command: '/drover', text: 'run x a=1 --dry-run', user_id: 'U0ALICE', channel_id: 'C0OPS', response_url: 'https://hooks.slack.com/x' })],
    ['a button click', FORM, payload({ type: 'block_actions', user: { id: 'U0BOB' }, actions: [{ action_id: 'drover_approve', value: '{}' }], channel: { id: 'C0OPS' } })],
    ['an event', JSON_, json({ type: 'event_callback', team_id: 'T1', event: { type: 'app_mention', text: 'hi', user: 'U0BOB', channel: 'C0OPS', ts: '1712345678.000100' } })],
    ['the URL check', 'application/json; charset=utf-8', json({ type: 'url_verification', challenge: 'abc' })],
  ])('%s: the same object Bolt would dispatch', (_name, type, body) => {
    expect({ ...parseSlackBody(type, body) }).toEqual({ ...(boltParse(type, body) as object) });
  });

  it('a field sent twice is a list, as for Bolt, and refused where Slack sends a string', () => {
    const body = Buffer.from('command=%2Fdrover&text=help&user_id=U0ALICE&user_id=U0MALLORY&channel_id=C0OPS');
    expect(parseSlackBody(FORM, body)).toBeUndefined();
  });

  it('a form under another content type is not read as a form (Bolt would read it as JSON)', () => {
    expect(parseSlackBody(`${FORM}; charset=utf-8`, form({ command: '/drover', text: 'help', user_id: 'U0ALICE' }))).toBeUndefined();
  });
});
