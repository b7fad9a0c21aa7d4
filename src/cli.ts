/**
 * The `xkeeper` ops CLI. Every command takes --json and exits 0 on success, 1 on an
 * error (message on stderr), 2 on bad usage. When xkeeper runs, the command is handed
 * to it over the control socket; otherwise the CLI runs the same operation on the files.
 */
import { userInfo } from 'node:os';
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { ConfigError, loadConfig, resolveCoreBin, type Config } from './config.ts';
import { sendControlRequest } from './control/client.ts';
import { printable } from './control/printable.ts';
import type { OperationName } from './control/operations.ts';

const EXIT_ERROR = 1;
const EXIT_USAGE = 2;

interface GlobalOptions {
  json?: boolean;
}

/** A failed operation; arguments that fail validation count as bad usage. */
class CliFailure extends Error {
  readonly exitCode: number;
  constructor(
    readonly body: { code: string; message: string },
    exitCode?: number,
  ) {
    super(body.message);
    this.name = 'CliFailure';
    this.exitCode = exitCode ?? (body.code === 'VALIDATION_FAILED' ? EXIT_USAGE : EXIT_ERROR);
  }
}

/**
 * Runs an operation on the running instance, or locally when none answers. Only the
 * socket's client is loaded up front: the local path's modules cost seconds under tsx.
 */
async function execute(config: Readonly<Config>, op: OperationName, args: unknown) {
  const actor = `cli:${userInfo().username}`;
  const request = { op, args, actor };
  const response =
    (await sendControlRequest(config.dataDir, request)) ??
    (await (await import('./control/local.ts')).runLocally(config, op, args, actor));
  if (response.ok) return response.result;
  throw new CliFailure(response.error);
}

/**
 * `core install`: the CLI downloads and installs the files itself (a long download never
 * holds the control socket); a running instance then restarts its core on the new binary.
 */
async function installCore(config: Readonly<Config>, version: string | undefined) {
  const { installCore: install } = await import('./core/install.ts');
  let result;
  try {
    result = await install({ releasesUrl: config.XRAY_RELEASES_URL, dataDir: config.dataDir, version });
  } catch (error) {
    const { isAppError } = await import('./services/errors.ts');
    if (isAppError(error)) throw new CliFailure({ code: error.code, message: error.message });
    throw error;
  }
  const reload = await sendControlRequest(config.dataDir, {
    op: 'core.reload',
    args: {},
    actor: `cli:${userInfo().username}`,
  });
  if (reload && !reload.ok) throw new CliFailure(reload.error);
  const inUse = resolveCoreBin(config) === result.path;
  return {
    ...result,
    restarted: reload?.ok === true,
    ...(!inUse && { note: `CORE_BIN is set: xkeeper runs ${config.CORE_BIN}, not the installed core` }),
  };
}

/** Prints a result: JSON for machines, `key: value` lines for people. */
function print(result: unknown, json: boolean | undefined): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const rows = Array.isArray(result) ? result : [result];
  for (const row of rows) {
    if (row && typeof row === 'object') {
      for (const [k, v] of Object.entries(row)) {
        const text = typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
        process.stdout.write(`${printable(k)}: ${printable(text)}\n`);
      }
      if (rows.length > 1) process.stdout.write('\n');
    } else {
      process.stdout.write(`${printable(String(row))}\n`);
    }
  }
}

/** Builds the command tree. `program.parseAsync` runs it. */
export function buildProgram(getConfig: () => Readonly<Config>): Command {
  const program = new Command('xkeeper')
    .description('xkeeper ops: API keys, keys, backups, core, admins')
    .showHelpAfterError()
    // Options after a subcommand are its own (`core install --version v1.2.3`).
    .enablePositionalOptions()
    .exitOverride();

  /** Adds a subcommand that takes --json and runs one operation. */
  function command(parent: Command, spec: string, description: string) {
    return parent
      .command(spec)
      .description(description)
      .addOption(new Option('--json', 'machine-readable output on stdout'))
      .exitOverride();
  }

  function runs(op: OperationName, toArgs: (...a: never[]) => unknown) {
    return async (...params: unknown[]) => {
      const cmd = params[params.length - 1] as Command;
      const options = cmd.opts<GlobalOptions>();
      const result = await execute(getConfig(), op, (toArgs as (...a: unknown[]) => unknown)(...params));
      print(result, options.json);
    };
  }

  command(program, 'migrate', 'apply pending database migrations').action(runs('migrate', () => ({})));

  const admin = program.command('admin').description('owners and admins of the bot').exitOverride();
  command(admin, 'add <telegramId>', 'grant admin rights to a Telegram user').action(
    runs('admin.add', (telegramId: string) => ({ telegramId })),
  );
  command(admin, 'remove <telegramId>', 'take admin rights away').action(
    runs('admin.remove', (telegramId: string) => ({ telegramId })),
  );
  command(admin, 'list', 'list owners and admins').action(runs('admin.list', () => ({})));

  const key = program.command('key').description('VPN keys').exitOverride();
  command(key, 'create <name>', 'create a key')
    .option('--traffic-gb <n>', 'traffic limit in GB (2^30 bytes); 0 = unlimited; may be fractional')
    .option('--days <n>', 'days until expiry; 0 = never')
    .option('--telegram-id <id>', 'owner in Telegram')
    .action(
      runs('key.create', (name: string, o: { trafficGb?: string; days?: string; telegramId?: string }) => ({
        name,
        trafficGb: o.trafficGb,
        days: o.days,
        telegramId: o.telegramId,
      })),
    );
  command(key, 'list', 'list keys (newest first)').action(runs('key.list', () => ({})));
  command(key, 'kick <name>', 'new UUID and subscription URL: the old link and URL stop working at once')
    .option('--keep-subscription', 'keep the subscription URL (only the UUID changes)')
    .action(
      runs('key.kick', (name: string, o: { keepSubscription?: boolean }) => ({
        name,
        keepSubscription: o.keepSubscription === true,
      })),
    );
  for (const [verb, description] of [
    ['show', 'show one key'],
    ['reset', 'reset the traffic of the current period'],
    ['delete', 'delete a key'],
  ] as const) {
    command(key, `${verb} <name>`, description).action(runs(`key.${verb}`, (name: string) => ({ name })));
  }

  const core = program.command('core').description('the VPN core').exitOverride();
  command(core, 'status', 'flavor, version, running, pid, uptime, restarts, users in core').action(
    runs('core.status', () => ({})),
  );
  command(core, 'check', 'drift between the database and the running core').action(
    runs('core.check', () => ({})),
  );
  command(core, 'sync', 'fix drift over the API, without a restart').action(runs('core.sync', () => ({})));
  command(core, 'install', 'download, verify and install Xray-core into DATA_DIR/bin')
    .option('--version <tag>', 'release tag such as v26.3.27 (default: the latest release)')
    .action(async (o: GlobalOptions & { version?: string }) => {
      print(await installCore(getConfig(), o.version), o.json);
    });

  command(program, 'backup', 'take a backup (database + core config) now')
    .option('--out <file>', 'write the archive here instead of DATA_DIR/backups')
    .action(runs('backup', (o: { out?: string }) => ({ out: o.out && path.resolve(o.out) })));
  command(program, 'restore <file>', 'restore a backup (the current data is archived first)')
    .option('--yes', 'really replace the current data')
    .option(
      '--with-roles',
      'take admin roles from the archive (default: the live admins stay, nobody else becomes one)',
    )
    .action(async (file: string, o: GlobalOptions & { yes?: boolean; withRoles?: boolean }) => {
      const args = { file: path.resolve(file), ...(o.withRoles && { withRoles: true }) };
      if (!o.yes) {
        // Without --yes: check and preview only, and say how to go on.
        const preview = await execute(getConfig(), 'restore.preview', args);
        print(preview, o.json);
        process.stderr.write('nothing changed: add --yes to restore this backup\n');
        throw new CliFailure({ code: 'CONFIRMATION_REQUIRED', message: 'add --yes to restore' }, EXIT_USAGE);
      }
      print(await execute(getConfig(), 'restore', args), o.json);
    });

  const apikey = program.command('apikey').description('keys of the HTTP API').exitOverride();
  command(apikey, 'create', 'create an API key; the key is printed this once only')
    .requiredOption('--name <name>', 'a name to recognise the key by')
    .requiredOption('--scopes <list>', 'comma-separated scopes, e.g. "users:*,stats:read"')
    .option('--rate-minute <n>', 'requests a minute (default 120)')
    .option('--rate-hour <n>', 'requests an hour (default 3600)')
    .option(
      '--allow-ip <cidr>',
      'allowed client address or CIDR; repeat for more',
      (v, all: string[]) => [...all, v],
      [],
    )
    .option('--expires-days <n>', 'days until the key stops working (default never)')
    .action(
      runs(
        'apikey.create',
        (o: {
          name: string;
          scopes: string;
          rateMinute?: string;
          rateHour?: string;
          allowIp: string[];
          expiresDays?: string;
        }) => ({
          name: o.name,
          scopes: o.scopes,
          rateMinute: o.rateMinute,
          rateHour: o.rateHour,
          allowIp: o.allowIp,
          expiresDays: o.expiresDays,
        }),
      ),
    );
  command(apikey, 'list', 'list API keys (never their secrets)').action(runs('apikey.list', () => ({})));
  command(apikey, 'revoke <id>', 'revoke an API key for good').action(
    runs('apikey.revoke', (id: string) => ({ id })),
  );

  return program;
}

/** Entry point: returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  let config: Readonly<Config> | undefined;
  const getConfig = () => (config ??= loadConfig(process.env, { requireBotToken: false }));
  const program = buildProgram(getConfig);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not failures; anything else commander raises is bad usage.
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof CliFailure) {
      process.stderr.write(`error: ${error.body.code}: ${error.body.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_ERROR;
  }
}

process.exitCode = await main(process.argv.slice(2));
