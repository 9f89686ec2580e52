/**
 * Who may do what: bearer-token authentication (401), RBAC-like deny rules
 * and an optional authorizer function (403 worded like the RBAC authorizer),
 * plus the fault queue tests use to make the next requests fail.
 */
import type { Verb } from './resources.js';
import { forbidden, unauthorized } from './status.js';
import type { FakeAuthorizer, FakeTokenIdentity, FaultRule, ForbidRule } from './types.js';

export const DEFAULT_USER = 'system:serviceaccount:drover:drover';

const AUTHENTICATED = 'system:authenticated';
export const MASTERS = 'system:masters';

/** Who a `tokens` bearer token says the caller is, groups as the authenticator adds them. */
export interface TokenCaller {
  user: string;
  groups: string[];
}

/**
 * 401 unless the bearer token is the fake's `token` or one of its `tokens`;
 * the identity of a `tokens` token, undefined for the single-token fake.
 */
export function authenticate(
  expectedToken: string | undefined,
  tokens: Record<string, FakeTokenIdentity> | undefined,
  authorization: string | undefined,
): TokenCaller | undefined {
  if (expectedToken === undefined && tokens === undefined) return undefined;
  // With the tokens of a real server, no credentials at all is the anonymous user (authorized, not 401).
  if (tokens !== undefined && authorization === undefined) return { user: 'system:anonymous', groups: ['system:unauthenticated'] };
  const given = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1]?.trim();
  const identity = given === undefined ? undefined : tokens?.[given];
  if (identity) return { user: identity.user, groups: [...new Set([...(identity.groups ?? []), AUTHENTICATED])] };
  if (given === undefined || given !== expectedToken) throw unauthorized();
  return undefined;
}

export interface AccessRequest {
  user: string;
  /** Groups after impersonation (see FakeIdentity). */
  groups: string[];
  impersonated: boolean;
  verb: Verb | 'impersonate';
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

function matches(value: string | undefined, rule: string | string[] | undefined): boolean {
  if (rule === undefined) return true;
  const list = Array.isArray(rule) ? rule : [rule];
  return list.includes('*') || (value !== undefined && list.includes(value));
}

export class AccessRules {
  private rules: ForbidRule[] = [];

  constructor(private authorizer: FakeAuthorizer | undefined = undefined) {}

  setAuthorizer(authorizer: FakeAuthorizer | undefined): void {
    this.authorizer = authorizer;
  }

  add(rule: ForbidRule): () => void {
    const copy = { ...rule };
    this.rules.push(copy);
    return () => {
      this.rules = this.rules.filter((r) => r !== copy);
    };
  }

  clear(): void {
    this.rules = [];
  }

  /** Throws the RBAC-style 403 when a deny rule matches or the authorizer says no. */
  authorize(req: AccessRequest): void {
    const fullResource = req.subresource ? `${req.resource}/${req.subresource}` : req.resource;
    const denied = this.rules.some(
      (r) =>
        matches(req.verb, r.verb) &&
        matches(fullResource, r.resource) &&
        (r.namespace === undefined || r.namespace === req.namespace) &&
        (r.name === undefined || r.name === req.name) &&
        (r.user === undefined || r.user === req.user),
    );
    if (!denied && this.allowedByAuthorizer(req)) return;
    const scope = req.namespace ? `in the namespace "${req.namespace}"` : 'at the cluster scope';
    const reason = `User "${req.user}" cannot ${req.verb} resource "${fullResource}" in API group "${req.group}" ${scope}`;
    throw forbidden({ group: req.group, resource: req.resource }, req.name, reason);
  }

  /**
   * The impersonation filter: a `tokens` caller outside system:masters needs
   * the `impersonate` verb on the user and on each group, else the server's 403.
   */
  authorizeImpersonation(caller: TokenCaller, user: string, groups: string[]): void {
    if (caller.groups.includes(MASTERS)) return;
    const wanted: [string, string][] = [['users', user], ...groups.map((g): [string, string] => ['groups', g])];
    for (const [resource, name] of wanted) {
      const req: AccessRequest = { user: caller.user, groups: caller.groups, impersonated: false, verb: 'impersonate', group: '', resource, name };
      if (!this.allowedByAuthorizer(req)) {
        throw forbidden({ group: '', resource }, name, `User "${caller.user}" cannot impersonate resource "${resource}" in API group "" at the cluster scope`);
      }
    }
  }

  private allowedByAuthorizer(req: AccessRequest): boolean {
    // system:masters is bound to cluster-admin and bypasses the authorizer.
    if (req.groups.includes(MASTERS)) return true;
    if (!this.authorizer) return true;
    const { user, groups, impersonated, ...attributes } = req;
    return this.authorizer({ user, groups: [...groups], impersonated }, attributes);
  }
}

export class FaultQueue {
  private faults: { rule: FaultRule; remaining: number }[] = [];

  add(rule: FaultRule): void {
    this.faults.push({ rule: { ...rule }, remaining: rule.times ?? 1 });
  }

  clear(): void {
    this.faults = [];
  }

  /** The first fault matching this request, consumed once. */
  take(method: string, pathAndQuery: string): FaultRule | undefined {
    const entry = this.faults.find(
      ({ rule }) =>
        (rule.method === undefined || rule.method.toUpperCase() === method) &&
        (rule.pathIncludes === undefined || pathAndQuery.includes(rule.pathIncludes)) &&
        (rule.pathRegex === undefined || rule.pathRegex.test(pathAndQuery)),
    );
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.faults = this.faults.filter((f) => f !== entry);
    return entry.rule;
  }
}
