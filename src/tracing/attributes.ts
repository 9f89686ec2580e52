/**
 * Attribute names of Drover's spans. Stable semantic conventions come from
 * the package; incubating ones (messaging, url.template) are copied here, as
 * the package advises, so that a rename there cannot silently change ours.
 * Drover's own are `drover.*`. Never a param value: params can carry secrets.
 */
export {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_K8S_CLUSTER_NAME,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';

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
