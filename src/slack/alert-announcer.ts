import { escapeMrkdwn, runMessage } from '../chat/blocks/index.js';
import { withLead, type RunNotifier } from '../chat/run-notifier.js';
import type { ChatMessage } from '../chat/types.js';
import { describeAlert, type AlertAnnouncer } from '../alertmanager/alert-announcer.js';
import type { WebhookAlert } from '../alertmanager/webhook-payload.js';
import { isHeld, type RunRecord } from '../jobs/run-record.js';
import type { Redacted, Redactor } from '../redact/redactor.js';
import type { SlackOut } from './slack-out.js';

/** The alert's facts; it is redacted first, since the summary is cut to fit and a cut can hide a secret from the rules. */
function alertFacts(alert: Redacted<WebhookAlert>): string {
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
    private readonly out: SlackOut,
    private readonly notifier: RunNotifier,
    private readonly redactor: Redactor,
    private readonly channel: string | undefined,
    private readonly unmatchedChannel: string | undefined,
  ) {}

  async announceRun(run: RunRecord, raw: WebhookAlert): Promise<void> {
    if (!this.channel) return;
    const alert = this.redactor.value(raw);
    const held = isHeld(run.state);
    const lead = held
      ? `:rotating_light: ${alertFacts(alert)}\n*${escapeMrkdwn(run.runbook)}* would fix it and needs approval: review the plan below, then Approve or Reject.`
      : `:rotating_light: ${alertFacts(alert)}\nAutomatic run of *${escapeMrkdwn(run.runbook)}*; it follows in this thread.`;
    const message = withLead(lead, runMessage(this.redactor.value(run), { cancellable: true }));
    const text = `${describeAlert(alert)}: ${held ? 'needs approval' : 'automatic run'} ${run.runbook} (${run.id})`;
    const ts = await this.out.post(this.channel, this.redactor.chat({ ...message, text }));
    if (ts) await this.notifier.follow(run.id, this.channel, ts, run.state, { lead });
  }

  async escalate(raw: WebhookAlert, headline: string, details: string[]): Promise<void> {
    if (!this.channel) return;
    const alert = this.redactor.value(raw);
    const text = [`:warning: *${escapeMrkdwn(headline)}*`, alertFacts(alert), ...details.map((d) => `• ${escapeMrkdwn(d)}`), 'Automation stops here: please take a look.'].join('\n');
    await this.out.post(this.channel, this.redactor.chat({ text: headline, blocks: section(text) }));
  }

  async unmatched(raw: WebhookAlert): Promise<void> {
    if (!this.unmatchedChannel) return;
    const alert = this.redactor.value(raw);
    await this.out.post(
      this.unmatchedChannel,
      this.redactor.chat({ text: `${describeAlert(alert)}: no runbook handles it`, blocks: section(`${alertFacts(alert)}\nNo runbook handles this alert.`) }),
    );
  }
}
