/**
 * A 53-bit digest of a prompt (cyrb53, public domain, bryc), so the model's seeded draws can be
 * keyed by the prompt without rehashing hundreds of characters for every draw: keyedUnit over
 * (seed, purpose, model, digest) costs a fifth of keyedUnit over the prompt itself. Collisions
 * (about 1 in 2^53 per pair) would only make two prompts share their draws.
 */
export function promptDigest(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
