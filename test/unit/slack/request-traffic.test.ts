import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestTraffic } from '../../../src/slack/request-traffic.js';

function request(traffic: RequestTraffic): { res: EventEmitter; handled: number } {
  const res = new EventEmitter();
  const seen = { handled: 0 };
  traffic.track(() => void seen.handled++)({} as IncomingMessage, res as unknown as ServerResponse);
  return { res, handled: seen.handled };
}

describe('RequestTraffic: whether Slack requests are still being answered', () => {
  it('is busy from a request\'s arrival until its response closes, then for the quiet period', () => {
    let t = 1000;
    const traffic = new RequestTraffic(20, () => t);
    expect(traffic.busy()).toBe(false);
    const a = request(traffic);
    const b = request(traffic);
    expect(a.handled).toBe(1);
    t += 100;
    expect(traffic.busy()).toBe(true); // two waiting for their answers
    a.res.emit('close');
    expect(traffic.busy()).toBe(true);
    b.res.emit('close');
    expect(traffic.busy()).toBe(false); // answered, and the last arrived 100 ms ago
    request(traffic).res.emit('close');
    t += 10;
    expect(traffic.busy()).toBe(true); // within 20 ms of an arrival
    t += 11;
    expect(traffic.busy()).toBe(false);
  });
});
