import { clusterLine, paramsText } from '../../schedules/schedule-text.js';
import type { ScheduleStatus } from '../../schedules/schedules.js';
import type { ChatMessage } from '../types.js';
import { BlockList, header, message, section } from './layout.js';
import { LIMITS } from './limits.js';
import { escapeFit, inlineCode } from './mrkdwn.js';

function scheduleEntry(s: ScheduleStatus): string {
  const next = s.nextLocal ? `next *${escapeFit(s.nextLocal, 80)}*` : 'no next fire';
  return [
    `• *${escapeFit(s.id, 200)}* ${inlineCode(s.cron, 100)} (${escapeFit(s.timeZone, 80)}) · ${next}${s.registered ? '' : ' · not registered yet'}`,
    `    params: ${escapeFit(paramsText(s.params), 400)}`,
    ...s.clusters.map((c) => `    ${escapeFit(clusterLine(c, s.timeZone), 600)}`),
  ].join('\n');
}

/** The runbooks' schedules: next fire in each one's time zone, the policy's word, the last fire and run. */
export function schedulesMessage(schedules: ScheduleStatus[]): ChatMessage {
  if (!schedules.length) {
    const text = 'No runbook declares a schedule.';
    return message(text, [section(escapeFit(text, LIMITS.sectionText))]);
  }
  const list = new BlockList();
  list.add(header('Schedules'));
  list.lines(schedules.map(scheduleEntry));
  return message(`Schedules: ${schedules.map((s) => `${s.id} next ${s.nextLocal ?? '-'}`).join(', ')}`, list.finish());
}
