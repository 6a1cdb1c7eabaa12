import type { Rng } from '../seed.js';

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** `prefix` followed by `length` base58 characters drawn from `rng`, shaped like the API's ids. */
export function makeId(prefix: string, length: number, rng: Rng): string {
  let id = prefix;
  for (let i = 0; i < length; i++) id += ALPHABET[rng.int(ALPHABET.length)];
  return id;
}

export const batchId = (rng: Rng): string => makeId('msgbatch_01', 22, rng);
export const requestId = (rng: Rng): string => makeId('req_011C', 20, rng);
export const messageId = (rng: Rng): string => makeId('msg_01', 22, rng);
