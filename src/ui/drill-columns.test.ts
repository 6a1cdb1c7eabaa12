import { describe, expect, it } from 'vitest';
import { cell, cut, drillColumns, visibleWindow, wrapWords } from './drill-columns.js';
import { SHIPPED_SCENARIOS } from './gameday-fixtures.js';

const shipped = SHIPPED_SCENARIOS.map(([scenario, failureMode, expectedControl]) => ({
  scenario,
  failureMode,
  expectedControl,
}));

const total = (c: ReturnType<typeof drillColumns>) =>
  c.mark + c.scenario + c.failureMode + c.control + c.fired + c.caught + c.verdict + c.time;

describe('drillColumns', () => {
  it('fits the shipped scenarios in 80 columns with every scenario name whole', () => {
    const c = drillColumns(80, shipped);
    expect(total(c)).toBeLessThanOrEqual(80);
    expect(c.scenario).toBe('poisoned-template-wrong-column'.length + 1);
    expect(c.fired + c.caught).toBe(0);
  });

  it('gives wider terminals wider columns, and fired and caught where there is room', () => {
    const at100 = drillColumns(100, shipped);
    const at160 = drillColumns(160, shipped);
    expect(total(at100)).toBeLessThanOrEqual(100);
    expect(total(at160)).toBeLessThanOrEqual(160);
    expect(at100.failureMode).toBeGreaterThan(drillColumns(80, shipped).failureMode);
    expect(at160.fired).toBeGreaterThan(0);
    expect(at160.caught).toBeGreaterThan(0);
  });

  it('takes no more than its entries need', () => {
    const c = drillColumns(160, [{ scenario: 'a', failureMode: 'expiry', expectedControl: 'requeue' }]);
    expect([c.scenario, c.failureMode, c.control]).toEqual([
      'scenario '.length,
      'failure mode '.length,
      'expected control '.length,
    ]);
  });
});

describe('cut and cell', () => {
  it('ends a cut text with an ellipsis, within the width', () => {
    expect(cut('submission_ledger', 8)).toBe('submiss…');
    expect(cut('short', 8)).toBe('short');
    expect(cut('anything', 0)).toBe('');
  });

  it('pads a cell to its width, keeping one cell of gap', () => {
    expect(cell('submission_ledger', 8)).toBe('submis… ');
    expect(cell('ok', 5)).toBe('ok   ');
  });
});

describe('visibleWindow', () => {
  it('shows everything when it fits, and keeps the selection near the middle when it does not', () => {
    expect(visibleWindow(5, 4, 10)).toEqual({ start: 0, end: 5 });
    expect(visibleWindow(19, 0, 6)).toEqual({ start: 0, end: 6 });
    expect(visibleWindow(19, 10, 6)).toEqual({ start: 7, end: 13 });
    expect(visibleWindow(19, 18, 6)).toEqual({ start: 13, end: 19 });
  });
});

describe('wrapWords', () => {
  it('breaks at spaces within the width, indenting the later lines, and cuts a word too long for any line', () => {
    expect(wrapWords('replay: npx batchguard drill x.yaml --seed 1', 20, '  ')).toEqual([
      'replay: npx',
      '  batchguard drill',
      '  x.yaml --seed 1',
    ]);
    expect(wrapWords(`a ${'y'.repeat(30)}`, 10)).toEqual(['a', '  yyyyyyy…']);
    expect(wrapWords('  held: coverage, mapping', 18, '      ')).toEqual([
      '  held: coverage,',
      '      mapping',
    ]);
  });
});
