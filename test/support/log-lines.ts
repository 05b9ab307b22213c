// The adapter's captured output read back as records: Powertools log lines and EMF metric
// lines, one JSON object per line.

export type LogRecord = Record<string, unknown>;

export interface EmfRecord extends LogRecord {
  _aws: { Timestamp: number; CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> };
}

/** Every JSON line in the captured text; anything else fails the test that reads it. */
export function parseLines(text: string): LogRecord[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as LogRecord;
      } catch {
        throw new Error(`not a JSON line: ${line.slice(0, 200)}`);
      }
    });
}

/** The one line per request (request-summary.ts). */
export const requestLines = (records: LogRecord[]): LogRecord[] => records.filter((record) => record.message === 'request');

export const emfLines = (records: LogRecord[]): EmfRecord[] => records.filter((record): record is EmfRecord => '_aws' in record);
