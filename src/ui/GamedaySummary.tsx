import { Box, Text } from 'ink';
import type { DrillResult } from '../drills/drill-result.js';

/** The game day's closing lines: how many drills passed, then why each failure failed and how to replay it. */
export function GamedaySummary({ results }: { results: DrillResult[] }) {
  const passed = results.filter((r) => r.verdict === 'pass').length;
  const failed = results.filter((r) => r.verdict === 'fail');
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text bold color={failed.length === 0 ? 'green' : 'red'}>
        {passed}/{results.length} drills passed
      </Text>
      {failed.map((r) => (
        <Box key={r.scenario} flexDirection="column" marginTop={1}>
          <Text color="red">
            ✘ {r.scenario} ({r.failure_mode})
          </Text>
          {r.reasons.map((reason) => (
            <Text key={reason}>{`  ${reason}`}</Text>
          ))}
          <Text>{`  replay: ${r.replay}`}</Text>
        </Box>
      ))}
    </Box>
  );
}
