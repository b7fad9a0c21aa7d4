/**
 * The domain, wired together. Services know nothing of Telegram or HTTP: they take
 * plain arguments and return plain data or throw an AppError.
 */
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import path from 'node:path';
import { createAdminsService } from './admins.service.ts';
import { createApiKeysService } from './api-keys.service.ts';
import { createBackupsService } from './backups.service.ts';
import { createBroadcastsService } from './broadcast.service.ts';
import { systemClock, type Clock } from './clock.ts';
import { absentCore, type CoreControl, type CorePort } from './core-port.ts';
import { createEventsService } from './events.service.ts';
import { createKeysService } from './keys.service.ts';
import { createNodesService, LOCAL_NODE } from './nodes.service.ts';
import { localNodeActions } from './node-actions.ts';
import { createNodeProvisioner } from './node-provisioning.ts';
import { toUserJson, type UserJson } from './key-view.ts';
import { createKeyLinks, type LinkKey } from './links/node-links.ts';
import type { Key } from '../db/schema.ts';
import { createSqliteStorage, type JsonStorage } from '../db/storage.ts';
import { createChangeWatch } from '../db/change-watch.ts';
import { createLimitsService } from './limits.service.ts';
import { createOutboxService } from './outbox.service.ts';
import { createPaymentsService } from './payments.service.ts';
import { createReportsService } from './reports.service.ts';
import { createWebhooksService } from './webhooks.service.ts';
import { createRequestsService } from './requests.service.ts';
import { createInvitesService } from './invites.service.ts';
import { createSettingsService } from './settings.service.ts';
import { createSubscriptionService } from './subscription.service.ts';
import { createTrafficService, type TrafficMeter } from './traffic.service.ts';
import { createViewStamp } from './view-stamp.ts';
import type { NodeWorkers } from './node-workers.ts';

export interface ServiceDeps {
  db: Db;
  config: Readonly<Config>;
  logger: Logger;
  /** The core the services drive; absent until the adapter is attached. */
  core?: CorePort;
  clock?: Clock;
}

/** Where the rendered core config lives in DATA_DIR. */
export function coreConfigPath(dataDir: string): string {
  return path.join(dataDir, 'core.json');
}

/** Builds every service on one DB handle and clock. */
export function createServices(deps: ServiceDeps) {
  const clock = deps.clock ?? systemClock;
  const { db, config, logger } = deps;
  let core = deps.core ?? absentCore;
  let system: CoreControl | null = null;
  let workers: NodeWorkers | null = null;
  /**
   * The core as the services drive it: the local core, plus a wake-up of every remote node's
   * worker on each change (they read what changed from the database: a missed one only waits
   * for the next timer).
   */
  const fleet: CorePort = {
    get id() {
      return core.id;
    },
    apply(change) {
      workers?.wakeAll();
      return core.apply(change);
    },
    readCounters: (visit) => core.readCounters(visit),
    shareLink: (user) => core.shareLink(user),
    sync() {
      workers?.wakeAll();
      return core.sync?.() ?? Promise.resolve(null);
    },
  };
  const events = createEventsService({ db, clock });
  const outbox = createOutboxService({ db, clock, logger });
  const settings = createSettingsService({ db, clock, config });
  const admins = createAdminsService({ db, clock, events, outbox, ownerIds: config.ADMIN_IDS });
  const provisioner = createNodeProvisioner({ dataDir: config.dataDir });
  const nodes = createNodesService({
    db,
    clock,
    config,
    events,
    alert: (alert, options) => admins.alert(alert, options),
    provisioner,
    chargedOnNode: (nodeId, keyId) => traffic.chargedOnNode(nodeId, keyId),
    onRemoved: (node) => traffic.forgetNode(node.name, node.id),
    onChanged: () => {
      workers?.refresh();
      workers?.wakeAll();
    },
  });
  const keyLinks = createKeyLinks({ nodes, settings, clock, getCore: () => core });
  let remoteMeters: () => TrafficMeter[] = () => [];
  const traffic = createTrafficService({
    db,
    clock,
    logger,
    getMeters: () => {
      const local = nodes.find(LOCAL_NODE);
      const localMeter: TrafficMeter = {
        id: core.id,
        nodeId: local?.id ?? null,
        multiplier: local?.trafficMultiplier ?? 1,
        read: (visit) => core.readCounters(visit),
      };
      return [localMeter, ...remoteMeters()];
    },
  });
  const webhooks = createWebhooksService({ clock, outbox, settings });
  const keys = createKeysService({
    db,
    core: fleet,
    clock,
    logger,
    events,
    outbox,
    traffic,
    webhooks,
    publicUrl: config.publicUrl,
    links: keyLinks,
  });
  const limits = createLimitsService({ db, clock, keys, settings });
  const apiKeys = createApiKeysService({ db, clock, events });
  const subscription = createSubscriptionService({ db, config, settings, links: keyLinks });
  const reports = createReportsService({ db, clock });
  const payments = createPaymentsService({
    db,
    config,
    clock,
    keys,
    events,
    outbox,
    admins,
    webhooks,
    settings,
  });
  const broadcasts = createBroadcastsService({ db, clock, events });
  const requests = createRequestsService({ db, clock, keys, settings, outbox, events, admins });
  const invites = createInvitesService({ db, clock, keys, requests, settings, events });
  const backups = createBackupsService({
    db,
    clock,
    logger,
    events,
    dataDir: config.dataDir,
    coreConfigPath: coreConfigPath(config.dataDir),
    onRestored: () => {
      traffic.forgetBaselines();
      settings.forget();
      nodes.forget();
      workers?.refresh();
      workers?.wakeAll();
    },
  });
  /** A key as the API, CLI and webhooks show it. */
  const view = (key: Key & LinkKey): UserJson =>
    toUserJson(key, { publicUrl: config.publicUrl, links: keyLinks });
  return {
    db,
    clock,
    config,
    events,
    outbox,
    settings,
    admins,
    nodes,
    /** xkeeper's SSH key and the provisioning of new SSH nodes. */
    provisioner,
    keys,
    traffic,
    limits,
    apiKeys,
    subscription,
    reports,
    payments,
    webhooks,
    requests,
    invites,
    backups,
    broadcasts,
    /** The core in use (swapped by attachCore); changes through it also wake the nodes' workers. */
    get core(): CorePort {
      return fleet;
    },
    /** JSON values kept under a key prefix (the bot's sessions and conversations). */
    storage: <T>(prefix: string): JsonStorage<T> => createSqliteStorage<T>(db, prefix),
    view,
    /**
     * The key named `name` as the API shows it (KEY_NOT_FOUND otherwise). Its row and its
     * nodes are read by one statement: one pair of SQLite's WAL read locks (fcntl calls)
     * instead of one per statement.
     */
    viewByName(name: string): UserJson {
      return view(keys.getWithNodeIds(name));
    },
    /**
     * Moves whenever a view may differ from one built before (see view-stamp.ts): a view
     * built after reading a stamp is current while the stamp holds. One small read.
     */
    viewStamp: createViewStamp({
      databaseGeneration: createChangeWatch(db.$client),
      clock,
      getCore: () => core,
    }),
    /** Operator controls of the core; null until a core adapter is attached. */
    get system(): CoreControl | null {
      return system;
    },
    /** The workers of the remote nodes; null until the composition root attaches them. */
    get nodeWorkers(): NodeWorkers | null {
      return workers;
    },
    /** Attaches the remote nodes' workers: collection reads their nodes too. */
    attachNodeWorkers(next: NodeWorkers) {
      workers = next;
      remoteMeters = () =>
        next.drivers().map(({ node, driver }) => ({
          id: node.name,
          nodeId: node.id,
          multiplier: node.trafficMultiplier,
          read: (visit) => driver.readCounters(visit),
        }));
    },
    /** Connects the services to a core adapter and its controls. */
    attachCore(next: CorePort, controls: CoreControl | null = null) {
      core = next;
      system = controls;
      // Node `local`'s check, sync and restart are the core controls.
      nodes.attachActions('local', controls && localNodeActions(controls));
    },
  };
}

export type Services = ReturnType<typeof createServices>;
