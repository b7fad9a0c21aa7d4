/** `/admin`: the admin menu, and where « Menu buttons lead back to. */
import { Composer } from 'grammy';
import type { BotContext } from '../../../context.ts';
import { mainMenuView } from './screens.ts';
import { onButton, show } from '../../../kit/index.ts';
import { menuButton, type AdminDeps } from '../common.ts';

export function menuFeature(deps: AdminDeps): Composer<BotContext> {
  const { services } = deps;
  const feature = new Composer<BotContext>();
  const menu = (ctx: BotContext) => {
    const counts = services.keys.countByStatus();
    return show(
      ctx,
      mainMenuView(ctx, {
        role: ctx.role,
        keys: Object.values(counts).reduce((a, b) => a + b, 0),
        active: counts.active,
        online: services.reports.onlineNow(),
        pendingRequests: services.requests.pending().length,
      }),
    );
  };
  feature.command('admin', menu);
  onButton(feature, menuButton, menu);
  return feature;
}
