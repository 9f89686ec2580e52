/**
 * Type-level tests of the authoring API, as a runbook imports it ('drover').
 * Nothing here runs: `npm run typecheck` (tsc over test/) is the test. Each
 * `@ts-expect-error` is an assertion that the line does NOT compile; tsc fails
 * if one of them compiles after all.
 */
import { expectTypeOf } from 'expect-type';
import type { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { WebClient } from '@slack/web-api';
import type * as drover from 'drover';
import { defineRunbook, z, type RunContext, type V1Deployment } from 'drover';

// The authoring API hands out no client of its own: no Kubernetes client, Redis, queue or Slack
// (and the runbook compiler refuses importing them directly: test/unit/runbook/forbidden-imports.test.ts).
expectTypeOf<Extract<keyof typeof drover, 'KubeConfig' | 'CoreV1Api' | 'Redis' | 'Queue' | 'Worker' | 'WebClient' | 'App' | 'createDrover'>>().toEqualTypeOf<never>();
// Nor does ctx: no member of it (or of ctx.k8s, ctx.prometheus, ctx.http) is a client a runbook could act through past ctx.
type Members<T> = T[keyof T];
type CtxMembers = Members<RunContext> | Members<RunContext['k8s']> | Members<RunContext['prometheus']> | Members<RunContext['http']>;
expectTypeOf<Extract<CtxMembers, KubeConfig | CoreV1Api | AppsV1Api | Redis | Queue | Worker | WebClient>>().toEqualTypeOf<never>();

const params = z.object({
  namespace: z.string().min(1).default('demo').describe('Namespace'),
  deployment: z.string().min(1).describe('Deployment'),
  replicas: z.coerce.number().int().min(0).optional(),
  force: z.boolean().default(false),
});

/** What run() receives: defaults applied, so those fields are always there. */
interface Parsed {
  namespace: string;
  deployment: string;
  replicas?: number | undefined;
  force: boolean;
}

// What a caller gives (chat, CLI, an alert, the harness): defaulted fields may be left out.
expectTypeOf<z.input<typeof params>>().toEqualTypeOf<{ namespace?: string | undefined; deployment: string; replicas?: unknown; force?: boolean | undefined }>();
expectTypeOf<z.output<typeof params>>().toEqualTypeOf<Parsed>();

defineRunbook({
  id: 'typed-params',
  summary: 'run() is typed from the zod schema',
  params,
  concurrencyKey: (p) => {
    expectTypeOf(p).toEqualTypeOf<Parsed>();
    return `deployment/${p.namespace}/${p.deployment}`;
  },
  async run(ctx, p) {
    expectTypeOf(ctx).toEqualTypeOf<RunContext>();
    expectTypeOf(p).toEqualTypeOf<Parsed>();
    // A default makes the field non-optional here...
    expectTypeOf(p.namespace).toEqualTypeOf<string>();
    expectTypeOf(p.force).toEqualTypeOf<boolean>();
    // ...and an optional one stays optional.
    expectTypeOf(p.replicas).toEqualTypeOf<number | undefined>();
    // @ts-expect-error -- a field the schema does not declare
    void p.namespce;
    // @ts-expect-error -- a string is not a number
    const n: number = p.deployment;
    const d = await ctx.step('read', () => ctx.k8s.getDeployment(p.namespace, p.deployment));
    expectTypeOf(d).toEqualTypeOf<V1Deployment>();
    return n;
  },
});

defineRunbook({
  id: 'typed-key',
  summary: 'the concurrency key is a string built from the params',
  params,
  // @ts-expect-error -- the key must be a string
  concurrencyKey: (p) => p.replicas,
  run: () => Promise.resolve(),
});

defineRunbook({
  id: 'typed-key-field',
  summary: 'the concurrency key reads declared params only',
  params,
  // @ts-expect-error -- no such param
  concurrencyKey: (p) => `deployment/${p.name}`,
  run: () => Promise.resolve(),
});

defineRunbook({
  id: 'typed-alerts',
  summary: 'alert mappings name declared params',
  params,
  triggers: {
    alerts: [
      { alertname: 'KubeDeploymentReplicasMismatch', params: { namespace: 'label:namespace', deployment: 'label:deployment' } },
      { alertname: 'ByAnnotation', params: { deployment: 'annotation:target' } },
      {
        alertname: 'ByFunction',
        params: (alert) => {
          expectTypeOf(alert.labels).toEqualTypeOf<Record<string, string>>();
          return { deployment: alert.labels.deployment ?? 'web', force: true };
        },
      },
      // @ts-expect-error -- `name` is not a param of this runbook
      { alertname: 'WrongParam', params: { name: 'label:deployment' } },
      // @ts-expect-error -- a mapping is "label:<name>" or "annotation:<name>"
      { alertname: 'WrongSource', params: { deployment: 'deployment' } },
      // @ts-expect-error -- a function must give params of the right types
      { alertname: 'WrongType', params: () => ({ force: 'yes' }) },
    ],
  },
  run: () => Promise.resolve(),
});
