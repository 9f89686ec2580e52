import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { poolConnections } from '../../../src/k8s/pooled-agents.js';

// The transport alone: a plain HTTP server counting the connections the
// Kubernetes client opens (what it answers does not matter here).
describe('connections to an API server', () => {
  let server: Server;
  let connections = 0;
  let url = '';

  beforeAll(async () => {
    server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'demo' } }));
    });
    server.on('connection', () => connections++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  function kubeConfig(token = 't0ken'): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: url, skipTLSVerify: true }],
      users: [{ name: 'u', token }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    return kc;
  }

  async function connectionsFor(kc: KubeConfig, calls: number): Promise<number> {
    const before = connections;
    const api = kc.makeApiClient(CoreV1Api);
    for (let i = 0; i < calls; i++) await api.readNamespacedPod({ name: 'p', namespace: 'demo' });
    return connections - before;
  }

  it('without pooling, the client opens a connection per request (why pooling exists)', async () => {
    expect(await connectionsFor(kubeConfig(), 5)).toBe(5);
  });

  it('pooled, sequential requests share one kept-alive connection', async () => {
    expect(await connectionsFor(poolConnections(kubeConfig()), 10)).toBe(1);
  });

  it('a config pooled twice is wrapped once, and its requests still authenticate', async () => {
    const seen: string[] = [];
    const record = (req: { headers: Record<string, unknown> }) => seen.push(String(req.headers.authorization));
    server.on('request', record);
    try {
      const kc = poolConnections(poolConnections(kubeConfig('s3cret')));
      expect(await connectionsFor(kc, 3)).toBe(1);
      expect(seen).toEqual(['Bearer s3cret', 'Bearer s3cret', 'Bearer s3cret']);
    } finally {
      server.off('request', record);
    }
  });
});
