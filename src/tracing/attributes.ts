/**
 * Attribute names of Drover's spans, as the OpenTelemetry semantic
 * conventions spell them. Written out rather than imported: the modules that
 * make spans are loaded by every Drover process, traced or not, and the
 * conventions package is large; a unit test checks each stable name against
 * the package. Incubating ones (messaging, url.template) are copied, as the
 * package advises. Drover's own are `drover.*`. Never a param value: params
 * can carry secrets.
 */
export const ATTR_ERROR_TYPE = 'error.type';
export const ATTR_HTTP_REQUEST_METHOD = 'http.request.method';
export const ATTR_HTTP_RESPONSE_STATUS_CODE = 'http.response.status_code';
export const ATTR_HTTP_ROUTE = 'http.route';
export const ATTR_K8S_CLUSTER_NAME = 'k8s.cluster.name';
export const ATTR_SERVER_ADDRESS = 'server.address';
export const ATTR_SERVER_PORT = 'server.port';
export const ATTR_URL_FULL = 'url.full';
export const ATTR_URL_PATH = 'url.path';
export const ATTR_URL_SCHEME = 'url.scheme';
export const ATTR_USER_AGENT_ORIGINAL = 'user_agent.original';

export const ATTR_MESSAGING_SYSTEM = 'messaging.system';
export const ATTR_MESSAGING_DESTINATION_NAME = 'messaging.destination.name';
export const ATTR_MESSAGING_OPERATION_TYPE = 'messaging.operation.type';
export const ATTR_MESSAGING_OPERATION_NAME = 'messaging.operation.name';
export const ATTR_MESSAGING_MESSAGE_ID = 'messaging.message.id';
export const ATTR_MESSAGING_BATCH_MESSAGE_COUNT = 'messaging.batch.message_count';
export const ATTR_URL_TEMPLATE = 'url.template';
/** BullMQ is not among the well-known messaging systems; the convention allows others. */
export const MESSAGING_SYSTEM = 'bullmq';

export const ATTR_DROVER_RUN_ID = 'drover.run.id';
export const ATTR_DROVER_RUNBOOK = 'drover.runbook.id';
export const ATTR_DROVER_DRY_RUN = 'drover.dry_run';
export const ATTR_DROVER_OUTCOME = 'drover.outcome';
export const ATTR_DROVER_ATTEMPT = 'drover.attempt';
export const ATTR_DROVER_PHASE = 'drover.phase';
export const ATTR_DROVER_REQUESTER_KIND = 'drover.requester.kind';
export const ATTR_DROVER_STEP = 'drover.step.name';
export const ATTR_DROVER_STEP_KEY = 'drover.step.key';
export const ATTR_DROVER_CHAT_VERB = 'drover.chat.verb';
export const ATTR_DROVER_K8S_VERB = 'drover.k8s.verb';
export const ATTR_DROVER_K8S_RESOURCE = 'drover.k8s.resource';
