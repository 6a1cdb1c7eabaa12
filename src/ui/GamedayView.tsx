import { Box, Text } from 'ink';
import { Fragment, useEffect, useReducer } from 'react';
import { DRILL_COLUMNS, DrillRow } from './DrillRow.js';
import { GamedaySummary } from './GamedaySummary.js';
import type { GamedayEventSource } from './gameday-events.js';
import { gamedayReducer, initialGamedayState } from './gameday-state.js';
import { RunTail } from './RunTail.js';

function Heading() {
  const labels: [keyof typeof DRILL_COLUMNS, string][] = [
    ['mark', ''],
    ['scenario', 'scenario'],
    ['failureMode', 'failure mode'],
    ['control', 'expected control'],
    ['fired', 'fired'],
    ['caught', 'caught'],
    ['verdict', 'verdict'],
  ];
  return (
    <Box>
      {labels.map(([column, label]) => (
        <Box key={column} width={DRILL_COLUMNS[column]} flexShrink={0}>
          <Text bold>{label}</Text>
        </Box>
      ))}
    </Box>
  );
}

export interface GamedayViewProps {
  source: GamedayEventSource;
  /** Called once the game day has finished and its final frame has been rendered. */
  onFinished?: () => void;
}

/** The game day as it happens: one row per scenario, the running drill's log tail, then the summary. */
export function GamedayView({ source, onFinished }: GamedayViewProps) {
  const [state, dispatch] = useReducer(gamedayReducer, initialGamedayState);
  useEffect(() => source.subscribe(dispatch), [source]);
  const finished = state.results !== null;
  // An effect runs after the commit that drew the frame, so whoever unmounts here loses nothing.
  useEffect(() => {
    if (finished) onFinished?.();
  }, [finished, onFinished]);

  return (
    <Box flexDirection="column">
      <Text bold>
        batchguard game day
        {state.started
          ? `${state.job === null ? '' : ` · ${state.job}`} · ${state.seed === null ? 'scenario seeds' : `seed ${state.seed}`}`
          : ''}
      </Text>
      {state.drills.length > 0 && <Heading />}
      {state.drills.map((row) => (
        <Fragment key={row.scenario}>
          <DrillRow row={row} />
          {row.status === 'running' && <RunTail tail={row.tail} alarms={row.alarms} />}
        </Fragment>
      ))}
      {state.results && <GamedaySummary results={state.results} />}
    </Box>
  );
}
