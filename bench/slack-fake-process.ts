// The fake Slack Web API in its own process for the ack benchmark: in
// production Slack is remote, so its work must not load Drover's event loop.
// Answers IPC messages: 'count' → number of chat.postMessage calls so far.
import { startSlackFake } from '../src/testing/index.js';

const fake = await startSlackFake({ botToken: process.argv[2] ?? 'xoxb-bench' });
process.on('message', (message) => {
  if (message === 'count') process.send?.({ count: fake.calls('chat.postMessage').length });
  if (message === 'stop') void fake.stop().then(() => process.exit(0));
});
process.send?.({ url: fake.url });
