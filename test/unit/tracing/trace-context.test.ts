import { ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { carrierOf, contextFrom } from '../../../src/tracing/trace-context.js';
import { kubePathTemplate } from '../../../src/tracing/k8s-spans.js';

describe('W3C trace context in job data', () => {
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

  it('round-trips traceparent and tracestate', () => {
    const ctx = contextFrom(ROOT_CONTEXT, { traceparent, tracestate: 'vendor=abc' });
    const span = trace.getSpanContext(ctx);
    expect(span).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED, isRemote: true });
    expect(carrierOf(ctx)).toEqual({ traceparent, tracestate: 'vendor=abc' });
  });

  it('ignores what is absent or malformed (the job runs untraced)', () => {
    for (const bad of [undefined, {}, { traceparent: 'garbage' }, { traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' }, { traceparent: 42 as unknown as string }]) {
      expect(contextFrom(ROOT_CONTEXT, bad)).toBe(ROOT_CONTEXT);
    }
    expect(carrierOf(ROOT_CONTEXT)).toBeUndefined();
  });

  it('keeps an unsampled decision unsampled', () => {
    const ctx = contextFrom(ROOT_CONTEXT, { traceparent: traceparent.replace(/-01$/, '-00') });
    expect(carrierOf(ctx)?.traceparent).toMatch(/-00$/);
  });
});

describe('Kubernetes path templates (span names)', () => {
  it.each([
    ['/apis/apps/v1/namespaces/shop/deployments/web', '/apis/apps/v1/namespaces/{namespace}/deployments/{name}'],
    ['/apis/apps/v1/namespaces/shop/deployments/web/scale', '/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'],
    ['/apis/apps/v1/namespaces/shop/deployments', '/apis/apps/v1/namespaces/{namespace}/deployments'],
    ['/api/v1/namespaces/shop/pods/web-1/log', '/api/v1/namespaces/{namespace}/pods/{name}/log'],
    ['/api/v1/nodes/node-a', '/api/v1/nodes/{name}'],
    ['/api/v1/nodes', '/api/v1/nodes'],
    ['/api/v1/namespaces/shop', '/api/v1/namespaces/{namespace}'],
    ['/apis', '/apis'],
    // Behind a path: the prefix (a cluster id, a proxy's route) goes, names still become placeholders.
    ['/k8s/clusters/c-m-x7k2/api/v1/namespaces/shop/secrets/db-password', '/api/v1/namespaces/{namespace}/secrets/{name}'],
    ['/proxy/prod/apis/apps/v1/namespaces/shop/deployments/web', '/apis/apps/v1/namespaces/{namespace}/deployments/{name}'],
    // No API path at all (a discovery or a stray URL): nothing of it in the name.
    ['/openapi/v2', '/{path}'],
    ['/some/object-name', '/{path}'],
  ])('%s → %s', (path, template) => {
    expect(kubePathTemplate(path)).toBe(template);
  });
});
