/**
 * Type-level tests of ctx.k8s's generic calls, ctx.prometheus and ctx.http,
 * as a runbook sees them through 'drover'. Nothing runs: `npm run typecheck`
 * is the test; each `@ts-expect-error` asserts that a line does not compile.
 */
import { expectTypeOf } from 'expect-type';
import type { HttpResponse, KubeObject, PlannedChange, PromQueryResult, RunContext } from 'drover';

interface Widget extends KubeObject {
  spec: { size: number };
}

declare const ctx: RunContext;

// A type parameter types what get, list, apply and patch answer; without one it is a KubeObject.
expectTypeOf(ctx.k8s.get<Widget>('example.com/v1', 'Widget', 'w1', { namespace: 'shop' })).resolves.toEqualTypeOf<Widget>();
expectTypeOf(ctx.k8s.list<Widget>('example.com/v1', 'Widget')).resolves.toEqualTypeOf<Widget[]>();
expectTypeOf(ctx.k8s.get('v1', 'ConfigMap', 'settings', { namespace: 'shop' })).resolves.toEqualTypeOf<KubeObject>();
expectTypeOf(ctx.k8s.apply<Widget>({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 2 } })).resolves.toEqualTypeOf<PlannedChange & { object: Widget }>();
expectTypeOf(ctx.k8s.patch('v1', 'ConfigMap', 'c', [{ op: 'replace', path: '/data/a', value: 'b' }], { type: 'json' })).resolves.toMatchTypeOf<PlannedChange>();
// @ts-expect-error a manifest needs metadata.name
void ctx.k8s.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} });
// @ts-expect-error patch types are merge, json and strategic
void ctx.k8s.patch('v1', 'ConfigMap', 'c', {}, { type: 'apply' });

// Prometheus answers numbers, typed by resultType.
expectTypeOf(ctx.prometheus.value('up')).resolves.toEqualTypeOf<number | undefined>();
expectTypeOf(ctx.prometheus.query('up')).resolves.toEqualTypeOf<PromQueryResult>();
declare const r: PromQueryResult;
if (r.resultType === 'vector') expectTypeOf(r.samples[0]!.value).toEqualTypeOf<number>();

// HTTP: an answer with text() and a typed json().
expectTypeOf(ctx.http.request({ url: 'https://status.example.com' })).resolves.toEqualTypeOf<HttpResponse>();
declare const res: HttpResponse;
expectTypeOf(res.json<{ id: string }>()).toEqualTypeOf<{ id: string }>();
// @ts-expect-error no CONNECT or TRACE
void ctx.http.request({ method: 'CONNECT', url: 'https://x.example.com' });
