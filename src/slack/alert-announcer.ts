import type { WebClient } from '@slack/web-api';
import { escapeMrkdwn, runMessage } from '../chat/blocks/index.js';
import { withLead, type RunNotifier } from '../chat/run-notifier.js';
import type { ChatMessage } from '../chat/types.js';
import { describeAlert, type AlertAnnouncer } from '../alertmanager/alert-announcer.js';
import type { WebhookAlert } from '../alertmanager/webhook-payload.js';
import { isHeld, type RunRecord } from '../jobs/run-record.js';

function alertFacts(alert: WebhookAlert): string {
  const summary = alert.annotations.summary ?? alert.annotations.description ?? alert.annotations.message;
  const lines = [`*${escapeMrkdwn(describeAlert(alert))}* since ${alert.startsAt}`];
  if (summary) lines.push(escapeMrkdwn(summary.slice(0, 500)));
  if (alert.generatorURL?.startsWith('http')) lines.push(`<${alert.generatorURL.replace(/[<>|]/g, '')}|Source>`);
  return lines.join('\n');
}

function section(text: string): ChatMessage['blocks'] {
  return [{ type: 'section', text: { type: 'mrkdwn', text: text.slice(0, 2900) } }];
}

/** Announcements and escalations of alerts in Slack channels. */
export class SlackAlertAnnouncer implements AlertAnnouncer {
  constructor(
    private readonly client: WebClient,
    private readonly notifier: RunNotifier,
    private readonly channel: string | undefined,
    private readonly unmatchedChannel: string | undefined,
  ) {}

  async announceRun(run: RunRecord, alert: WebhookAlert): Promise<void> {
    if (!this.channel) return;
    const held = isHeld(run.state);
    const lead = held
      ? `:rotating_light: ${alertFacts(alert)}\n*${escapeMrkdwn(run.runbook)}* would fix it and needs approval: review the plan below, then Approve or Reject.`
      : `:rotating_light: ${alertFacts(alert)}\nAutomatic run of *${escapeMrkdwn(run.runbook)}*; it follows in this thread.`;
    const message = withLead(lead, runMessage(run, { cancellable: true }));
    const res = await this.client.chat.postMessage({
      channel: this.channel,
      text: `${describeAlert(alert)}: ${held ? 'needs approval' : 'automatic run'} ${run.runbook} (${run.id})`,
      ...(message.blocks ? { blocks: message.blocks } : {}),
      unfurl_links: false,
    });
    if (res.ts) await this.notifier.follow(run.id, this.channel, res.ts, run.state, { lead });
  }

  async escalate(alert: WebhookAlert, headline: string, details: string[]): Promise<void> {
    if (!this.channel) return;
    const text = [`:warning: *${escapeMrkdwn(headline)}*`, alertFacts(alert), ...details.map((d) => `• ${escapeMrkdwn(d)}`), 'Automation stops here: please take a look.'].join('\n');
    await this.client.chat.postMessage({ channel: this.channel, text: headline, blocks: section(text), unfurl_links: false });
  }

  async unmatched(alert: WebhookAlert): Promise<void> {
    if (!this.unmatchedChannel) return;
    await this.client.chat.postMessage({
      channel: this.unmatchedChannel,
      text: `${describeAlert(alert)}: no runbook handles it`,
      blocks: section(`${alertFacts(alert)}\nNo runbook handles this alert.`),
      unfurl_links: false,
    });
  }
}
