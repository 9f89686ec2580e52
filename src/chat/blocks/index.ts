/**
 * Drover's chat messages as Slack Block Kit, and the run form: pure functions,
 * shared by the Slack transport and the terminal chat (through `blocksToText`).
 */
export { helpMessage } from './help.js';
export { runbookListMessage } from './runbook-list.js';
export { runbookDetailMessage, exampleCommand } from './runbook-detail.js';
export { runMessage, statusMessage } from './run.js';
export { threadMessage } from './thread.js';
export { historyMessage } from './history.js';
export { errorMessage, noticeMessage } from './notices.js';
export { paramsModal, type ParamsModalInput } from './modal.js';
export { readModalValues, modalErrors } from './modal-values.js';
export { blocksToText, mrkdwnToText } from './text.js';
export { escapeMrkdwn } from './mrkdwn.js';
export { LIMITS } from './limits.js';
export { auditMessage } from './audit.js';
export { schedulesMessage } from './schedules.js';
export { clustersMessage } from './clusters.js';
