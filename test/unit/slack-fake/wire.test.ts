/** Decoding request bodies as slack.com/api does: form fields with JSON-encoded objects, or JSON. */
import { decodeBody } from '../../../src/testing/slack-fake/wire.js';

const none = new URLSearchParams();

test('form fields stay strings, except the JSON-encoded ones Slack documents', () => {
  const raw = new URLSearchParams({ channel: 'C1', text: '{"not":"decoded"}', reply_broadcast: 'true', blocks: '[{"type":"divider"}]', token: 'xoxb-1' }).toString();
  expect(decodeBody('application/x-www-form-urlencoded', raw, none)).toEqual({
    args: { channel: 'C1', text: '{"not":"decoded"}', reply_broadcast: 'true', blocks: [{ type: 'divider' }], token: 'xoxb-1' },
    bodyToken: 'xoxb-1',
  });
});

test('a JSON-encoded field that is not JSON is kept as sent', () => {
  expect(decodeBody('application/x-www-form-urlencoded', 'blocks=nope', none).args).toEqual({ blocks: 'nope' });
});

test('JSON bodies keep their types; a token inside them does not authenticate', () => {
  const decoded = decodeBody('application/json; charset=utf-8', '{"channel":"C1","limit":5,"token":"xoxb-1"}', none);
  expect(decoded).toEqual({ args: { channel: 'C1', limit: 5, token: 'xoxb-1' }, bodyToken: undefined });
});

test('unreadable bodies are invalid_json or invalid_form_data; query parameters count as arguments', () => {
  expect(decodeBody('application/json', '[1]', none).error).toBe('invalid_json');
  expect(decodeBody('application/json', '{', none).error).toBe('invalid_json');
  expect(decodeBody('text/plain', 'hello', none).error).toBe('invalid_form_data');
  expect(decodeBody(undefined, '', new URLSearchParams('channel=C1&token=t'))).toEqual({ args: { channel: 'C1', token: 't' }, bodyToken: 't' });
});
