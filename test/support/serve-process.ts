import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin/batchguard.js');

/** A running `batchguard serve` on a free port: its process, its URL, and what it has printed. */
export interface ServeProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** Start `batchguard serve --port 0 …args` and resolve once it prints the URL it listens on. */
export function startServe(args: readonly string[] = []): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], { cwd: ROOT });
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = /API on (http:\/\/\S+)/.exec(output)?.[1];
      if (url) resolve({ child, url, output: () => output });
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code} before listening:\n${output}`)));
  });
}
