/**
 * The Nodes section: every VPN server with its status, a node's card with check, sync,
 * restart (asked first), disable/enable and remove (asked first), and the add-node dialog.
 * Every action goes through services.nodes; its errors become answers by themselves.
 */
import { Composer } from 'grammy';
import { ADD_NODE } from '../../../conversations/ids.ts';
import type { BotContext } from '../../../context.ts';
import { onButton, show } from '../../../kit/index.ts';
import { actorOf, enterDialog, type AdminDeps } from '../common.ts';
import {
  actionResultText,
  addNodeButton,
  nodeButton,
  nodeCardView,
  nodeConfirmView,
  nodesButton,
  nodesListView,
} from './screens.ts';

export function nodesFeature(deps: AdminDeps): Composer<BotContext> {
  const { services } = deps;
  const { nodes } = services;
  const feature = new Composer<BotContext>();

  const list = (ctx: BotContext) => show(ctx, nodesListView(ctx, nodes.list().map(nodes.view)));
  const card = (ctx: BotContext, name: string, result?: string) => {
    const node = nodes.get(name);
    return show(ctx, nodeCardView(ctx, nodes.view(node), nodes.usage(node.id), result));
  };

  onButton(feature, nodesButton, list);
  onButton(feature, addNodeButton, (ctx) => enterDialog(ctx, ADD_NODE));
  onButton(feature, nodeButton, async (ctx, { action, name }) => {
    const actor = actorOf(ctx);
    switch (action) {
      case 'view':
        return card(ctx, name);
      case 'restart':
      case 'remove':
        return show(ctx, nodeConfirmView(ctx, action, nodes.view(nodes.get(name))));
      case 'check':
      case 'sync':
      case 'restart!': {
        const act = action === 'restart!' ? 'restart' : action;
        const { result } = await nodes.act(name, act);
        return card(ctx, name, actionResultText(ctx, ctx.t(`admin-node-action-${act}`), result));
      }
      case 'disable':
      case 'enable': {
        // The node's worker applies the change at once (the nodes service wakes it).
        if (action === 'enable') nodes.enable(name, actor);
        else nodes.disable(name, actor);
        await ctx.answerCallbackQuery({ text: ctx.t(`admin-node-done-${action}d`) });
        return card(ctx, name);
      }
      case 'remove!': {
        // Drained first where its worker runs (its users taken off it); `local` is refused.
        if (services.nodeWorkers) await services.nodeWorkers.remove(name, actor);
        else nodes.remove(name, actor);
        await ctx.answerCallbackQuery({ text: ctx.t('admin-node-done-removed', { name }) });
        return list(ctx);
      }
    }
  });
  return feature;
}
