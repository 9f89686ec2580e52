// The Slack Web API fake in a process of its own: in production Slack is
// remote, so its work must not load Drover's event loop.
// IPC in: 'count' → { count } (chat.postMessage calls so far); out: { url } once listening.
import { startSlackFake } from '../../src/testing/index.js';

const fake = await startSlackFake({ botToken: process.argv[2] ?? 'xoxb-bench' });
process.on('message', (message) => {
  if (message === 'count') process.send?.({ count: fake.calls('chat.postMessage').length });
});
process.once('SIGTERM', () => {
  void fake.stop().then(() => process.exit(0));
});
process.send?.({ url: fake.url });
