import { Box, Text } from 'ink';
import type { TailLine } from './gameday-state.js';

function Line({ line }: { line: TailLine }) {
  if (!line.alarm) {
    return (
      <Text dimColor>
        {line.step} {line.kind}
      </Text>
    );
  }
  return (
    <Text>
      <Text color="red" bold>
        ALARM
      </Text>{' '}
      <Text color="yellow">
        {line.step} {line.kind}
      </Text>
    </Text>
  );
}

/** The running drill's last run-log lines, indented under its row, and how many alarms it has raised. */
export function RunTail({ tail, alarms }: { tail: TailLine[]; alarms: number }) {
  return (
    <Box flexDirection="column" marginLeft={4}>
      {tail.map((line) => (
        <Line key={line.seq} line={line} />
      ))}
      <Text color={alarms > 0 ? 'yellow' : undefined} dimColor={alarms === 0}>
        alarms so far: {alarms}
      </Text>
    </Box>
  );
}
