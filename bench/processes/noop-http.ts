// The Slack ack floor: an HTTP server that reads each request and answers 200
// at once, in a process of its own as Drover's serve is.
// IPC out: { url } once listening.
import { createServer } from 'node:http';

const server = createServer((req, res) => {
  req.resume().on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end());
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` });
});
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
