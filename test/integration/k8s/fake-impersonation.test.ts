/**
 * The fake reads impersonation like the API server: one group per
 * Impersonate-Group line, recorded on each request, and an `authorize`
 * function that answers 403 worded like the RBAC authorizer.
 */
import { request } from 'node:http';
import { startK8sFake, type AccessAttributes, type FakeIdentity, type K8sFake } from '../../../src/testing/index.js';
import { deployment, namespace, node, raw } from './fake-helpers.js';

let fake: K8sFake;
let seen: { identity: FakeIdentity; attributes: AccessAttributes }[];

beforeEach(async () => {
  seen = [];
  fake = await startK8sFake({
    token: 's3cret',
    authorize: (identity, attributes) => {
      seen.push({ identity, attributes });
      return identity.user !== 'alice@example.com' || attributes.verb === 'get' || attributes.verb === 'list';
    },
  });
  fake.seed(namespace('default'), deployment('web', { namespace: 'default' }), node('node-a'));
});

afterEach(async () => {
  await fake.stop();
});

/** A request with these header lines; node:http sends an array-valued header as one line per value. */
function send(method: string, path: string, lines: [string, string][], body?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const headers: Record<string, string[]> = { Authorization: ['Bearer s3cret'] };
  if (body) headers['Content-Type'] = ['application/merge-patch+json'];
  for (const [name, value] of lines) (headers[name] ??= []).push(value);
  return new Promise((resolve, reject) => {
    const req = request(`${fake.url}${path}`, { method, headers }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> });
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('records Impersonate-User and each Impersonate-Group line as one group', async () => {
  const answer = await send('GET', '/apis/apps/v1/namespaces/default/deployments/web', [
    ['Impersonate-User', 'alice@example.com'],
    ['Impersonate-Group', 'sre'],
    ['Impersonate-Group', 'oncall'],
  ]);
  expect(answer.status).toBe(200);
  expect(fake.requests.at(-1)).toMatchObject({ impersonateUser: 'alice@example.com', impersonateGroups: ['sre', 'oncall'] });
  // The authorizer sees the groups the server would: system:authenticated is added.
  expect(seen.at(-1)).toEqual({
    identity: { user: 'alice@example.com', groups: ['sre', 'oncall', 'system:authenticated'], impersonated: true },
    attributes: { verb: 'get', group: 'apps', resource: 'deployments', namespace: 'default', name: 'web' },
  });
});

test('a comma-joined Impersonate-Group value stays one group, as on the real server', async () => {
  await send('GET', '/api/v1/nodes', [
    ['Impersonate-User', 'alice@example.com'],
    ['Impersonate-Group', 'sre, oncall'],
  ]);
  expect(fake.requests.at(-1)?.impersonateGroups).toEqual(['sre, oncall']);
});

test('without impersonation: nothing recorded, and the authorizer sees the fake\'s own user', async () => {
  await raw(fake, 'GET', '/api/v1/nodes/node-a', { token: 's3cret' });
  const last = fake.requests.at(-1);
  expect(last?.impersonateUser).toBeUndefined();
  expect(last?.impersonateGroups).toEqual([]);
  expect(seen.at(-1)?.identity).toEqual({ user: 'system:serviceaccount:drover:drover', groups: ['system:authenticated'], impersonated: false });
});

test('a refusal is the RBAC authorizer\'s 403 Status, naming the impersonated user', async () => {
  const headers: [string, string][] = [['Impersonate-User', 'alice@example.com'], ['Impersonate-Group', 'sre']];
  const patch = await send('PATCH', '/apis/apps/v1/namespaces/default/deployments/web', headers, '{"spec":{"replicas":1}}');
  expect(patch.status).toBe(403);
  expect(patch.json).toEqual({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'deployments.apps "web" is forbidden: User "alice@example.com" cannot patch resource "deployments" in API group "apps" in the namespace "default"',
    reason: 'Forbidden',
    details: { name: 'web', group: 'apps', kind: 'deployments' },
    code: 403,
  });
  expect(fake.requests.at(-1)?.status).toBe(403);

  const scale = await send('PATCH', '/apis/apps/v1/namespaces/default/deployments/web/scale', headers, '{"spec":{"replicas":1}}');
  expect(scale.json.message).toBe(
    'deployments.apps "web" is forbidden: User "alice@example.com" cannot patch resource "deployments/scale" in API group "apps" in the namespace "default"',
  );
  expect(seen.at(-1)?.attributes).toEqual({ verb: 'patch', group: 'apps', resource: 'deployments', subresource: 'scale', namespace: 'default', name: 'web' });

  const cordon = await send('PATCH', '/api/v1/nodes/node-a', headers, '{"spec":{"unschedulable":true}}');
  expect(cordon.json.message).toBe('nodes "node-a" is forbidden: User "alice@example.com" cannot patch resource "nodes" in API group "" at the cluster scope');
  expect(fake.get('deployments', 'default', 'web')).toMatchObject({ spec: { replicas: 2 } });
});

test('setAuthorizer replaces the authorizer; undefined allows everything again', async () => {
  fake.setAuthorizer((identity) => identity.groups.includes('sre'));
  const asBob: [string, string][] = [['Impersonate-User', 'bob']];
  expect((await send('GET', '/api/v1/nodes', asBob)).status).toBe(403);
  expect((await send('GET', '/api/v1/nodes', [...asBob, ['Impersonate-Group', 'sre']])).status).toBe(200);
  fake.setAuthorizer(undefined);
  expect((await send('GET', '/api/v1/nodes', asBob)).status).toBe(200);
});
