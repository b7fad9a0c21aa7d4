/** Registers the cron jobs; each calls one service method. */
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../logger.ts';
import type { Services } from '../services/index.ts';
import { settleWithin } from '../timing.ts';
import { releaseTransientMemory } from './memory.ts';

interface JobSpec {
  name: string;
  schedule: string;
  run(): unknown;
  /** Admin alert type of a failed run (default `job.failed`). */
  alert?: 'backup.failed' | 'job.failed';
  /** Whether a run may start while the last one is still going (default: no). */
  overlap?: boolean;
}

/** Seconds-field cron for "every N seconds" (N ≤ 59), else whole minutes. */
function everySeconds(n: number): string {
  return n < 60 ? `*/${n} * * * * *` : `0 */${Math.max(1, Math.round(n / 60))} * * * *`;
}

/** The schedule of every job. */
export function jobSpecs(services: Services): JobSpec[] {
  return [
    {
      name: 'collect-traffic',
      schedule: everySeconds(services.config.STATS_INTERVAL_SECONDS),
      run: async () => {
        await services.traffic.collect();
        await services.limits.enforce();
        releaseTransientMemory();
      },
    },
    {
      // Overlapping runs: a slow receiver keeps only its own kind waiting (see deliverDue).
      name: 'deliver-outbox',
      schedule: everySeconds(5),
      run: () => services.outbox.deliverDue(),
      overlap: true,
    },
    {
      // Frees the promo codes held by orders nobody paid (every path also checks expiry itself).
      name: 'expire-orders',
      schedule: '30 * * * * *',
      run: () => services.payments.expireOrders(),
    },
    {
      name: 'usage-retention',
      schedule: '11 3 * * *',
      run: () => services.traffic.pruneDaily(services.settings.require('usageRetentionDays')),
    },
    { name: 'events-retention', schedule: '17 3 * * *', run: () => services.events.prune() },
    {
      // The daily archive also goes to the owners in Telegram (delivered by the bot's outbox handler).
      name: 'scheduled-backup',
      schedule: '41 3 * * *',
      run: async () => {
        const backup = await services.backups.scheduled(services.settings.require('backupsKept'));
        services.outbox.enqueue('owner.backup', { ...backup });
      },
      alert: 'backup.failed',
    },
  ];
}

/** How long a stop waits for runs in progress (deliveries, a backup) before closing the DB. */
const STOP_WAIT_MS = 5_000;

/** Starts every job; returns a stop function. A failing run is logged, never fatal. */
export function startJobs({ services, logger }: { services: Services; logger: Logger }) {
  const running = new Set<Promise<unknown>>();
  const tasks: ScheduledTask[] = jobSpecs(services).map((spec) =>
    cron.schedule(
      spec.schedule,
      async () => {
        const run = Promise.resolve().then(() => spec.run());
        running.add(run);
        try {
          await run;
        } catch (err) {
          logger.error({ err, job: spec.name }, 'job failed');
          const error = err instanceof Error ? err.message : String(err);
          try {
            services.admins.alert(
              {
                type: spec.alert ?? 'job.failed',
                severity: 'error',
                data: { job: spec.name, error: error.slice(0, 200) },
              },
              { key: spec.name, throttleMinutes: 60 },
            );
          } catch (alertError) {
            logger.error({ err: alertError, job: spec.name }, 'could not queue the admin alert');
          }
        } finally {
          running.delete(run);
        }
      },
      { name: spec.name, noOverlap: !spec.overlap },
    ),
  );
  return {
    /**
     * Stops the schedules, then waits a little for runs in progress: a delivery that went
     * out but was not yet marked would otherwise be sent again after the restart.
     */
    async stop() {
      await Promise.all(tasks.map((t) => t.stop()));
      await settleWithin(running, STOP_WAIT_MS);
    },
  };
}
