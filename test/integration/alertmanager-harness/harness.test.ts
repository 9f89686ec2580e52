/** The harness itself: the config it writes, failing loudly, and cleaning up after itself. */
import { access, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parse } from 'yaml';
import { alertmanagerConfig, findAlertmanager, startAlertmanager } from '../../support/alertmanager.js';

test('writes one route to one webhook receiver with short timers and bearer auth', async () => {
  const am = await startAlertmanager({ webhookUrl: 'http://127.0.0.1:9/hook', bearerToken: 'tok', sendResolved: false, maxAlerts: 5 });
  try {
    expect(parse(await readFile(am.configFile, 'utf8'))).toEqual({
      route: { receiver: 'drover', group_by: ['...'], group_wait: '100ms', group_interval: '500ms', repeat_interval: '1h' },
      receivers: [
        {
          name: 'drover',
          webhook_configs: [
            { url: 'http://127.0.0.1:9/hook', send_resolved: false, max_alerts: 5, http_config: { authorization: { type: 'Bearer', credentials: 'tok' } } },
          ],
        },
      ],
    });
    expect(am.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await am.alerts()).toEqual([]);
    expect(await am.silences()).toEqual([]);
  } finally {
    await am.stop();
  }
  await expect(fetch(`${am.url}/-/ready`)).rejects.toThrow();
  await expect(access(dirname(am.configFile))).rejects.toThrow(/ENOENT/);
  await am.stop();
});

test('basic auth goes in http_config.basic_auth; both kinds at once are refused', () => {
  const config = alertmanagerConfig({ webhookUrl: 'http://h/x', basicAuth: { username: 'u', password: 'p' } });
  expect(JSON.stringify(config)).toContain('"basic_auth":{"username":"u","password":"p"}');
  expect(() => alertmanagerConfig({ webhookUrl: 'http://h/x', bearerToken: 't', basicAuth: { username: 'u', password: 'p' } })).toThrow(/not both/);
});

test('a config Alertmanager rejects fails the start with its own error message', async () => {
  await expect(startAlertmanager({ webhookUrl: 'not a url' })).rejects.toThrow(/exited \(code 1\) before it was ready:[\s\S]*unsupported scheme/);
});

test('finds the binary on PATH, or says how to install it', async () => {
  await expect(findAlertmanager()).resolves.toMatch(/^(prometheus-)?alertmanager$/);
  await expect(findAlertmanager(['drover-no-such-alertmanager'])).rejects.toThrow('run `apt-get install prometheus-alertmanager`');
});
