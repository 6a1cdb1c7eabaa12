import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';

/** A terminal's screen, as Ink writes to it: a size, and everything written, kept. */
export function recordingStdout(
  columns = 100,
  rows = 40,
): { stdout: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  Object.assign(stream, { columns, rows });
  return {
    stdout: stream as unknown as NodeJS.WriteStream,
    text: () => stripVTControlCharacters(chunks.join('')),
  };
}

/** A terminal's keyboard, as Ink reads it: raw mode, and a 'readable' event per key pressed. */
export function keyboard(): { stdin: NodeJS.ReadStream; press(key: string): void } {
  let pending: string | null = null;
  const stdin = Object.assign(new EventEmitter(), {
    isTTY: true,
    setRawMode: () => {},
    setEncoding: () => {},
    ref: () => {},
    unref: () => {},
    resume: () => {},
    pause: () => {},
    read: () => {
      const key = pending;
      pending = null;
      return key;
    },
  });
  return {
    stdin: stdin as unknown as NodeJS.ReadStream,
    press(key) {
      pending = key;
      stdin.emit('readable');
    },
  };
}
