/**
 * v0 request signing: the signature matches one computed independently and
 * Slack's own documented example, and Bolt's verifier accepts it.
 */
import { createHmac } from 'node:crypto';
import { isValidSlackRequest, verifySlackRequest } from '@slack/bolt';
import { signSlackRequest } from '../../../src/testing/index.js';

const SECRET = 'test-signing-secret';
const BODY = 'token=t&team_id=T0DROVER1&command=%2Fdrover&text=run+scale-web+replicas%3D3';
const TS = 1_795_531_421;

/** What Bolt's HTTP receiver hands its verifier. */
function boltSees(headers: { 'X-Slack-Signature': string; 'X-Slack-Request-Timestamp': string }, body = BODY, nowSeconds = TS) {
  return {
    signingSecret: SECRET,
    body,
    headers: { 'x-slack-signature': headers['X-Slack-Signature'], 'x-slack-request-timestamp': Number(headers['X-Slack-Request-Timestamp']) },
    nowMilliseconds: nowSeconds * 1000,
  };
}

test('the signature is v0= plus the hex HMAC-SHA256 of v0:<timestamp>:<body>', () => {
  const expected = createHmac('sha256', SECRET).update(`v0:${TS}:${BODY}`, 'utf8').digest('hex');
  expect(signSlackRequest(SECRET, BODY, TS)).toEqual({ 'X-Slack-Signature': `v0=${expected}`, 'X-Slack-Request-Timestamp': String(TS) });
});

test("Slack's documented example signs to Slack's documented signature", () => {
  const body =
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar' +
    '&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=' +
    '&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN' +
    '&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
  expect(signSlackRequest('8f742231b10e8888abcd99yyyzzz85a5', body, 1531420618)['X-Slack-Signature']).toBe(
    'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
  );
});

test("Bolt's verifier accepts it, and refuses a changed body, another secret or a stale timestamp", () => {
  const headers = signSlackRequest(SECRET, BODY, TS);
  expect(() => verifySlackRequest(boltSees(headers))).not.toThrow();
  expect(isValidSlackRequest(boltSees(headers))).toBe(true);

  expect(() => verifySlackRequest(boltSees(headers, `${BODY}0`))).toThrow('signature mismatch');
  expect(isValidSlackRequest(boltSees(signSlackRequest('other-secret', BODY, TS)))).toBe(false);
  expect(() => verifySlackRequest(boltSees(headers, BODY, TS + 5 * 60 + 1))).toThrow(/stale/);
});

test('the timestamp defaults to now, in seconds', () => {
  const before = Math.floor(Date.now() / 1000);
  const stamp = Number(signSlackRequest(SECRET, BODY)['X-Slack-Request-Timestamp']);
  expect(stamp).toBeGreaterThanOrEqual(before);
  expect(stamp).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
});
