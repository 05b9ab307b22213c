// Structured log lines: one JSON object per line. Callers pass only fields that are safe to
// keep: codes, classes, ids, timings. Never a body, `data`, `result`, a URL or a header value.

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Log {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export function jsonLog(write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Log {
  const emit = (level: string) => (message: string, fields: LogFields = {}) =>
    write(JSON.stringify({ level, message, timestamp: new Date().toISOString(), ...fields }));
  return { info: emit('INFO'), warn: emit('WARN'), error: emit('ERROR') };
}

/** The class and code of an error, which say what failed without its message (which may hold a host or a value). */
export function errorFields(error: unknown): LogFields {
  if (!(error instanceof Error)) return { errorClass: typeof error };
  const code = (error as { code?: unknown }).code;
  return { errorClass: error.constructor.name, errorCode: typeof code === 'string' ? code : undefined };
}
