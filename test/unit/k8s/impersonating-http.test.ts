import { Agent } from 'node:https';
import { HttpMethod, KubeConfig, Observable, RequestContext, ResponseContext, type HttpLibrary } from '@kubernetes/client-node';
import { ImpersonatingHttpLibrary, impersonatingKubeConfig, impersonationHeaders } from '../../../src/k8s/impersonating-http.js';

/** Captures what the default library would hand to fetch. */
class Capture implements HttpLibrary {
  seen: { url: string; method: string; headers: unknown; body: unknown; agent: unknown; signal: unknown } | undefined;
  send(request: RequestContext): Observable<ResponseContext> {
    this.seen = {
      url: request.getUrl(),
      method: request.getHttpMethod(),
      headers: request.getHeaders(),
      body: request.getBody(),
      agent: request.getAgent(),
      signal: request.getSignal(),
    };
    return new Observable(Promise.resolve(new ResponseContext(200, {}, { text: () => Promise.resolve('{}'), binary: () => Promise.resolve(Buffer.from('{}')) })));
  }
}

const identity = { user: 'alice@example.com', groups: ['sre', 'system:authenticated'] };

describe('impersonationHeaders', () => {
  it('is one Impersonate-User line and one Impersonate-Group line per group', () => {
    expect(impersonationHeaders(identity)).toEqual([
      ['Impersonate-User', 'alice@example.com'],
      ['Impersonate-Group', 'sre'],
      ['Impersonate-Group', 'system:authenticated'],
    ]);
  });
});

describe('ImpersonatingHttpLibrary', () => {
  it('hands fetch header pairs, keeping the request\'s URL, body, agent, signal and Authorization', async () => {
    const inner = new Capture();
    const request = new RequestContext('https://k8s.example:6443/api/v1/nodes?limit=1', HttpMethod.PATCH);
    const agent = new Agent({ rejectUnauthorized: true });
    const signal = new AbortController().signal;
    request.setHeaderParam('Authorization', 'Bearer bot');
    request.setHeaderParam('Content-Type', 'application/merge-patch+json');
    // What a kubeconfig's `as:` puts there; the run's identity replaces it.
    request.setHeaderParam('Impersonate-User', 'kubeconfig-as');
    request.setBody('{"spec":{}}');
    request.setAgent(agent);
    request.setSignal(signal);

    const response = await new ImpersonatingHttpLibrary(identity, inner).send(request).toPromise();
    expect(response.httpStatusCode).toBe(200);
    expect(inner.seen).toEqual({
      url: 'https://k8s.example:6443/api/v1/nodes?limit=1',
      method: 'PATCH',
      headers: [
        ['Authorization', 'Bearer bot'],
        ['Content-Type', 'application/merge-patch+json'],
        ['Impersonate-User', 'alice@example.com'],
        ['Impersonate-Group', 'sre'],
        ['Impersonate-Group', 'system:authenticated'],
      ],
      body: '{"spec":{}}',
      agent,
      signal,
    });
    // The original request is untouched.
    expect(request.getHeaders()['Impersonate-User']).toBe('kubeconfig-as');
  });
});

describe('impersonatingKubeConfig', () => {
  it('keeps the clusters, users and current context of the original', () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: 'https://prod.example:6443', skipTLSVerify: false }],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'prod-eu', cluster: 'c', user: 'u' }],
      currentContext: 'prod-eu',
    });
    const copy = impersonatingKubeConfig(kc, identity);
    expect(copy.getCurrentContext()).toBe('prod-eu');
    expect(copy.getCurrentCluster()?.server).toBe('https://prod.example:6443');
    expect(copy.getCurrentUser()?.token).toBe('t');
  });
});
