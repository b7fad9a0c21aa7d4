/**
 * The CLI's human output shows stored text as text: a note or name from the API, a restore or
 * Telegram cannot forge lines, move the cursor or clear the operator's screen.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { printable } from '../../src/control/printable.ts';
import { createServices } from '../../src/services/index.ts';
import { runCli } from '../helpers/cli.ts';
import { dataDirDb, silentLogger, tempDir, testConfig } from '../helpers/db.ts';

const HOSTILE_NOTE = 'paid\nstatus: active\r\x1b[2J\x1b[1;1Hexpire_at: never\u202egnp.exe\x07\x9b';

describe('CLI output of stored text', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('escapes control characters in a key note instead of printing them', async () => {
    const config = testConfig({ DATA_DIR: tmp.dir });
    const db = dataDirDb(tmp.dir);
    await createServices({ db, config, logger: silentLogger }).keys.create(
      { name: 'mallory', note: HOSTILE_NOTE },
      'api',
    );
    db.$client.close();

    const shown = await runCli(['key', 'show', 'mallory'], { DATA_DIR: tmp.dir });
    expect(shown.code, shown.stderr).toBe(0);
    // eslint-disable-next-line no-control-regex -- looking for control characters
    expect(shown.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/);
    const lines = shown.stdout.trimEnd().split('\n');
    const noteLines = lines.filter((line) => /^ +note +/.test(line));
    expect(noteLines).toHaveLength(1);
    expect(noteLines[0]!.replace(/^ +note +/, '')).toBe(printable(HOSTILE_NOTE));
    expect(noteLines[0]).toContain('paid\\nstatus: active\\r\\x1b[2J');
    // One card: the title line, then indented fields; the note did not forge a line.
    expect(lines[0]).toBe('mallory  active');
    expect(lines.slice(1).every((line) => line.startsWith('  '))).toBe(true);

    // --json stays exact, for scripts.
    const json = await runCli(['key', 'show', 'mallory', '--json'], { DATA_DIR: tmp.dir });
    expect(json.json<{ note: string }>().note).toBe(HOSTILE_NOTE);
  });
});
