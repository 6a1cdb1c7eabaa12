import { describe, expect, it } from 'vitest';
import { funnelStages, yDomain } from './charts.js';
import { CHART_METRICS, type Dashboard, leastSquares, type RunPoint } from './dashboard-data.js';
import { esc, htmlReport, usd, usdPerThousand } from './html-report.js';
import type { RunReport } from './run-report.js';

const SCRIPT = `<script>alert("x")</script>`;
const JOB = `rev${SCRIPT} & 'q'`;
const REASON = `schema${SCRIPT} "quoted" 'single'`;

const point = (index: number, validity: number, cost: number): RunPoint => ({
  run_id: `run-${index}`,
  index,
  status: 'promoted',
  validity,
  coverage: 1,
  escalation_rate: 0.02,
  golden_score: 0.95,
  cost_per_good_row: cost,
  cost_usd: cost * 100,
  validity_min: 0.9,
  golden_alarm_below: index === 1 ? null : 0.92,
  golden_baseline: index === 1 ? null : 0.95,
  golden_floor: 0.7,
});

const run = (p: RunPoint): RunReport => ({
  run_id: p.run_id,
  job: JOB,
  status: p.status,
  mode: 'simulation',
  seed: p.index,
  counts: { source: 100, promoted: 90, quarantined: 10, dead_lettered: 0, held: 0 },
  metrics: {
    coverage: p.coverage,
    validity: p.validity,
    // A sum of floating-point costs, with its noise.
    cost_usd: 0.1 + 0.2,
    cost_per_good_row: p.cost_per_good_row,
    escalation_rate: p.escalation_rate,
    golden_score: p.golden_score,
  },
  trend: null,
});

function dashboard(): Dashboard {
  const points = [point(1, 0.97, 0.0001347188333333335), point(2, 0.95, 0.000135), point(3, 0.93, 0.00014)];
  const fits = Object.fromEntries(
    CHART_METRICS.map((m) => [m, leastSquares(points.map((p) => ({ x: p.index, y: p[m] ?? 0 })))]),
  ) as Dashboard['jobs'][number]['fits'];
  return {
    jobs: [
      {
        job: JOB,
        mode: 'simulation',
        runs: 3,
        points,
        fits,
        latest: {
          run_id: `run-3${SCRIPT}`,
          status: 'promoted',
          source: 100,
          promoted: 90,
          held: 0,
          quarantined: [{ reason: REASON, rows: 10 }],
          dead_lettered: [],
          undisposed: 0,
        },
        cost: points.flatMap((p) => [
          {
            run_id: p.run_id,
            index: p.index,
            phase: 'main',
            model: `claude${SCRIPT}`,
            results: 100,
            input_tokens: 1000,
            output_tokens: 100,
            cost_usd: 0.1 + 0.2,
          },
          {
            run_id: p.run_id,
            index: p.index,
            phase: 'golden',
            model: 'claude-haiku-4-5',
            results: 4,
            input_tokens: 40,
            output_tokens: 4,
            cost_usd: 0.0003,
          },
        ]),
      },
    ],
    gamedays: {
      total: 2,
      gamedays: [
        {
          gameday_id: 'gd-0001',
          recorded_at: '2026-12-01T10:00:00Z',
          jobs: [],
          pass: 1,
          fail: 0,
          not_applicable: 0,
        },
        {
          gameday_id: 'gd-0002',
          recorded_at: '2026-12-02T10:00:00Z',
          jobs: [JOB],
          pass: 0,
          fail: 1,
          not_applicable: 0,
        },
      ],
      scenarios: [`drift${SCRIPT}`],
      cells: [
        { gameday_id: 'gd-0001', scenario: `drift${SCRIPT}`, verdict: 'pass', drills: 1 },
        { gameday_id: 'gd-0002', scenario: `drift${SCRIPT}`, verdict: 'fail', drills: 1 },
      ],
    },
    runs: points.map(run),
  };
}

describe('htmlReport', () => {
  it('escapes every name, reason, model and scenario from the database: no markup of theirs survives', async () => {
    const html = await htmlReport(dashboard());
    expect(html.match(/<script/gi)).toBeNull();
    expect(html).not.toContain('alert("x")</');
    // In the page's own HTML: numeric entities, quotes included.
    expect(html).toContain('rev&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#39;q&#39;');
    // In the charts' SVG, Vega's own escaping: the reason and the scenario are there, as text.
    expect(html).toContain('quarantined: schema&lt;script&gt;');
    expect(html).toContain('drift&lt;script&gt;');
    // No attribute is broken out of: every double quote in an SVG's text is inside text content.
    expect(html).not.toMatch(/="[^"]*<script/i);
  });

  it('is self-contained: no script, no external resource, one inline SVG a chart', async () => {
    const html = await htmlReport(dashboard());
    expect(html).not.toMatch(/<(script|link|img|iframe|object|embed)\b/i);
    expect(html).not.toMatch(/\b(src|srcset)=/i);
    expect(html).not.toMatch(/@import|url\((?!#)/i);
    // The only URLs are the SVG and XLink namespaces, which nothing fetches.
    const urls = new Set(html.match(/https?:\/\/[^\s"'<>)]+/g));
    expect([...urls].sort()).toEqual(['http://www.w3.org/1999/xlink', 'http://www.w3.org/2000/svg']);
    // 5 metrics, the funnel, the cost, the game days.
    expect(html.match(/<svg /g)).toHaveLength(8);
    // Ids are unique across the charts.
    const ids = [...html.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('prints money to 4 decimals without floating-point noise, a good row per 1,000', async () => {
    const html = await htmlReport(dashboard());
    const amounts = html.match(/\$[0-9][0-9.,]*/g)!;
    expect(amounts.length).toBeGreaterThan(10);
    for (const amount of amounts) expect(amount).toMatch(/^\$\d+\.\d{4}$/);
    expect(html).not.toContain('0.30000000000000004');
    expect(html).toContain('$0.3000'); // 0.1 + 0.2 dollars
    expect(html).toContain('$0.1347'); // 0.0001347188… a good row
  });

  it('draws the lines each metric has: validity its threshold, golden score its alarm and floor, every one its fit', async () => {
    const html = await htmlReport(dashboard());
    const figure = (metric: string) =>
      html.match(new RegExp(`<figure [^>]*data-metric="${metric}".*?</figure>`, 's'))![0];
    for (const metric of CHART_METRICS) {
      expect(figure(metric)).toContain('metric_marks');
      expect(figure(metric)).toContain('fit_marks');
      expect(
        figure(metric).match(/<g class="mark-symbol role-mark points_marks"[^>]*>(.*?)<\/g>/s)![1],
      ).toMatch(/^(<path[^>]*\/>){3}$/);
    }
    expect(figure('validity')).toContain('alarm_line_marks');
    expect(figure('golden_score')).toContain('alarm_line_marks');
    expect(figure('golden_score')).toContain('floor_line_marks');
    expect(figure('coverage')).not.toContain('alarm_line_marks');
    // The golden alarm of runs 2 and 3 (the first had no baseline): two segments.
    expect(
      figure('golden_score')
        .match(/alarm_line_marks"[^>]*>(.*?)<\/g>/s)![1]!
        .match(/<line /g),
    ).toHaveLength(2);
    // A falling validity reads as worse, with its slope in points a run.
    expect(figure('validity')).toContain('<span class="worse">−2.00 points a run</span> over 3 runs');
  });
});

describe('the pieces', () => {
  it('escapes text for HTML text and attributes alike, and drops control characters', () => {
    expect(esc(`a<b>&"c"'d'`)).toBe('a&#60;b&#62;&#38;&#34;c&#34;&#39;d&#39;');
    expect(esc('a\nb\u001b[2Jc\u202ed')).toBe('a b\ufffd[2Jc\ufffdd');
  });

  it('rounds dollars to 4 decimals, and the cost of a good row per 1,000', () => {
    expect(usd(0.1 + 0.2)).toBe('$0.3000');
    expect(usd(0.40415650000000003)).toBe('$0.4042');
    expect(usd(null)).toBe('—');
    expect(usdPerThousand(0.0001347188333333335)).toBe('$0.1347');
  });

  it('lists the funnel: source, promoted, each quarantine reason, dead-lettered, held, rows left over', () => {
    const stages = funnelStages({
      run_id: 'r',
      status: 'held',
      source: 10,
      promoted: 5,
      held: 1,
      quarantined: [
        { reason: 'schema', rows: 2 },
        { reason: 'a\nb', rows: 1 },
      ],
      dead_lettered: [],
      undisposed: 1,
    });
    expect(stages.map((s) => [s.stage, s.rows])).toEqual([
      ['source rows', 10],
      ['promoted', 5],
      ['quarantined: schema', 2],
      ['quarantined: a b', 1],
      ['dead-lettered', 0],
      ['held', 1],
      ['no disposition', 1],
    ]);
  });

  it('keeps a share’s axis within 0..1 and readable when the metric is flat', () => {
    const flat = {
      title: '',
      scale: 'share' as const,
      values: [1, 2].map((index) => ({ index, y: 1 })),
      alarm: [],
      floor: [],
      fit: null,
    };
    const [lo, hi] = yDomain(flat);
    expect(hi).toBe(1);
    expect(hi - lo).toBeGreaterThanOrEqual(0.05);
    expect(yDomain({ ...flat, values: [{ index: 1, y: 0 }] })[0]).toBe(0);
    expect(yDomain({ ...flat, alarm: [{ index: 1, y: 0.9 }] })[0]).toBeLessThan(0.9);
  });
});
