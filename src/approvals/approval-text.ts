import type { RunEvent } from '../jobs/run-record.js';

/** One line for an approval event, the same in chat and on the terminal. */
export function approvalLine(event: Extract<RunEvent, { type: 'approval' }>): string {
  const who = event.by ? (event.by.name ?? event.by.id) : undefined;
  switch (event.action) {
    case 'requested':
      return `awaiting approval: ${event.needed} needed; the plan above is what would change`;
    case 'approved':
      return `approved by ${who ?? 'someone'} (${event.approvals}/${event.needed})`;
    case 'rejected':
      return `rejected by ${who ?? 'someone'}`;
    case 'expired':
      return `approval expired with ${event.approvals}/${event.needed} approvals; nothing was changed`;
    case 'voided':
      return 'approval void: what would change is no longer what was approved; nothing was changed';
  }
}
