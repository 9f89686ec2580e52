/** views.open, views.push and views.update: modals with ids, hashes and trigger checks. */
import { randomBytes } from 'node:crypto';
import { checkView } from './block-limits.js';
import { SlackFailure, invalidArguments } from './failure.js';
import type { FakeState, MethodHandler } from './state.js';
import type { FakeView } from './types.js';
import { stringArg, type Args } from './wire.js';

/** A trigger id is required and must not have expired (Slack's expire three seconds after the click). */
function checkTrigger(args: Args, state: FakeState): void {
  const trigger = stringArg(args, 'trigger_id');
  if (trigger === undefined) throw invalidArguments('missing required field: trigger_id');
  if (state.expiredTriggers.has(trigger)) throw new SlackFailure('expired_trigger_id');
}

/** Slack's view hashes look like `1569362015.55b5e41b`: seconds, then a random part. */
function newHash(state: FakeState): string {
  return `${state.nextTs().split('.')[0] ?? '0'}.${randomBytes(4).toString('hex')}`;
}

/** The view as Slack returns it: the definition sent, plus what Slack fills in. */
function materialize(definition: Record<string, unknown>, state: FakeState, id: string, previous?: FakeView): FakeView {
  const { identity } = state;
  return {
    type: definition.type,
    blocks: definition.blocks,
    private_metadata: '',
    callback_id: '',
    external_id: '',
    clear_on_close: false,
    notify_on_close: false,
    close: null,
    submit: null,
    ...definition,
    id,
    team_id: identity.teamId,
    state: { values: {} },
    hash: newHash(state),
    previous_view_id: previous ? (previous.previous_view_id ?? null) : null,
    root_view_id: previous ? (previous.root_view_id ?? id) : id,
    app_id: identity.appId,
    app_installed_team_id: identity.teamId,
    bot_id: identity.botId,
  };
}

function open(args: Args, state: FakeState): Record<string, unknown> {
  checkTrigger(args, state);
  const definition = checkView(args.view);
  const id = state.nextId('V');
  const view = materialize(definition, state, id);
  state.views.set(id, view);
  return { ok: true, view: structuredClone(view) };
}

const update: MethodHandler = (args, state) => {
  const viewId = stringArg(args, 'view_id');
  const externalId = stringArg(args, 'external_id');
  if (viewId === undefined && externalId === undefined) throw invalidArguments('missing required field: view_id');
  const current = viewId !== undefined ? state.views.get(viewId) : [...state.views.values()].find((v) => v.external_id === externalId);
  if (!current) throw new SlackFailure('not_found');
  const hash = stringArg(args, 'hash');
  if (hash !== undefined && hash !== current.hash) throw new SlackFailure('hash_conflict');
  const view = materialize(checkView(args.view), state, current.id, current);
  state.views.set(current.id, view);
  return { ok: true, view: structuredClone(view) };
};

export const viewMethods: Readonly<Record<string, MethodHandler>> = {
  'views.open': open,
  'views.push': open,
  'views.update': update,
};
