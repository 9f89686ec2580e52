/** Message timestamps: Slack's `seconds.micros` shape, unique and increasing even within a millisecond. */
import { createTsClock } from '../../../src/testing/slack-fake/ts-clock.js';

test('ts is the clock in seconds with six decimals', () => {
  const next = createTsClock(() => 1_795_531_421_123);
  expect(next()).toBe('1795531421.123000');
});

test('calls within the same millisecond, or a clock going back, still increase', () => {
  let now = 1_795_531_421_000;
  const next = createTsClock(() => now);
  const a = next();
  const b = next();
  now -= 5000;
  const c = next();
  expect([a, b, c]).toEqual(['1795531421.000000', '1795531421.000100', '1795531421.000200']);
});
