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
import type { OperationName } from './control/operations.ts';
import { APP_VERSION } from './version.ts';

const EXIT_ERROR = 1;
const EXIT_USAGE = 2;

interface GlobalOptions {
  json?: boolean;
}

/** Codes that mean a bad argument or value (exit 2); any other code is a failure (exit 1). */
const BAD_VALUE_CODES = new Set(['VALIDATION_FAILED', 'INVALID_KEY_NAME', 'INVALID_TELEGRAM_ID']);

/** A failed operation; arguments that fail validation count as bad usage. */
class CliFailure extends Error {
  readonly exitCode: number;
  constructor(
    readonly body: { code: string; message: string },
    exitCode?: number,
  ) {
    super(body.message);
    this.name = 'CliFailure';
    this.exitCode = exitCode ?? (BAD_VALUE_CODES.has(body.code) ? EXIT_USAGE : EXIT_ERROR);
  }
}

/**
 * Runs an operation on the running instance, or locally when none answers. Only the
 * socket's client is loaded up front: the local path's modules cost seconds under tsx.
 */
async function execute(config: Readonly<Config>, op: OperationName, args: unknown): Promise<Executed> {
  const actor = `cli:${userInfo().username}`;
  const request = { op, args, actor };
  // Progress of a long operation (`node add`) goes to stderr as it happens; stdout keeps the result.
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  const answer = await sendControlRequest(config.dataDir, request, undefined, progress);
  const response =
    answer ?? (await (await import('./control/local.ts')).runLocally(config, op, args, actor, progress));
  if (!response.ok) throw new CliFailure(response.error);
  let result = response.result;
  // Whether xkeeper runs is part of the status (the core may run without it, or not at all).
  if (op === 'core.status' && result && typeof result === 'object') {
    result = { ...result, xkeeper_running: answer !== null };
  }
  return { op, result, notice: response.notice, live: answer !== null };
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

interface Executed {
  /** What ran: an operation, or `core.install` (run by the CLI itself). */
  op: OperationName | 'core.install';
  result: unknown;
  /** A repeat that changed nothing says so. */
  notice?: string;
  live: boolean;
}

/** Prints a result: JSON alone on stdout for machines, tables and cards for people. */
async function print({ op, result, notice, live }: Executed, json: boolean | undefined): Promise<void> {
  if (json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    if (notice) process.stderr.write(`${notice}\n`);
    return;
  }
  // Loaded only here: --json needs none of it.
  const { printable } = await import('./control/printable.ts');
  if (notice) {
    process.stdout.write(`${printable(notice)}\n`);
    return;
  }
  const { render } = await import('./control/output.ts');
  process.stdout.write(`${render(op, result, { now: Date.now(), live })}\n`);
}

/** Builds the command tree. `program.parseAsync` runs it. */
export function buildProgram(getConfig: () => Readonly<Config>): Command {
  const program = new Command('xkeeper')
    .description('xkeeper ops: keys, plans, promo codes, API keys, backups, core, nodes, admins')
    .version(APP_VERSION, '-V, --version', 'print the xkeeper version')
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
      const executed = await execute(getConfig(), op, (toArgs as (...a: unknown[]) => unknown)(...params));
      await print(executed, options.json);
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
  command(key, 'extend <name> <days>', 'add days to the expiry (from now when already expired)').action(
    runs('key.extend', (name: string, days: string) => ({ name, days })),
  );
  command(key, 'limit <name> <gb>', 'set the traffic limit in GB (2^30 bytes); 0 = unlimited').action(
    runs('key.limit', (name: string, gb: string) => ({ name, gb })),
  );
  command(key, 'disable <name>', 'take a key out of the core; everything else is kept').action(
    runs('key.disable', (name: string) => ({ name })),
  );
  command(
    key,
    'enable <name>',
    'put a disabled key back (active, limited or expired as its limits say)',
  ).action(runs('key.enable', (name: string) => ({ name })));
  command(key, 'note <name> <text>', 'set the key\'s note ("" clears it)').action(
    runs('key.note', (name: string, text: string) => ({ name, text })),
  );

  const plan = program.command('plan').description('plans sold in the bot').exitOverride();
  /** Options shared by `plan create` and `plan update`. */
  const planOptions = (cmd: Command) =>
    cmd
      .option('--days <n>', 'days a purchase adds')
      .option('--traffic-gb <n>', 'traffic in GB (2^30 bytes); 0 = unlimited')
      .option('--stars <n>', 'price in Telegram Stars')
      .option(
        '--price <cur:amount>',
        'price in another currency, e.g. RUB:199 or USD:2.99; repeat for more',
        (v, all: string[] = []) => [...all, v],
      )
      .option('--trial', 'a free trial plan (once per person)');
  type PlanOptions = {
    name?: string;
    days?: string;
    trafficGb?: string;
    stars?: string;
    price?: string[];
    trial?: boolean;
  };
  const planArgs = (o: PlanOptions) => ({
    name: o.name,
    days: o.days,
    trafficGb: o.trafficGb,
    stars: o.stars,
    price: o.price,
    trial: o.trial,
  });
  planOptions(
    command(plan, 'create', 'create a plan').requiredOption('--name <name>', 'name shown to buyers'),
  ).action(runs('plan.create', planArgs));
  command(plan, 'list', 'list plans').action(runs('plan.list', () => ({})));
  planOptions(
    command(plan, 'update <id>', 'change a plan').option('--name <name>', 'name shown to buyers'),
  ).action(runs('plan.update', (id: string, o: PlanOptions) => ({ id, ...planArgs(o) })));
  command(plan, 'disable <id>', 'stop selling a plan').action(runs('plan.disable', (id: string) => ({ id })));
  command(plan, 'enable <id>', 'sell a plan again').action(runs('plan.enable', (id: string) => ({ id })));

  const promo = program.command('promo').description('promo codes').exitOverride();
  command(promo, 'create <code>', 'create a promo code with one effect')
    .option('--percent <n>', 'percent off (1-100)')
    .option('--stars-off <n>', 'Stars (or minor units of a currency) off')
    .option('--days <n>', 'extra days')
    .option('--max-uses <n>', 'how many people may use it (default unlimited)')
    .option('--expires-days <n>', 'days until it stops working (default never)')
    .action(
      runs(
        'promo.create',
        (
          code: string,
          o: { percent?: string; starsOff?: string; days?: string; maxUses?: string; expiresDays?: string },
        ) => ({ code, ...o }),
      ),
    );
  command(promo, 'list', 'list promo codes (newest first)').action(runs('promo.list', () => ({})));
  command(promo, 'disable <code>', 'stop a promo code').action(
    runs('promo.disable', (code: string) => ({ code })),
  );

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
      await print(
        { op: 'core.install', result: await installCore(getConfig(), o.version), live: false },
        o.json,
      );
    });

  const node = program
    .command('node')
    .description('VPN servers (nodes); every key is on every node')
    .exitOverride();
  /** Options shared by `node add` and `node set`. */
  const nodeOptions = (cmd: Command) =>
    cmd
      .option('--address <host>', 'public address written into links')
      .option('--port <n>', 'VLESS port (default 443)')
      .option('--sni <name>', 'REALITY server name (a host name)')
      .option('--display-name <text>', 'name shown to users, e.g. "🇩🇪 Frankfurt"')
      .option('--core-bin <path>', 'ssh: the Xray binary on the node')
      .option('--remote-dir <path>', 'ssh: the node directory (default /usr/local/etc/xkeeper)');
  nodeOptions(
    command(node, 'add <name>', 'add a node: every key joins it')
      .option('--ssh <user@host[:port]>', 'manage the node over SSH')
      .option('--direct <host:port>', "the node's Xray API on a private network (users and traffic only)")
      .option('--host-key <fingerprint>', 'ssh: pin this host key (SHA256:…) instead of the one seen first')
      .option(
        '--password-once',
        "ssh: install xkeeper's key with a one-time password (asked for, or the first line of stdin)",
      ),
  ).action(async (name: string, o: GlobalOptions & { passwordOnce?: boolean; ssh?: string }) => {
    const args: Record<string, unknown> = { ...o, name };
    if (o.passwordOnce && o.ssh) {
      const { readPassword } = await import('./control/password.ts');
      args.password = await readPassword(`password of ${o.ssh} (used once, not kept): `).catch(
        (error: Error) => {
          throw new CliFailure({ code: 'VALIDATION_FAILED', message: `--password-once: ${error.message}` });
        },
      );
    }
    await print(await execute(getConfig(), 'node.add', args), o.json);
  });
  command(node, 'key', "print xkeeper's SSH public key: the line for a node's authorized_keys").action(
    runs('node.key', () => ({})),
  );
  command(node, 'list', 'list nodes with their status (local first)').action(runs('node.list', () => ({})));
  for (const [verb, description] of [
    ['show', 'show one node'],
    ['check', 'check a node now: reachable, and its users against the database'],
    ['sync', 'bring a node in line with the database, without a restart'],
    ['restart', "restart a node's core (drops its connections)"],
    ['enable', 'put a node back in service: it gets every key'],
    ['disable', 'take a node out of service: its users are removed from it'],
    ['remove', 'remove a node (keys stay on the other nodes; local cannot be removed)'],
  ] as const) {
    command(node, `${verb} <name>`, description).action(runs(`node.${verb}`, (name: string) => ({ name })));
  }
  nodeOptions(
    command(node, 'set <name>', 'change a node; port, SNI and target take effect at `node restart`')
      .option('--target <host:port>', 'REALITY target (default SNI:443)')
      .option('--multiplier <x>', 'traffic on this node counts times x (0-100)')
      .option('--position <n>', 'order in lists and subscriptions')
      .option('--api-port <n>', "ssh: the Xray API port on the node's loopback")
      .option('--direct <host:port>', 'direct: the Xray API address')
      .option('--host-key <fingerprint>', 'ssh: the pinned host key (SHA256:…)'),
  ).action(runs('node.set', (name: string, o: Record<string, unknown>) => ({ ...o, name })));

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
        await print(await execute(getConfig(), 'restore.preview', args), o.json);
        process.stderr.write('nothing changed: add --yes to restore this backup\n');
        throw new CliFailure({ code: 'CONFIRMATION_REQUIRED', message: 'add --yes to restore' }, EXIT_USAGE);
      }
      await print(await execute(getConfig(), 'restore', args), o.json);
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
      process.stderr.write(`error: ${error.body.message} (${error.body.code})\n`);
      return error.exitCode;
    }
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_ERROR;
  }
}

process.exitCode = await main(process.argv.slice(2));
