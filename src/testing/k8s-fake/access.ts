/**
 * Who may do what: bearer-token authentication (401), RBAC-like deny rules
 * and an optional authorizer function (403 worded like the RBAC authorizer),
 * plus the fault queue tests use to make the next requests fail.
 */
import type { Verb } from './resources.js';
import { forbidden, unauthorized } from './status.js';
import type { FakeAuthorizer, FaultRule, ForbidRule } from './types.js';

export const DEFAULT_USER = 'system:serviceaccount:drover:drover';

export function authenticate(expectedToken: string | undefined, authorization: string | undefined): void {
  if (expectedToken === undefined) return;
  const match = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
  if (!match || match[1]?.trim() !== expectedToken) throw unauthorized();
}

export interface AccessRequest {
  user: string;
  /** Groups after impersonation (see FakeIdentity). */
  groups: string[];
  impersonated: boolean;
  verb: Verb;
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

  private allowedByAuthorizer(req: AccessRequest): boolean {
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
