/**
 * `/status`: the core (flavor, version, uptime, restarts, memory), the host (CPU, load,
 * RAM, disk of DATA_DIR), keys and traffic; with a core sync, a drift check and a core
 * restart (asked first: it drops every connection).
 */
import { statfs } from 'node:fs/promises';
import os from 'node:os';
import { Composer } from 'grammy';
import type { CoreControl } from '../../../../services/core-port.ts';
import type { BotContext } from '../../../context.ts';
import { confirmScreen, onButton, show } from '../../../kit/index.ts';
import { actorOf, type AdminDeps } from '../common.ts';
import {
  coreButton,
  driftView,
  statusButton,
  statusView,
  type HostStats,
  type StatusData,
} from './screens.ts';

/** CPU count, load, memory, and the disk DATA_DIR lives on. */
async function hostStats(dataDir: string): Promise<HostStats> {
  const disk = await statfs(dataDir).catch(() => undefined);
  return {
    cpus: os.availableParallelism(),
    load: os.loadavg(),
    memTotal: os.totalmem(),
    memFree: os.freemem(),
    diskTotal: disk ? disk.blocks * disk.bsize : null,
    diskFree: disk ? disk.bavail * disk.bsize : null,
  };
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function statusFeature(deps: AdminDeps): Composer<BotContext> {
  const { services, system } = deps;
  const feature = new Composer<BotContext>();

  async function status(ctx: BotContext): Promise<void> {
    const core: StatusData['core'] = system
      ? await system.status().catch((error: unknown) => ({ error: messageOf(error) }))
      : null;
    const data: StatusData = {
      core,
      host: await hostStats(deps.config.dataDir),
      nodes: services.nodes.list().map(services.nodes.view),
      stats: services.reports.stats(),
    };
    await show(ctx, statusView(ctx, data));
  }

  /** Runs a core control, or says there is no core. */
  async function withCore(ctx: BotContext, run: (core: CoreControl) => Promise<void>): Promise<void> {
    if (!system)
      return void (await ctx.answerCallbackQuery({
        text: ctx.t('admin-core-unavailable'),
        show_alert: true,
      }));
    await run(system);
  }

  feature.command('status', status);
  onButton(feature, statusButton, status);
  onButton(feature, coreButton, (ctx, { action }) => {
    switch (action) {
      case 'restart': {
        const yes = coreButton.pack({ action: 'restart!' });
        return show(ctx, confirmScreen(ctx, ctx.t('admin-confirm-restart'), yes, statusButton.pack({})));
      }
      case 'restart!':
        return withCore(ctx, async (core) => {
          await core.restart();
          services.events.record({ type: 'core.restart_requested', actor: actorOf(ctx) });
          await ctx.answerCallbackQuery({ text: ctx.t('admin-done-restarted') });
          await status(ctx);
        });
      case 'sync':
      case 'check':
        return withCore(ctx, async (core) => {
          const result = action === 'sync' ? await core.sync() : await core.check();
          await show(ctx, driftView(ctx, ctx.t(`admin-${action}-title`), result));
        });
    }
  });
  return feature;
}
