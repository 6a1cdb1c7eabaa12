import { Box, Text } from 'ink';
import type { DrillResult } from '../drills/drill-result.js';

/** `17/19 drills passed`, and how many failed and did not apply when some did not apply. */
export function passedLine(results: readonly DrillResult[]): string {
  const passed = results.filter((r) => r.verdict === 'pass').length;
  const failed = results.filter((r) => r.verdict === 'fail').length;
  const notApplicable = results.filter((r) => r.verdict === 'not_applicable').length;
  const counts = notApplicable === 0 ? '' : `, ${failed} failed, ${notApplicable} not applicable`;
  return `${passed}/${results.length} drills passed${counts}`;
}

/**
 * The game day's closing lines, left on the screen when the person quits: how many drills passed
 * (and, when some did not apply, how many failed and how many did not apply), then for each failure
 * why it failed, what caught it or that nothing did, the gaps in the job's controls and how to
 * replay it; then each drill that did not apply, with its reason, so that no drill passes silently.
 * Ink wraps its long lines itself (this is the last frame: nothing redraws it).
 */
export function GamedaySummary({ results }: { results: DrillResult[] }) {
  const failed = results.filter((r) => r.verdict === 'fail');
  const notApplicable = results.filter((r) => r.verdict === 'not_applicable');
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text bold color={failed.length === 0 ? 'green' : 'red'}>
        {passedLine(results)}
      </Text>
      {failed.map((r) => (
        <Box key={r.scenario} flexDirection="column" marginTop={1}>
          <Text color="red">
            ✘ {r.scenario} ({r.failure_mode})
          </Text>
          {r.reasons.map((reason) => (
            <Text key={reason}>{`  ${reason}`}</Text>
          ))}
          <Text>{`  caught by: ${r.caught_by.length === 0 ? 'none' : r.caught_by.join(', ')}`}</Text>
          {r.gaps.map((gap) => (
            <Text key={gap} color="yellow">{`  gap: ${gap}`}</Text>
          ))}
          <Text>{`  replay: ${r.replay}`}</Text>
        </Box>
      ))}
      {notApplicable.map((r) => (
        <Box key={r.scenario} flexDirection="column" marginTop={1}>
          <Text color="yellow">
            – {r.scenario} ({r.failure_mode}): not applicable
          </Text>
          {r.gaps.map((reason) => (
            <Text key={reason} dimColor>{`  ${reason}`}</Text>
          ))}
        </Box>
      ))}
    </Box>
  );
}
