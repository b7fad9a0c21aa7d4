/**
 * The CLI as an operator uses it (issue 15): plans, promo codes and every key action from the
 * command line, tables and cards for people, `--json` for scripts, errors in the operator's
 * words with exit 2 for a bad value and 1 for a failure, repeats that succeed and say so.
 * Each test runs the real CLI as a child process, on the files and against a running instance.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startControlServer } from '../../src/control/socket.ts';
import { runCli } from '../helpers/cli.ts';
import { silentLogger, tempDir, testServices } from '../helpers/db.ts';

/** Text a validation library would print instead of the operator's words. */
const LIBRARY_TEXT = /Invalid input|expected (number|string)|received|NaN|ZodError|telegramId/;

// Each CLI call is a child process: a test of several takes a while on a busy machine.
describe('xkeeper CLI for operators, on the files (nothing running)', { timeout: 300_000 }, () => {
  const tmp = tempDir();
  const env = { DATA_DIR: tmp.dir, ADMIN_IDS: '42' };
  const cli = (...args: string[]) => runCli(args, env);
  afterAll(() => tmp.cleanup());

  it('prints its version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    const version = await cli('--version');
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(pkg.version);
  });

  it('says so when a list is empty, in human output and as [] in JSON', async () => {
    expect((await cli('key', 'list')).stdout).toMatch(/^no keys yet/);
    expect((await cli('plan', 'list')).stdout).toMatch(/^no plans yet/);
    expect((await cli('promo', 'list')).stdout).toMatch(/^no promo codes yet/);
    expect((await cli('apikey', 'list')).stdout).toMatch(/^no API keys yet/);
    expect((await cli('plan', 'list', '--json')).json()).toEqual([]);
  });

  it('creates, lists, updates, disables and enables plans', async () => {
    const created = await cli(
      'plan',
      'create',
      '--name',
      'Month',
      '--days',
      '30',
      '--traffic-gb',
      '50',
      '--stars',
      '100',
      '--price',
      'RUB:199',
      '--price',
      'usd:2.99',
      '--json',
    );
    expect(created.code, created.stderr).toBe(0);
    const plan = created.json();
    expect(plan).toMatchObject({
      name: 'Month',
      days: 30,
      traffic_gb: 50,
      price_stars: 100,
      prices: { RUB: 19900, USD: 299 },
      trial: false,
      active: true,
    });
    expect(plan.id).toBeGreaterThan(0);
    const trial = (await cli('plan', 'create', '--name', 'Trial', '--days', '3', '--trial', '--json')).json();
    expect(trial).toMatchObject({ trial: true, price_stars: null });

    const updated = await cli('plan', 'update', String(plan.id), '--stars', '120', '--json');
    expect(updated.json()).toMatchObject({ id: plan.id, price_stars: 120, prices: { RUB: 19900 } });

    const disabled = await cli('plan', 'disable', String(plan.id), '--json');
    expect(disabled.json()).toMatchObject({ id: plan.id, active: false });
    const again = await cli('plan', 'disable', String(plan.id));
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).toBe(`plan ${plan.id} was already disabled`);

    const list = await cli('plan', 'list');
    const lines = list.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +NAME +DAYS +TRAFFIC +PRICE +STATE$/);
    expect(lines).toHaveLength(3);
    const month = lines.find((l) => l.includes('Month'))!;
    expect(month).toMatch(/50 GiB +120 Stars, 199 RUB, 2\.99 USD +disabled$/);
    // Aligned: every row's STATE column starts where the header's does.
    expect(lines.map((l) => l.search(/(STATE|disabled|on sale)$/))).toEqual(
      Array(3).fill(lines[0]!.indexOf('STATE')),
    );

    expect((await cli('plan', 'enable', String(plan.id), '--json')).json()).toMatchObject({ active: true });
  });

  it('creates, lists and disables promo codes; exactly one effect', async () => {
    const spring = await cli(
      'promo',
      'create',
      'SPRING',
      '--percent',
      '20',
      '--max-uses',
      '10',
      '--expires-days',
      '30',
      '--json',
    );
    expect(spring.code, spring.stderr).toBe(0);
    expect(spring.json()).toMatchObject({
      code: 'SPRING',
      kind: 'percent',
      value: 20,
      max_uses: 10,
      active: true,
    });
    const week = (await cli('promo', 'create', 'WEEK', '--days', '7', '--json')).json();
    expect(week).toMatchObject({ kind: 'days', value: 7, max_uses: null, expire_at: null });
    const stars = (await cli('promo', 'create', 'STARS5', '--stars-off', '5', '--json')).json();
    expect(stars).toMatchObject({ kind: 'fixed', value: 5 });

    const both = await cli('promo', 'create', 'BOTH', '--percent', '10', '--days', '3');
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/exactly one of --percent, --stars-off or --days/);

    const list = await cli('promo', 'list');
    expect(list.stdout).toMatch(/^CODE +EFFECT +USES +EXPIRES +STATE\n/);
    expect(list.stdout).toMatch(/SPRING +20% off +0 \/ 10 +in 30 days +active/);
    expect(list.stdout).toMatch(/WEEK +\+7 days +0 \/ unlimited +never +active/);

    expect((await cli('promo', 'disable', 'spring', '--json')).json()).toMatchObject({
      code: 'SPRING',
      active: false,
    });
    const again = await cli('promo', 'disable', 'SPRING');
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).toBe('promo code SPRING was already disabled');
    expect((await cli('promo', 'disable', 'NOPE')).code).toBe(1);
  });

  it('runs every key action, and a repeat says what already was', async () => {
    await cli('key', 'create', 'alice', '--traffic-gb', '50', '--days', '12');
    const list = await cli('key', 'list');
    expect(list.stdout).toMatch(/^NAME +STATUS +TRAFFIC +EXPIRES +ONLINE +TELEGRAM\n/);
    expect(list.stdout).toMatch(/alice +active +0 B \/ 50 GiB +in 12 days +never/);

    const extended = (await cli('key', 'extend', 'alice', '3', '--json')).json();
    const days = (Date.parse(extended.expire_at) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(14.9);
    expect(days).toBeLessThan(15.1);

    expect((await cli('key', 'limit', 'alice', '0.5', '--json')).json().traffic_limit_bytes).toBe(2 ** 29);
    expect((await cli('key', 'limit', 'alice', '0', '--json')).json().traffic_limit_bytes).toBeNull();

    expect((await cli('key', 'disable', 'alice', '--json')).json().status).toBe('disabled');
    const disabledAgain = await cli('key', 'disable', 'alice');
    expect(disabledAgain.code).toBe(0);
    expect(disabledAgain.stdout.trim()).toBe('key alice was already disabled');
    expect((await cli('key', 'enable', 'alice', '--json')).json().status).toBe('active');
    const enabledAgain = await cli('key', 'enable', 'alice', '--json');
    expect(enabledAgain.code).toBe(0);
    expect(enabledAgain.json().status).toBe('active');
    expect(enabledAgain.stderr).toMatch(/key alice was not disabled/);

    expect((await cli('key', 'note', 'alice', 'paid till May', '--json')).json().note).toBe('paid till May');
    const card = await cli('key', 'show', 'alice');
    expect(card.stdout).toMatch(/^alice {2}active\n/);
    expect(card.stdout).toMatch(/\n {2}traffic +0 B \/ unlimited/);
    expect(card.stdout).toMatch(/\n {2}expires +\d{4}-\d\d-\d\d \d\d:\d\d UTC \(in 15 days\)\n/);
    expect(card.stdout).toMatch(/\n {2}note +paid till May\n/);

    const missing = await cli('key', 'extend', 'nobody', '3');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no key named "nobody"/);
  });

  it('words bad values for the operator and exits 2; a failure exits 1', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['admin', 'add', 'abc'], /TGID must be a Telegram user id \(a number\)/],
      [['key', 'extend', 'alice', 'soon'], /DAYS must be a whole number of days/],
      [['key', 'limit', 'alice', '-1'], /GB must be a number of GB, 0 or more/],
      [['key', 'create', 'bob', '--days', 'x'], /--days must be a whole number of days/],
      [['plan', 'create', '--name', 'X', '--days', 'abc'], /--days must be a whole number of days from 1/],
      [['plan', 'create', '--name', 'X', '--days', '3', '--price', 'RUB'], /--price must be CUR:AMOUNT/],
      [['plan', 'update', 'first', '--days', '3'], /ID must be a number/],
      [['promo', 'create', 'X1', '--percent', '150'], /--percent must be a whole number from 1 to 100/],
      [['apikey', 'revoke', 'abc'], /ID must be a number/],
      [
        ['apikey', 'create', '--name', 'n', '--scopes', 'users:read', '--rate-minute', 'lots'],
        /--rate-minute must be/,
      ],
    ];
    for (const [args, message] of cases) {
      const result = await cli(...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stdout, args.join(' ')).toBe('');
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.stderr, args.join(' ')).not.toMatch(LIBRARY_TEXT);
    }
    expect((await cli('plan', 'update', '999', '--days', '3')).code).toBe(1);
  });

  it('says when an admin or an API key already was what the command asks, and exits 0', async () => {
    expect((await cli('admin', 'add', '7')).stdout.trim()).toBe('7 is now an admin');
    const again = await cli('admin', 'add', '7');
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).toBe('admin 7 is already an admin');
    const notAdmin = await cli('admin', 'remove', '8');
    expect(notAdmin.code).toBe(0);
    expect(notAdmin.stdout.trim()).toBe('8 was not an admin');

    const created = await cli('apikey', 'create', '--name', 'ci', '--scopes', 'plans:*');
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/\n {2}xk_\S+\n/);
    expect(created.stdout).toMatch(/shown once only/);
    const { id } = (await cli('apikey', 'list', '--json')).json()[0];
    expect((await cli('apikey', 'revoke', String(id))).stdout.trim()).toBe(`API key ${id} (ci) revoked`);
    const revokedAgain = await cli('apikey', 'revoke', String(id), '--json');
    expect(revokedAgain.code).toBe(0);
    expect(revokedAgain.json().status).toBe('revoked');
    expect(revokedAgain.stderr.trim()).toBe(`API key ${id} was already revoked`);
  });

  it('core status says xkeeper is not running', async () => {
    const human = await cli('core', 'status');
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/\n {2}xkeeper +not running/);
    expect((await cli('core', 'status', '--json')).json()).toMatchObject({ xkeeper_running: false });
  });

  it('backup --out to a missing folder fails cleanly and leaves no stray archive', async () => {
    const backups = path.join(tmp.dir, 'backups');
    const archives = () => (existsSync(backups) ? readdirSync(backups) : []);
    const before = archives();
    const result = await cli('backup', '--out', path.join(tmp.dir, 'missing', 'x.tar.gz'));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/folder .*missing does not exist/);
    expect(result.stderr).not.toMatch(/ENOENT|copyfile/);
    expect(archives()).toEqual(before);
  });

  it('restore prints its preview once, and the result agrees with it', async () => {
    const file = path.join(tmp.dir, 'snap.tar.gz');
    expect((await cli('backup', '--out', file)).code).toBe(0);
    await cli('key', 'create', 'later');

    const preview = await cli('restore', file);
    expect(preview.code).toBe(2);
    expect(preview.stdout.match(/holds/g)).toHaveLength(1);
    expect(preview.stderr).toMatch(/nothing changed: add --yes/);
    const holds = /\n +holds +(.*)/.exec(preview.stdout)![1];

    const restored = await cli('restore', file, '--yes');
    expect(restored.code, restored.stderr).toBe(0);
    expect(/\n +restored +(.*)/.exec(restored.stdout)![1]).toBe(holds);
    expect(restored.stderr).toBe('');

    const previewJson = (await cli('restore', file, '--json')).json();
    const restoredJson = (await cli('restore', file, '--yes', '--json')).json();
    expect(restoredJson.counts).toEqual(previewJson.counts);
  });
});

describe('xkeeper CLI for operators, against a running instance', { timeout: 300_000 }, () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('runs plan, promo and key actions in the instance; repeats and status say so', async () => {
    const { services } = testServices();
    const control = await startControlServer({ dataDir: tmp.dir, services, logger: silentLogger });
    const cli = (...args: string[]) => runCli(args, { DATA_DIR: tmp.dir });
    try {
      const plan = (
        await cli('plan', 'create', '--name', 'Week', '--days', '7', '--stars', '50', '--json')
      ).json();
      expect(services.payments.getPlan(plan.id)).toMatchObject({ name: 'Week', priceStars: 50 });
      await cli('promo', 'create', 'LIVE', '--percent', '15');
      expect(services.payments.listPromos()[0]).toMatchObject({ code: 'LIVE', kind: 'percent', value: 15 });
      expect((await cli('promo', 'disable', 'LIVE')).code).toBe(0);
      const again = await cli('promo', 'disable', 'LIVE');
      expect(again.stdout.trim()).toBe('promo code LIVE was already disabled');

      await services.keys.create({ name: 'bob' }, 'test');
      expect((await cli('key', 'disable', 'bob', '--json')).json().status).toBe('disabled');
      expect(services.keys.get('bob').status).toBe('disabled');
      expect((await cli('key', 'disable', 'bob')).stdout.trim()).toBe('key bob was already disabled');
      expect((await cli('key', 'note', 'bob', 'vip', '--json')).json().note).toBe('vip');
      expect(services.keys.get('bob').note).toBe('vip');

      const bad = await cli('key', 'limit', 'bob', 'many');
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/GB must be a number of GB/);
      expect(bad.stderr).not.toMatch(LIBRARY_TEXT);
    } finally {
      await control.close();
    }
  });
});
