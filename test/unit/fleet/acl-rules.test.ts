import fc from 'fast-check';
import { agentAclRules } from '../../../src/fleet/acl.js';

describe('agentAclRules', () => {
  const rules = agentAclRules('drover', 'store-1');

  it('confines keys and channels to the cluster, exactly as the key layout says', () => {
    expect(rules.filter((r) => /^%?R?~/.test(r))).toEqual([
      '~drover:run:store-1.*',
      '~drover:q:cluster.store-1:*',
      '~drover:lock:store-1:*',
      '~drover:fleet:store-1:*',
      '%R~drover:approvals:binding-key',
    ]);
    expect(rules.filter((r) => r === 'resetchannels' || r.startsWith('&'))).toEqual(['resetchannels', '&drover:cancel:store-1', '&drover:fleet:notify']);
  });

  it('starts from no command and never grants one that lists, wipes or watches keys or clients', () => {
    const commands = rules.filter((r) => /^[+-]/.test(r));
    expect(commands[0]).toBe('-@all');
    expect(commands).not.toContain('+@all');
    const granted = commands.filter((r) => r.startsWith('+')).map((r) => r.slice(1).toLowerCase());
    for (const forbidden of ['@keyspace', '@dangerous', '@admin', '@pubsub', '@scripting', '@connection', 'keys', 'scan', 'randomkey', 'dbsize', 'flushall', 'flushdb', 'swapdb', 'move', 'migrate', 'config', 'debug', 'monitor', 'client', 'client|list', 'client|kill', 'client|tracking', 'pubsub', 'psubscribe', 'function', 'fcall', 'script|flush', 'script|kill', 'acl', 'acl|setuser', 'shutdown', 'sort', 'reset']) {
      expect(granted).not.toContain(forbidden);
    }
    expect(commands).toEqual(expect.arrayContaining(['-sort', '-sort_ro', '+acl|whoami', '+info', '+evalsha', '+script|load']));
  });

  it('lets ioredis name its library (CLIENT SETINFO) only where the server has the command', () => {
    expect(rules).not.toContain('+client|setinfo');
    expect(agentAclRules('drover', 'store-1', { clientSetinfo: true }).at(-1)).toBe('+client|setinfo');
  });

  it('refuses cluster names that could widen a pattern or split the rule', () => {
    for (const bad of ['*', 'a*', 'store?', 'st[ab]', 'a b', 'a\tb', 'a\\b', 'Store', '-a', 'a.b', 'a:b', '', 'x'.repeat(51)]) {
      expect(() => agentAclRules('drover', bad)).toThrow(/Invalid agent cluster name/);
    }
  });

  it('refuses a prefix that is not a literal in a pattern', () => {
    for (const bad of ['', 'dro*', 'a?', 'a[b]', 'a b', 'a\\b']) {
      expect(() => agentAclRules(bad, 'store-1')).toThrow(/cannot confine an agent/);
    }
    expect(agentAclRules('team:drover', 'a')[0]).toBe('~team:drover:run:a.*');
  });

  it('whatever the name, no rule holds a space and every glob comes from the rule itself', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (name) => {
        let made: string[];
        try {
          made = agentAclRules('drover', name);
        } catch {
          return;
        }
        for (const rule of made) {
          expect(rule).not.toMatch(/\s/);
          expect(rule.replace(/[:.]\*$/, '')).not.toMatch(/[*?[\]\\]/);
        }
      }),
    );
  });
});
