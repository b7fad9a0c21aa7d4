/**
 * The CLI's fallback when no xkeeper answers on the control socket: the operation runs here,
 * on the files. Loaded only then (see cli.ts): the database, the services and the core adapter
 * are most of the CLI's start-up time, and a command handed to a running instance needs none.
 */
import type { Config } from '../config.ts';
import { wireCore } from '../core-wiring.ts';
import { secureDataDir } from '../data-dir.ts';
import { databasePath, openDatabase } from '../db/client.ts';
import { runMigrations } from '../db/migrate.ts';
import { createLogger } from '../logger.ts';
import { createServices } from '../services/index.ts';
import type { ControlResponse } from './client.ts';
import { runOperation, type OperationName } from './operations.ts';
import { toErrorBody } from './socket.ts';

/** Runs one operation on DATA_DIR's files; answers in the control socket's shape. */
export async function runLocally(
  config: Readonly<Config>,
  op: OperationName,
  args: unknown,
  actor: string,
  onProgress: (line: string) => void = () => undefined,
): Promise<ControlResponse> {
  const tightened = secureDataDir(config.dataDir);
  if (tightened.length > 0) {
    process.stderr.write(`DATA_DIR was open to other users: made ${tightened.length} files owner-only\n`);
  }
  const db = openDatabase(databasePath(config.dataDir));
  try {
    // Migrations first: everything after reads the schema. `migrate` itself stops here.
    const migrated = runMigrations(db);
    if (op === 'migrate') return { ok: true, result: migrated };
    const logger = createLogger({ level: 'error', destination: process.stderr, pretty: false });
    const services = createServices({ db, config, logger });
    // The same adapter as the running instance; it finds a core left running, if any.
    const core = wireCore(config, services, logger);
    await core.findOrphan();
    return { ok: true, ...(await runOperation(services, op, args, actor, { progress: onProgress })) };
  } catch (error) {
    return { ok: false, error: toErrorBody(error) };
  } finally {
    db.$client.close();
  }
}
