import { describe, expect, it } from 'vitest';
import { sourceFiles } from './source-files.js';

/** The one module allowed to touch real time. */
const REAL_CLOCK = 'src/core/real-clock.ts';

const BANNED: { pattern: RegExp; use: string }[] = [
  { pattern: /\bDate\.now\(/, use: 'the injected Clock (clock.now())' },
  { pattern: /\bnew Date\(/, use: 'formatRfc3339 / parseRfc3339 from src/core/rfc3339.ts' },
  { pattern: /\bMath\.random\(/, use: 'a seeded stream from src/sim/seed.ts' },
  { pattern: /\bsetTimeout\(/, use: 'clock.sleep(ms)' },
  { pattern: /\bperformance\.now\(/, use: 'realMonotonicMs() in src/core/real-clock.ts (benchmarks only)' },
  { pattern: /\bcrypto\.randomUUID\(/, use: 'ids drawn from a seeded stream' },
  { pattern: /\bprocess\.exit\(/, use: 'return an exit code from the command; only bin/ sets it' },
];

describe('tidy: src/ is deterministic', () => {
  it('finds source files to check', () => {
    expect(sourceFiles().length).toBeGreaterThan(10);
  });

  for (const { pattern, use } of BANNED) {
    it(`uses no ${pattern.source.replace(/\\b|\\/g, '')} outside ${REAL_CLOCK}`, () => {
      const offenders = sourceFiles()
        .filter((file) => file.path !== REAL_CLOCK)
        .flatMap((file) =>
          file.text
            .split('\n')
            .map((line, i) => ({ line, at: `${file.path}:${i + 1}` }))
            .filter(({ line }) => pattern.test(line) && !/^\s*(\/\/|\*)/.test(line))
            .map(({ at }) => `${at}: use ${use}`),
        );
      expect(offenders).toEqual([]);
    });
  }
});
