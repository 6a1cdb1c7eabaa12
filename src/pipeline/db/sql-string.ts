/**
 * Text as a SQL string literal, for the places a statement cannot take a parameter (a table
 * function's file name, a COPY's target) or builds text into an expression: quotes doubled.
 */
export const sqlString = (text: string): string => `'${text.replaceAll("'", "''")}'`;
