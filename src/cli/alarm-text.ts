/*
 * The alarm sentences live in src/pipeline/alerts/alarm-text.ts, where the UI may import them too
 * (src/ui cannot import src/cli: test/boundaries.test.ts). This path stays for the callers that
 * were told to import it here.
 */
export { ALARM_KINDS, alarmSentence, detailText } from '../pipeline/alerts/alarm-text.js';
