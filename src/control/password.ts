/**
 * Reads a one-time password for `node add --password-once`: from the terminal without echo,
 * or the first line of stdin when it is not a terminal (scripts). Never from argv, where
 * every user of the machine could read it.
 */
import { createInterface } from 'node:readline';

const MAX_LENGTH = 1024;

export async function readPassword(prompt: string): Promise<string> {
  const stdin = process.stdin;
  const password = stdin.isTTY ? await fromTerminal(prompt) : await firstLine();
  if (password === '') throw new Error('no password given');
  return password;
}

/** Keys typed with echo off, until Enter; Ctrl-C aborts. */
function fromTerminal(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let typed = '';
    const done = (error: Error | null) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return done(null);
        if (char === '\u0003') return done(new Error('cancelled'));
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else if (typed.length < MAX_LENGTH) typed += char;
      }
    };
    stdin.on('data', onData);
  });
}

function firstLine(): Promise<string> {
  return new Promise((resolve) => {
    const lines = createInterface({ input: process.stdin, terminal: false });
    let answered = false;
    lines.once('line', (line) => {
      answered = true;
      lines.close();
      resolve(line.slice(0, MAX_LENGTH));
    });
    lines.once('close', () => {
      if (!answered) resolve('');
    });
  });
}
