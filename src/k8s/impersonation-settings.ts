/**
 * The `clusters.impersonation` settings: per cluster, which Kubernetes user
 * and groups a run acts as, so the cluster's own RBAC decides too. Lives next
 * to the code that uses it; config/schema.ts plugs it in.
 */
import { z } from 'zod';
import { DroverError } from '../errors.js';

/**
 * A user or group name that can travel in an HTTP header as is: printable
 * ASCII, no leading or trailing space (Node refuses control characters, and
 * the API server would not see trailing spaces).
 */
const HEADER_SAFE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

export function isHeaderSafe(value: string): boolean {
  return HEADER_SAFE.test(value);
}

const headerValue = z.string().regex(HEADER_SAFE, 'must be printable ASCII without leading or trailing spaces');

/** Placeholders a default identity may use. */
const TEMPLATE_PLACEHOLDERS = ['{id}', '{name}'] as const;

/** `{anything}`; global, so only used with String.match (never .test, which would keep state). */
const PLACEHOLDERS = /\{[^}]*\}/g;

const literalName = headerValue.refine((v) => v.match(PLACEHOLDERS) === null, { message: 'placeholders such as {id} only work in `default`' });

const templateName = headerValue.refine(
  (v) => (v.match(PLACEHOLDERS) ?? []).every((p) => (TEMPLATE_PLACEHOLDERS as readonly string[]).includes(p)),
  { message: 'may only use the placeholders {id} and {name}' },
);

function identityOf(nameSchema: typeof headerValue) {
  return z
    .object({
      user: nameSchema,
      groups: z
        .array(nameSchema)
        .refine((g) => new Set(g).size === g.length, { message: 'must not repeat a group' })
        .default([]),
    })
    .strict();
}

/** A Kubernetes identity: `{ user: alice@example.com, groups: [sre] }`. */
const identity = identityOf(literalName);

/** Like an identity, with `{id}` and `{name}` substituted per requester. */
const identityTemplate = identityOf(templateName);

/** Keys of `users`: a Slack user id, `cli:<user>` or `system:<id>`. */
const REQUESTER_KEY = /^(?:[UW][A-Z0-9]{2,}|cli:\S+|system:\S+)$/;

// Keys are checked here rather than by the record's key schema, whose failure zod reports without its message.
const users = z
  .record(z.string(), identity)
  .superRefine((map, ctx) => {
    for (const key of Object.keys(map)) {
      if (!REQUESTER_KEY.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: 'must be a Slack user id (U…/W…), cli:<user> or system:<id>' });
    }
  })
  .default({});

const clusterImpersonation = z
  .object({
    /** Requester → identity. */
    users,
    /**
     * Identity of requesters not listed, e.g. `{ user: 'slack:{id}', groups: [drover-users] }`.
     * Absent: a requester not listed is refused. Prefer `{id}`: `{name}` is a
     * display name, which its owner can change.
     */
    default: identityTemplate.optional(),
    /** Identity of alert-triggered and scheduled runs; absent: they are refused on this cluster. */
    automation: identity.optional(),
  })
  .strict();

/** Cluster name → how runs on it impersonate. A cluster not listed does not impersonate. */
export const impersonationSchema = z.record(z.string().min(1), clusterImpersonation).default({});

export type ImpersonationSettings = z.output<typeof impersonationSchema>;
export type ClusterImpersonation = z.output<typeof clusterImpersonation>;

/** Start-up check: every cluster named under `clusters.impersonation` must exist (config_invalid otherwise). */
export function checkImpersonatedClusters(settings: ImpersonationSettings, known: string[]): void {
  const unknown = Object.keys(settings).filter((c) => !known.includes(c));
  if (unknown.length === 0) return;
  const problems = unknown.map(
    (c) => `clusters.impersonation names cluster "${c}", which is not among the clusters (${known.join(', ') || 'none'})`,
  );
  throw new DroverError('config_invalid', `Cluster configuration is invalid:\n  - ${problems.join('\n  - ')}`, {
    details: { unknown, known },
  });
}
