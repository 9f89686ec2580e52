import { pino } from 'pino';
import { createDrover } from '../../../src/app.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { RunbookRegistry } from '../../../src/runbook/registry.js';
import { startSlackFake, type SlackFake } from '../../../src/testing/index.js';
import { deletePrefix, redisClient, uniquePrefix } from '../../support/redis.js';

describe('Slack start-up', () => {
  let slack: SlackFake;

  beforeAll(async () => {
    slack = await startSlackFake({ botToken: 'xoxb-the-real-one' });
  });

  afterAll(async () => {
    await slack.stop();
  });

  it('a bot token Slack rejects stops start-up with a message saying which setting to fix', async () => {
    const redis = redisClient();
    const prefix = uniquePrefix('slack-start');
    const config = loadConfig({
      env: { DROVER_REDIS_PREFIX: prefix, SLACK_BOT_TOKEN: 'xoxb-revoked-token', SLACK_SIGNING_SECRET: 'secret', SLACK_API_URL: slack.url },
    });
    const drover = createDrover({ config, redis, logger: pino({ level: 'silent' }), runbooks: new RunbookRegistry() });
    try {
      await expect(drover.slack!.start()).rejects.toThrow('Slack rejected SLACK_BOT_TOKEN (invalid_auth). Check the bot token of the installed app.');
    } finally {
      await drover.close();
      await deletePrefix(redis, prefix);
      await redis.quit();
    }
  });
});
