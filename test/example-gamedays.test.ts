import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { capturingIo } from '../src/cli/io.js';
import { main } from '../src/cli/main.js';
import { jobBase } from '../src/drills/drill-base.js';
import { loadScenarios, runGameday } from '../src/drills/gameday.js';
import type { Operator } from '../src/drills/run-drill.js';
import { ROOT } from './source-files.js';

/*
 * Every example job passes the whole game day (every shipped scenario) at several seeds: the
 * proof that the fault catalog drills jobs of any shape, and that each example's controls catch
 * each failure mode. About 25 s a game day, so this runs in the deep suite (npm run test:deep);
 * test/gameday-own-job.test.ts keeps a few drills of other jobs in `npm test`.
 */

const DEEP = process.env.BATCHGUARD_DEEP === '1';
const EXAMPLES = ['reviews', 'support-tickets', 'contract-extraction', 'tool-call'];
const SEEDS = [1, 2, 3, 97];

describe.runIf(DEEP)('every example job, every scenario, several seeds', () => {
  for (const example of EXAMPLES)
    it(`${example}: every drill passes at seeds ${SEEDS.join(', ')}`, async () => {
      const base = await jobBase(join(ROOT, 'examples', example, 'job.yaml'));
      const scenarios = await loadScenarios(join(ROOT, 'scenarios'), base);
      // The runbook's steps are typed into the CLI on the drill's clock, as `gameday` types them.
      const operator: Operator = async (argv, clock) => {
        const out: string[] = [];
        return { code: await main(argv, capturingIo(out, clock)), out };
      };
      for (const seed of SEEDS) {
        const results = await runGameday(scenarios, { seed, operator });
        const failed = results.filter((r) => r.verdict !== 'pass');
        expect(
          failed.map((r) => `${r.scenario} seed ${seed}: ${r.verdict}: ${r.reasons.join('; ')}`),
          `${example} seed ${seed}`,
        ).toEqual([]);
      }
    });
});
