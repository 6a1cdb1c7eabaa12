// What the examples' generate.mjs scripts share: a seeded generator and CSV writing, so each
// example's files come out byte for byte the same on every run.

// mulberry32: a small seeded generator.
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  const pick = (list) => list[int(list.length)];
  return { next, int, pick };
}

const csvField = (v) => {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** Rows of one shape as CSV, with a header line. */
export const csvOf = (rows) =>
  `${Object.keys(rows[0]).join(',')}\n${rows.map((r) => Object.values(r).map(csvField).join(',')).join('\n')}\n`;

/** `{slot}` placeholders in `text` filled from `slots`. */
export const fill = (text, slots) => text.replace(/\{(\w+)\}/g, (_, k) => slots[k]);
