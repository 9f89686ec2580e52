import type { Logger } from 'pino';
import { noticeMessage } from '../../chat/blocks/index.js';
import type { Redactor } from '../../redact/redactor.js';
import type { SlackOut } from '../../slack/slack-out.js';
import type { Rollout } from './plan.js';
import { newsReplies, rolloutMessage } from './rollout-blocks.js';
import type { RolloutNews } from './rollout-controller.js';
import type { RolloutStore } from './rollout-store.js';

export interface RolloutSlackDeps {
  out: SlackOut;
  redactor: Redactor;
  store: RolloutStore;
  logger: Logger;
}

/**
 * A rollout asked for in Slack lives in one message: it is updated as the
 * rollout goes (counts, the current batch, failures), and each batch, failure,
 * pause and the end get a reply in its thread.
 */
export function rolloutSlack(deps: RolloutSlackDeps) {
  const { out, redactor, store, logger } = deps;
  return {
    /** For SlackAppDeps.onRolloutPosted: remembers where the rollout's message is. */
    posted: (rolloutId: string, channel: string, ts: string): Promise<void> => store.setSlack(rolloutId, { channel, ts }),
    /** For the controller's onProgress and RolloutChat's onChange. */
    async progress(rollout: Rollout, news: RolloutNews[]): Promise<void> {
      const slack = rollout.slack ?? (await store.get(rollout.id))?.slack;
      if (!slack) return;
      const shown = redactor.value({ ...rollout, slack });
      try {
        await out.update(slack.channel, slack.ts, redactor.chat(rolloutMessage(shown)));
      } catch (err) {
        logger.warn({ err, rolloutId: rollout.id }, 'rollouts: the Slack message could not be updated');
      }
      for (const line of newsReplies(news)) await out.post(slack.channel, redactor.chat(noticeMessage(line)), slack.ts);
    },
  };
}
