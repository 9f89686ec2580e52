/**
 * A hostile git server echoes what Drover sent it (the Authorization
 * header, the token decoded, URL-encoded, split by other text) in the error
 * git prints: none of it may reach the DroverError Drover reports.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DroverError } from '../../../src/errors.js';
import { GitWorkspace } from '../../../src/gitops/git/workspace.js';

const TOKEN = 'ghp_Echo+Token/0123456789=abcdefXYZ';

function pkt(line: string): string {
  return (line.length + 4).toString(16).padStart(4, '0') + line;
}

let server: Server;
let root: string;
let url: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'drover-git-echo-'));
  server = createServer((req, res) => {
    const header = req.headers.authorization ?? '';
    const decoded = Buffer.from(header.replace(/^Basic /, ''), 'base64').toString('utf8');
    const said = `you sent ${header} = ${decoded} (${encodeURIComponent(TOKEN)}, ${TOKEN.toLowerCase()})`;
    res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-advertisement', 'cache-control': 'no-cache' });
    res.end(pkt('# service=git-upload-pack\n') + '0000' + pkt(`ERR ${said}\n`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/repo.git`;
}, 10_000);

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(root, { recursive: true, force: true });
});

test("the server's echo of the token does not reach the error", async () => {
  const ws = new GitWorkspace({ root: join(root, 'cache'), runner: { allowProtocol: 'file:http:https' }, timeoutMs: 10_000 });
  const err = await ws.checkout({ cloneUrl: url, token: TOKEN }, 'main').then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(DroverError);
  const text = `${(err as DroverError).message} ${JSON.stringify((err as DroverError).details)}`;
  expect(text).toMatch(/remote error|ERR|you sent/i);
  for (const form of [TOKEN, encodeURIComponent(TOKEN), Buffer.from(`x-access-token:${TOKEN}`).toString('base64'), TOKEN.slice(4, 20)]) {
    expect(text).not.toContain(form);
  }
  expect(text.toLowerCase()).not.toContain(TOKEN.toLowerCase().slice(4, 20));
}, 30_000);
