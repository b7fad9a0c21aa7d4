/**
 * bin/xkeeper.js picks what to run: the compiled build when it is current, the TypeScript
 * through tsx otherwise. Checked on a copy of the project, so dist/ can be made stale or
 * removed without touching the one other tests use.
 */
import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/db.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('the xkeeper entry point', () => {
  const tmp = tempDir();
  const clone = path.join(tmp.dir, 'xkeeper');
  afterAll(() => tmp.cleanup());

  // A fresh clone: sources and runtime files, node_modules as after `npm ci`, no dist/.
  beforeAll(() => {
    mkdirSync(clone);
    for (const entry of [
      'bin',
      'src',
      'drizzle',
      'locales',
      'package.json',
      'tsconfig.json',
      'tsconfig.build.json',
    ]) {
      cpSync(path.join(ROOT, entry), path.join(clone, entry), { recursive: true });
    }
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(clone, 'node_modules'));
  });

  /** `xkeeper migrate --json` from the clone; its stdout. */
  const migrate = async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [path.join(clone, 'bin/xkeeper.js'), 'migrate', '--json'],
      { env: { PATH: process.env.PATH ?? '', DATA_DIR: path.join(tmp.dir, 'data') }, timeout: 60_000 },
    );
    return stdout;
  };

  /** A stand-in dist/cli.js that says it ran, dated `at`. */
  function fakeBuild(at: Date) {
    const cli = path.join(clone, 'dist/cli.js');
    mkdirSync(path.dirname(cli), { recursive: true });
    writeFileSync(cli, "process.stdout.write('the build ran\\n');\n");
    utimesSync(cli, at, at);
  }

  it('runs the TypeScript sources when there is no build', async () => {
    expect(JSON.parse(await migrate())).toMatchObject({ latest: expect.any(String) });
  });

  it('ignores a build older than a source file, and runs one at least as new as every source', async () => {
    fakeBuild(new Date(Date.now() - 3_600_000));
    utimesSync(path.join(clone, 'src/cli.ts'), new Date(), new Date()); // edited since the build
    expect(JSON.parse(await migrate())).toMatchObject({ latest: expect.any(String) });

    fakeBuild(new Date(Date.now() + 60_000));
    expect(await migrate()).toBe('the build ran\n');
    rmSync(path.join(clone, 'dist'), { recursive: true });
  });

  it(
    'runs the build after sources are rewritten with the same content and `npm run build` reuses it',
    { timeout: 180_000 },
    async () => {
      // The build of these very sources, as `npm test` made it (else build.js compiles one).
      if (existsSync(path.join(ROOT, 'dist'))) {
        const built = path.basename(realpathSync(path.join(ROOT, 'dist')));
        cpSync(path.join(ROOT, built), path.join(clone, built), { recursive: true });
      }
      const build = () =>
        promisify(execFile)(process.execPath, [path.join(clone, 'bin/build.js')], {
          cwd: clone,
          timeout: 150_000,
        });
      await build();
      // A marker in the build, so its run can be told from the sources' (same output otherwise).
      const cli = path.join(clone, 'dist/cli.js');
      writeFileSync(cli, `process.stdout.write('the build ran\\n');\n${readFileSync(cli, 'utf8')}`);
      expect((await migrate()).split('\n')[0]).toBe('the build ran');

      // A checkout back and forth: the same content, newer files. The build is reused by its hash.
      const source = path.join(clone, 'src/cli.ts');
      const earlier = new Date(Date.now() - 60_000);
      utimesSync(cli, earlier, earlier); // built a minute ago
      writeFileSync(source, readFileSync(source));
      await build();
      expect(realpathSync(path.join(clone, 'dist/cli.js'))).toBe(realpathSync(cli));
      expect((await migrate()).split('\n')[0]).toBe('the build ran');
    },
  );
});
