import { appendFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CoreLogTail, levelOfCoreLine } from '../../src/core/core-log.ts';
import { createLogger } from '../../src/logger.ts';
import { makeTempDir, removeDir } from './fixtures.ts';

describe('core log', () => {
  let dir: string;
  let file: string;
  let lines: Array<{ level: number; msg: string }>;
  let tail: CoreLogTail;

  beforeEach(() => {
    dir = makeTempDir();
    file = path.join(dir, 'core.log');
    lines = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
        done();
      },
    });
    tail = new CoreLogTail(file, createLogger({ level: 'debug', destination: sink, pretty: false }));
  });
  afterEach(async () => {
    await tail.stop();
    removeDir(dir);
  });

  it('maps core lines to pino levels', () => {
    // The core's normal start is tagged as a warning; an operator reads it as news, not trouble.
    expect(levelOfCoreLine('2026/11/27 15:31:03 [Warning] v2ray.com/core: V2Ray 4.34.0 started')).toBe(
      'info',
    );
    expect(levelOfCoreLine('2026/12/07 01:51:35 [Warning] core: Xray 1.8.4 started')).toBe('info');
    expect(levelOfCoreLine('2026/11/27 15:31:03 [Warning] app/x: something else')).toBe('warn');
    expect(levelOfCoreLine('2026/11/27 15:31:03 [Error] app/dispatcher: failed to x')).toBe('error');
    expect(levelOfCoreLine('2026/11/27 15:31:03 [Info] failed to process outbound traffic')).toBe('info');
    expect(levelOfCoreLine('panic: runtime error')).toBe('error');
    // The start banner is no log entry an operator needs.
    expect(levelOfCoreLine('A unified platform for anti-censorship.')).toBe('debug');
    expect(levelOfCoreLine('V2Ray 4.34.0 (user) 20230518-074445 (go1.19.8 linux/amd64)')).toBe('debug');
  });

  it('follows the file from its end, line by line, into pino', async () => {
    writeFileSync(file, 'old line logged by a previous xkeeper\n');
    await tail.start();
    appendFileSync(file, '2026/11/27 [Warning] started\npartial');
    await tail.flush();
    expect(lines.map((l) => [l.level, l.msg])).toEqual([[40, '2026/11/27 [Warning] started']]);
    appendFileSync(file, ' line\n');
    await tail.flush();
    expect(lines.at(-1)?.msg).toBe('partial line');
    expect(tail.lastLines()).toEqual(['2026/11/27 [Warning] started', 'partial line']);
  });

  it('follows a file emptied underneath it', async () => {
    writeFileSync(file, 'a\nb\n');
    await tail.start();
    writeFileSync(file, '');
    appendFileSync(file, 'c\n');
    await tail.flush();
    expect(lines.map((l) => l.msg)).toEqual(['c']);
    expect(statSync(file).size).toBe(2);
  });
});
