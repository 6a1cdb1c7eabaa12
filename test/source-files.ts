import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const ROOT = join(import.meta.dirname, '..');

/** Every non-test TypeScript source under src/ (with `tests`, its tests beside them too), as { path (relative to the root), text }. */
export function sourceFiles(dir = join(ROOT, 'src'), tests = false): { path: string; text: string }[] {
  const files: { path: string; text: string }[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(full, tests));
    else if (/\.tsx?$/.test(entry.name) && (tests || !/\.test\.tsx?$/.test(entry.name))) {
      files.push({ path: relative(ROOT, full), text: readFileSync(full, 'utf8') });
    }
  }
  return files;
}

/** The module specifiers a source file imports (static imports, re-exports and dynamic imports). */
export function importsOf(text: string): string[] {
  const specifiers: string[] = [];
  for (const match of text.matchAll(
    /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g,
  )) {
    specifiers.push((match[1] ?? match[2])!);
  }
  return specifiers;
}
