import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { canaryCase } from './arbitraries/canary-case.js';
import { driftCase, LARGE_DRIFT_GOLDEN_MIN, LARGE_DRIFT_RATE } from './arbitraries/drift-case.js';
import type { FaultEntry } from './arbitraries/fault-mix.js';
import { mappingCase } from './arbitraries/mapping-case.js';
import { rollbackCase } from './arbitraries/rollback-case.js';
import { runCase } from './arbitraries/run-case.js';
import { type SpendCaseOptions, spendCase } from './arbitraries/spend-case.js';
import { mendAll, type Switches } from './support/control-breaks.js';
import { checkProperty, DEEP, propertyTimeout } from './support/property-budget.js';

/*
 * A property that cannot fail is a defect. Here each control of the pipeline is broken in turn,
 * and the invariant's property that covers its ground must then fail, with fast-check's shrunk
 * counterexample and a replay line. A control the job file can turn off is turned off there
 * (canary.enabled: false); the others are broken from this file, never from src/: vi.mock wraps
 * the control's real module and breaks one function while its flag below is set. With every flag
 * down each mock is the real module, so the properties run exactly as in the other files.
 *
 * npm test runs one broken control per property family; test:deep runs every one, and runs the
 * same aimed cases with every control intact (they must hold, or a failure says nothing of the
 * break). Shrinking is capped (SHRINKS_MAX steps, each a pipeline run), so a counterexample may
 * not be the smallest. Over 300 lines: a mock per control, kept with the table that uses them.
 */

const FILE = 'test/controls-off.property.test.ts';

/**
 * Which control is broken now (test/support/control-breaks.ts names them all): at most one, raised
 * by its test and lowered after it. A switch never raised is absent, which reads as down.
 */
const broken = vi.hoisted(() => ({}) as Switches);

vi.mock('../src/pipeline/run/spend-guard.js', async (original) =>
  (await import('./support/control-breaks.js')).spendGuard(await original(), broken),
);
vi.mock('../src/pipeline/run/preflight.js', async (original) =>
  (await import('./support/control-breaks.js')).preflight(await original(), broken),
);
vi.mock('../src/pipeline/run/create-batch.js', async (original) =>
  (await import('./support/control-breaks.js')).createBatch(await original(), broken),
);
vi.mock('../src/pipeline/run/row-states.js', async (original) =>
  (await import('./support/control-breaks.js')).rowStates(await original(), broken),
);
vi.mock('../src/pipeline/run/reconcile-ids.js', async (original) =>
  (await import('./support/control-breaks.js')).reconcileIds(await original(), broken),
);
vi.mock('../src/pipeline/run/source-reader.js', async (original) =>
  (await import('./support/control-breaks.js')).sourceReader(await original(), broken),
);
vi.mock('../src/pipeline/gate/output-gate.js', async (original) =>
  (await import('./support/control-breaks.js')).outputGate(await original(), broken),
);
vi.mock('../src/pipeline/gate/grade-canary.js', async (original) =>
  (await import('./support/control-breaks.js')).gradeCanary(await original(), broken),
);
vi.mock('../src/pipeline/run/rollback.js', async (original) =>
  (await import('./support/control-breaks.js')).rollback(await original(), broken),
);
vi.mock('../src/pipeline/run/promote.js', async (original) =>
  (await import('./support/control-breaks.js')).promote(await original(), broken),
);

// The properties, imported afresh: a file that ran before this one in the same process (vitest's
// isolate: false) may have loaded the pipeline unmocked. vitest.config.ts already runs files that
// call vi.mock in an isolated project; this keeps the file right without that.
let P: typeof import('./support/invariant-properties.js');
beforeAll(async () => {
  vi.resetModules();
  P = await import('./support/invariant-properties.js');
});
afterEach(() => mendAll(broken));

/**
 * Shrink steps a check may take (fc.limitShrink): each is a whole pipeline run, and an unbounded
 * shrink can take minutes. The first failing case is shrunk this far, deterministically (the
 * replay line brings back the same case), though maybe not to the smallest there is.
 */
const SHRINKS_MAX = DEEP ? 40 : 2;
const capped = <T>(cases: fc.Arbitrary<T>): fc.Arbitrary<T> => fc.limitShrink(cases, SHRINKS_MAX);

/**
 * Spend cases with a guard-sized problem: 93–96 % of the lines vanish, each row is retried up to
 * 7 or 8 times, the ceiling is just above the worst case, and no escalation doubles that worst
 * case. An answer costs about a fifth of its worst case (it uses few of its max_tokens), so only
 * a storm of five attempts a row or more (here about six) bills past a ceiling at the worst case.
 */
const stormCase = (options: SpendCaseOptions = {}) =>
  spendCase({
    missing: { min: 0.93, max: 0.96 },
    attempts: { min: 7, max: 8 },
    escalation: fc.constant(false),
    ceilingFactor: fc.double({ min: 1, max: 1.02, noNaN: true }),
    create: 'never',
    rows: { min: 8, max: 12 },
    ...options,
  });

/** A run hit by one fault family, with the parameters given, and no HTTP faults beneath. */
const oneFault = (fault: FaultEntry) => runCase(fc.constant([fault])).map((c) => ({ ...c, httpRate: 0 }));

/** A drift too large for chance: most answers of a golden set of 20 or more wrong, in every batch. */
const largeDrift = () =>
  driftCase({
    rate: fc.double({ min: LARGE_DRIFT_RATE, max: 0.95, noNaN: true }),
    goldenRows: { min: LARGE_DRIFT_GOLDEN_MIN, max: 30 },
    someBatches: false,
  });

const loose = fc.double({ min: 3, max: 4, noNaN: true });

/**
 * One control and how to break it: a flag of the mocks above, or a key of the job file (`off`
 * says whether to turn it off); `property` is the invariant's property over cases aimed at the
 * control's ground, so that the broken control fails on the first case or so.
 */
interface Control {
  title: string;
  name: string;
  flag: keyof Switches | null;
  property(off: boolean): fc.IAsyncProperty<unknown>;
  /** In npm test: one per property family; the rest run under test:deep. */
  always?: boolean;
  /**
   * Cases drawn with the control broken before the property must have failed (default 4). A
   * check stops at its first failing case, so a larger budget costs only the cases that pass.
   */
  runs?: number;
}

const CONTROLS: Control[] = [
  {
    title: 'the spend guard let every round through: billed past the ceiling',
    name: 'spend guard',
    flag: 'spendGuard',
    property: () => P.spendProperty(capped(stormCase())),
    always: true,
  },
  {
    title: 'the output gate passed answers that fail the schema: an invalid row promoted',
    name: 'output gate',
    flag: 'gate',
    property: () => P.invariantsProperty(capped(oneFault({ name: 'schema_drift', params: { rate: 0.3 } }))),
    always: true,
  },
  {
    title: 'results joined by position, not custom_id: a misattributed answer promoted',
    name: 'mapping by custom_id',
    flag: 'positional',
    // Without the quote check, which catches a misattributed answer on its own when the answer
    // quotes another row. Even so, most cases halt at the canary (the golden rows, answered with
    // other rows' answers, grade low) and promote nothing for this property to judge: about two
    // cases in three, so four cases all did one CI run in four or five. 24 leave it about one in
    // 5,000; a case that halts costs a third of a second.
    property: () => P.mappingProperty(capped(mappingCase({ quoteCheck: fc.constant(false) }))),
    runs: 24,
    always: true,
  },
  {
    title: 'rollback ignored the ids it was given: rows nobody chose were restored',
    name: 'rollback of exactly the ids',
    flag: 'rollbackIds',
    property: () => P.rollbackProperty(capped(rollbackCase())),
    always: true,
  },
  {
    title: 'the golden drift check never alarms: a drop past the allowance is promoted',
    name: 'golden drift hold',
    flag: 'goldenDrift',
    // Drops past the allowance of a golden set of 20 or more rows, in most cases.
    property: () =>
      P.driftProperty(
        capped(
          driftCase({
            rate: fc.double({ min: 0.4, max: 0.95, noNaN: true }),
            goldenRows: { min: 20, max: 30 },
            someBatches: false,
          }),
        ),
      ),
    always: true,
  },
  {
    title: 'canary.enabled: false in the job file: a poisoned job is not halted',
    name: 'canary',
    flag: null,
    property: (off) =>
      P.canaryProperty(
        capped(canaryCase().filter((c) => c.poisoned)),
        off ? { canary: { enabled: false } } : {},
      ),
    always: true,
  },
  {
    title: 'golden: null in the job file: a large drop in quality is promoted',
    name: 'golden set',
    flag: null,
    property: (off) => P.driftProperty(capped(largeDrift()), off ? { golden: null } : {}),
  },
  {
    title: 'the preflight ceiling refused nothing: a launch over its worst case went ahead',
    name: 'preflight ceiling',
    flag: 'preflight',
    property: () =>
      P.spendProperty(
        capped(
          stormCase({
            ceilingFactor: fc.double({ min: 0.5, max: 0.95, noNaN: true }),
            missing: { min: 0.05, max: 0.1 },
          }),
        ),
      ),
  },
  {
    title: 'no submission ledger: a create whose outcome was lost is created again and billed twice',
    name: 'submission ledger',
    flag: 'ledger',
    property: () =>
      P.spendProperty(
        capped(
          stormCase({
            create: 'always',
            missing: { min: 0.05, max: 0.1 },
            attempts: { min: 1, max: 3 },
            ceilingFactor: fc.double({ min: 2, max: 4, noNaN: true }),
          }),
        ),
      ),
  },
  {
    title: 'reconcile forgot the ids with no result line: rows left without a disposition',
    name: 'reconcile by custom_id',
    flag: 'missingIds',
    property: () =>
      P.invariantsProperty(capped(oneFault({ name: 'silent_partial_drop', params: { missing_rate: 0.3 } }))),
  },
  {
    title: 'no requeue: a row whose answer was lost is dead-lettered with attempts left',
    name: 'requeue',
    flag: 'requeue',
    property: () =>
      P.spendProperty(
        capped(
          stormCase({ ceilingFactor: loose, missing: { min: 0.3, max: 0.5 }, attempts: { min: 3, max: 6 } }),
        ),
      ),
  },
  {
    title: 'the attempts bound off by one (< flipped to <=): a row sent once more than attempts',
    name: 'attempts bound',
    flag: 'attemptsBound',
    property: () =>
      P.spendProperty(
        capped(
          stormCase({ ceilingFactor: loose, missing: { min: 0.6, max: 0.8 }, attempts: { min: 1, max: 3 } }),
        ),
      ),
  },
  {
    title: 'the input hash ignored: a row edited after submit promoted with its old answer',
    name: 'input hash',
    flag: 'inputHash',
    property: () =>
      P.mappingProperty(capped(mappingCase({ edits: fc.double({ min: 0.3, max: 0.6, noNaN: true }) }))),
  },
  {
    title: 'the on-task check dropped: an obeyed injection promoted',
    name: 'on-task check',
    flag: 'onTask',
    // Unfenced, so that the model obeys often (the fence is the other half of this control).
    property: () =>
      P.invariantsProperty(capped(oneFault({ name: 'prompt_injection', params: { injection_rate: 0.3 } })), {
        canary: { min_rows: 5 },
        fence: false,
      }),
  },
  {
    title: 'promote kept no before-images: the chosen rows are not restored',
    name: 'before-images',
    flag: 'beforeImages',
    property: () => P.rollbackProperty(capped(rollbackCase())),
  },
];

/**
 * Break `control` and require its property to fail with a shrunk counterexample and a replay
 * line, which the test prints.
 */
async function expectCaught(control: Control): Promise<void> {
  if (control.flag) broken[control.flag] = true;
  const error = await checkProperty(
    `${control.name} (control broken)`,
    FILE,
    control.property(true),
    control.runs ?? 4,
  ).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, `the property held with ${control.name} broken: it cannot catch it`).toBeInstanceOf(Error);
  const message = (error as Error).message;
  expect(message).toMatch(/Counterexample: \[/);
  expect(message).toMatch(/Shrunk \d+ time\(s\)/);
  expect(message).toMatch(
    /replay: FC_SEED=\d+ FC_PATH=[\d:]+ npx vitest run test\/controls-off\.property\.test\.ts -t '/,
  );
  const lines = message.split('\n');
  const replay = lines.find((line) => line.startsWith('replay: ')) ?? '';
  const cause = lines[lines.indexOf(replay) - 1] ?? '';
  const counterexample = /Counterexample: (.*)/.exec(message)?.[1] ?? '';
  const shrunk = /Shrunk (\d+) time/.exec(message)?.[1];
  console.log(
    `[controls-off] ${control.name}: caught, shrunk ${shrunk} times to ${counterexample}\n  ${cause.slice(0, 300)}\n  ${replay}`,
  );
}

describe('each control, broken, fails the property that covers its ground', () => {
  for (const control of CONTROLS.filter((c) => c.always))
    it(control.title, () => expectCaught(control), propertyTimeout(120_000));
});

describe.runIf(DEEP)('every other control, broken (test:deep)', () => {
  for (const control of CONTROLS.filter((c) => !c.always))
    it(control.title, () => expectCaught(control), propertyTimeout(120_000));
});

// The same aimed cases with every control in place hold, so a failure above is the break's.
describe.runIf(DEEP)('the same properties, every control intact (test:deep)', () => {
  for (const control of CONTROLS)
    it(
      `${control.name}: holds over the cases aimed at it`,
      () => checkProperty(`${control.name} (intact)`, FILE, control.property(false), 1),
      propertyTimeout(120_000),
    );
});
