import { TerminalIdentity } from '../../../src/chat/terminal-identity.js';

const me = { kind: 'cli' as const, id: 'alice@laptop', name: 'alice@laptop' };

describe('TerminalIdentity', () => {
  it('on the sandbox, `as NAME` switches to a local identity on the same host until `as me`', () => {
    const who = new TerminalIdentity(me, true);
    expect(who.read('as reviewer')).toEqual({ kind: 'said', text: 'You are now reviewer@laptop, a local identity on the sandbox. `as me` switches back to alice@laptop.' });
    expect(who.requester).toEqual({ kind: 'cli', id: 'reviewer@laptop', name: 'reviewer (local)' });
    expect(who.read('status r1')).toEqual({ kind: 'command', text: 'status r1', requester: who.requester });
    expect(who.read('as me')).toEqual({ kind: 'said', text: 'You are alice@laptop again.' });
    expect(who.requester).toBe(me);
  });

  it('--as NAME (or a dash Slack or a phone typed) acts for one command only', () => {
    const who = new TerminalIdentity(me, true);
    expect(who.read('approve r1 abcdef123456 --as bob')).toEqual({ kind: 'command', text: 'approve r1 abcdef123456', requester: { kind: 'cli', id: 'bob@laptop', name: 'bob (local)' } });
    expect(who.read('approve r1 —as=bob')).toMatchObject({ kind: 'command', text: 'approve r1', requester: { id: 'bob@laptop' } });
    expect(who.requester).toBe(me);
  });

  it('the user under their own name is still the user, not a second identity', () => {
    const who = new TerminalIdentity(me, true);
    expect(who.read('approve r1 --as alice')).toEqual({ kind: 'command', text: 'approve r1', requester: me });
    expect(who.read('as alice@laptop')).toMatchObject({ kind: 'said' });
    expect(who.requester).toBe(me);
  });

  it('refuses names that are not names', () => {
    const who = new TerminalIdentity(me, true);
    expect(who.read('as <@U123>')).toMatchObject({ kind: 'said', text: expect.stringMatching(/is not a name/) as string });
    expect(who.read('run x --as ')).toMatchObject({ kind: 'said' });
    expect(who.requester).toBe(me);
  });

  it('off the sandbox, nobody becomes someone else', () => {
    const who = new TerminalIdentity(me, false);
    expect(who.greeting('/drover')).toBe('');
    for (const line of ['as reviewer', 'approve r1 --as reviewer']) {
      expect(who.read(line)).toMatchObject({ kind: 'said', text: expect.stringMatching(/only for the sandbox/) as string });
    }
    expect(who.requester).toBe(me);
    expect(who.read('approve r1 abc')).toEqual({ kind: 'command', text: 'approve r1 abc', requester: me });
  });
});
