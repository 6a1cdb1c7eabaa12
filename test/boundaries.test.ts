import { describe, expect, it } from 'vitest';
import { importsOf, sourceFiles } from './source-files.js';

/** Which top-level areas of src/ each area may import from (dependencies point one way). */
const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  pipeline: ['core'],
  sim: ['core', 'pipeline'],
  drills: ['core', 'pipeline', 'sim'],
  ui: ['core', 'pipeline', 'sim', 'drills'],
  cli: ['core', 'pipeline', 'sim', 'drills', 'ui'],
};

function areaOf(path: string): string {
  return path.split('/')[1]!;
}

/** Resolve a relative import to the src/ area it lands in, or null for packages. */
function targetArea(fromPath: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  const parts = fromPath.split('/').slice(0, -1);
  for (const segment of specifier.split('/')) {
    if (segment === '..') parts.pop();
    else if (segment !== '.') parts.push(segment);
  }
  return parts[0] === 'src' ? (parts[1] ?? null) : 'outside-src';
}

describe('boundaries: dependencies point one way', () => {
  it('every area imports only the areas below it', () => {
    const violations = sourceFiles().flatMap((file) => {
      const from = areaOf(file.path);
      return importsOf(file.text)
        .map((specifier) => ({ specifier, to: targetArea(file.path, specifier) }))
        .filter(({ to }) => to !== null && to !== from && !(ALLOWED[from] ?? []).includes(to))
        .map(({ specifier }) => `${file.path} imports ${specifier}`);
    });
    expect(violations).toEqual([]);
  });

  it('tests beside the code keep to their area too (test/support apart)', () => {
    const tests = sourceFiles(undefined, true).filter((f) => /\.test\.tsx?$/.test(f.path));
    expect(tests.length).toBeGreaterThan(50);
    const violations = tests.flatMap((file) => {
      const from = areaOf(file.path);
      return importsOf(file.text)
        .map((specifier) => ({ specifier, to: targetArea(file.path, specifier) }))
        .filter(
          ({ to }) =>
            to !== null && to !== 'outside-src' && to !== from && !(ALLOWED[from] ?? []).includes(to),
        )
        .map(({ specifier }) => `${file.path} imports ${specifier}`);
    });
    expect(violations).toEqual([]);
  });

  it('the world and the simulated model import neither msw nor the SDK', () => {
    const plain = sourceFiles().filter((f) => /^src\/sim\/(world|model)\//.test(f.path));
    expect(plain.length).toBeGreaterThan(5);
    const leaks = plain.flatMap((file) =>
      importsOf(file.text)
        .filter((s) => s === 'msw' || s.startsWith('msw/') || s.startsWith('@anthropic-ai/sdk'))
        .map((s) => `${file.path} imports ${s}`),
    );
    expect(leaks).toEqual([]);
  });

  it('sim imports only types from pipeline', () => {
    const valueImports = sourceFiles()
      .filter((f) => areaOf(f.path) === 'sim')
      .flatMap((file) =>
        [...file.text.matchAll(/^import\s+(?!type\b)[^;]*?from\s+['"]([^'"]*\/pipeline\/[^'"]*)['"]/gm)].map(
          (m) => `${file.path} imports values from ${m[1]}`,
        ),
      );
    expect(valueImports).toEqual([]);
  });
});
