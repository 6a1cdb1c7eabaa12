import { Text } from 'ink';
import { cut } from './drill-columns.js';

/** The keys, as `?` lists them; k9s, lazygit and less take the same ones. */
export const KEY_HELP = [
  'keys',
  '  j/k ↓/↑   move through the drills (in a drill: scroll)',
  '  Enter     open the drill; Enter, Esc or Backspace goes back',
  '  r         re-run the drill at its seed (after the game day; not stored)',
  '  f         only failed drills / all of them',
  '  ?         these keys',
  '  q         quit (while a drill runs: once it ends)',
] as const;

/** One line of key hints, or the whole key list when `full`. */
export function keyHelpLines(full: boolean, inDetail: boolean): string[] {
  if (full) return [...KEY_HELP];
  return [
    inDetail
      ? 'Esc back · j/k scroll · r re-run · ? keys · q quit'
      : 'j/k move · Enter open · r re-run · f failures · ? keys · q quit',
  ];
}

export function KeyHelp({ lines, width }: { lines: readonly string[]; width: number }) {
  return lines.map((line) => (
    <Text key={line} dimColor wrap="truncate-end">
      {cut(line, width)}
    </Text>
  ));
}
