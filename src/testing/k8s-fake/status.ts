/**
 * Status objects shaped like the API server's (k8s.io/apimachinery errors),
 * with the same reasons, codes and message wording.
 */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** Thrown inside the fake; the server turns it into the HTTP answer. */
export class ApiError extends Error {
  constructor(
    readonly status: Status,
    readonly headers: Record<string, string> = {},
  ) {
    super(status.message ?? status.reason ?? `HTTP ${status.code}`);
    this.name = 'ApiError';
  }
}

export interface GroupResource {
  group: string;
  resource: string;
}

export interface GroupKind {
  group: string;
  kind: string;
}

function failure(code: number, reason: string, message: string, details?: StatusDetails): ApiError {
  // Key order as the API server writes it: ..., reason, details, code.
  const status: Status = details
    ? { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details, code }
    : { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  return new ApiError(status);
}

/** `deployments.apps`, or `pods` for the core group. */
export function qualified(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

function details(gr: GroupResource, name?: string): StatusDetails {
  const d: StatusDetails = {};
  if (name) d.name = name;
  if (gr.group) d.group = gr.group;
  d.kind = gr.resource;
  return d;
}

export const OPTIMISTIC_LOCK_MESSAGE =
  'the object has been modified; please apply your changes to the latest version and try again';

export function notFound(gr: GroupResource, name: string): ApiError {
  return failure(404, 'NotFound', `${qualified(gr)} "${name}" not found`, details(gr, name));
}

export function alreadyExists(gr: GroupResource, name: string): ApiError {
  return failure(409, 'AlreadyExists', `${qualified(gr)} "${name}" already exists`, details(gr, name));
}

export function conflict(gr: GroupResource, name: string, detail: string = OPTIMISTIC_LOCK_MESSAGE): ApiError {
  return failure(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(gr)} "${name}": ${detail}`, details(gr, name));
}

export function forbidden(gr: GroupResource, name: string | undefined, reason: string): ApiError {
  const subject = name ? `${qualified(gr)} "${name}"` : qualified(gr);
  return failure(403, 'Forbidden', `${subject} is forbidden: ${reason}`, details(gr, name));
}

export interface FieldError {
  type: 'FieldValueInvalid' | 'FieldValueRequired' | 'FieldValueForbidden' | 'FieldValueNotSupported' | 'FieldValueDuplicate';
  field: string;
  /** Already formatted: `Invalid value: -1: must be greater than or equal to 0`. */
  detail: string;
}

/** Go-ish rendering of a value inside a field error (`"x"`, `-1`, `{"a":"b"}`). */
export function goValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  return JSON.stringify(value) ?? 'null';
}

export const fieldError = {
  invalid: (field: string, value: unknown, why: string): FieldError => ({
    type: 'FieldValueInvalid',
    field,
    detail: `Invalid value: ${goValue(value)}: ${why}`,
  }),
  required: (field: string, why?: string): FieldError => ({
    type: 'FieldValueRequired',
    field,
    detail: why ? `Required value: ${why}` : 'Required value',
  }),
  forbidden: (field: string, why: string): FieldError => ({ type: 'FieldValueForbidden', field, detail: `Forbidden: ${why}` }),
  notSupported: (field: string, value: unknown, supported: string[]): FieldError => ({
    type: 'FieldValueNotSupported',
    field,
    detail: `Unsupported value: ${goValue(value)}: supported values: ${supported.map((s) => `"${s}"`).join(', ')}`,
  }),
};

/** 422 Invalid: `Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: ...`. */
export function invalid(gk: GroupKind, name: string, errors: FieldError[]): ApiError {
  const subject = gk.group ? `${gk.kind}.${gk.group}` : gk.kind;
  const parts = errors.map((e) => `${e.field}: ${e.detail}`);
  const joined = parts.length === 1 ? (parts[0] ?? '') : `[${parts.join(', ')}]`;
  const d: StatusDetails = {};
  if (name) d.name = name;
  if (gk.group) d.group = gk.group;
  d.kind = gk.kind;
  d.causes = errors.map((e) => ({ reason: e.type, message: e.detail, field: e.field }));
  return failure(422, 'Invalid', `${subject} "${name}" is invalid: ${joined}`, d);
}

export function badRequest(message: string): ApiError {
  return failure(400, 'BadRequest', message);
}

/** What the patch handler answers when a JSON patch cannot be applied (with the reason as a cause, or empty details). */
export function unprocessable(serverMessage: string | undefined): ApiError {
  return failure(
    422,
    'Invalid',
    'the server rejected our request due to an error in our request',
    serverMessage === undefined ? {} : { causes: [{ reason: 'UnexpectedServerResponse', message: serverMessage }] },
  );
}

export function unsupportedMediaType(accepted: readonly string[]): ApiError {
  return failure(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
  );
}

export function unauthorized(): ApiError {
  return failure(401, 'Unauthorized', 'Unauthorized');
}

export function methodNotAllowed(): ApiError {
  return failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {});
}

/** What Go's HTTP mux answers for a path no handler claims (an unknown API group): text, not a Status. */
export class PlainTextError extends Error {
  constructor(
    readonly code: number,
    readonly text: string,
  ) {
    super(text.trim());
    this.name = 'PlainTextError';
  }
}

export function pageNotFound(): PlainTextError {
  return new PlainTextError(404, '404 page not found\n');
}

export function pathNotFound(): ApiError {
  return failure(404, 'NotFound', 'the server could not find the requested resource', {});
}

const DEFAULT_REASONS: Record<number, [string, string]> = {
  400: ['BadRequest', 'the server rejected our request for an unknown reason'],
  401: ['Unauthorized', 'Unauthorized'],
  403: ['Forbidden', 'forbidden'],
  404: ['NotFound', 'the server could not find the requested resource'],
  409: ['Conflict', OPTIMISTIC_LOCK_MESSAGE],
  410: ['Expired', 'the resource version is too old'],
  422: ['Invalid', 'the server rejected our request due to an error in our request'],
  429: ['TooManyRequests', 'Too many requests, please try again later.'],
  500: ['InternalError', 'Internal error occurred: the fake API server was told to fail'],
  503: ['ServiceUnavailable', 'the server is currently unable to handle the request'],
  504: ['Timeout', 'the server was unable to return a response in the time allotted, but may still be processing the request'],
};

/** Any status, for injected faults. */
export function generic(code: number, reason?: string, message?: string, retryAfterSeconds?: number): ApiError {
  const [defaultReason, defaultMessage] = DEFAULT_REASONS[code] ?? ['Unknown', `the server responded with the status code ${code}`];
  const d: StatusDetails | undefined = retryAfterSeconds === undefined ? undefined : { retryAfterSeconds };
  const err = failure(code, reason ?? defaultReason, message ?? defaultMessage, d);
  if (retryAfterSeconds !== undefined) err.headers['retry-after'] = String(retryAfterSeconds);
  return err;
}

/** The Success Status a delete of a non-pod object answers with. */
export function deleted(gr: GroupResource, name: string, uid: string | undefined): Status {
  const d = details(gr, name);
  if (uid) d.uid = uid;
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: d, code: 200 };
}
