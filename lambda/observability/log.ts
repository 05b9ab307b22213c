// What the adapter's code needs from a logger: Powertools' Logger (observability/telemetry.ts)
// in Lambda and locally, anything with these three methods in a test. Callers pass only fields
// that are safe to keep: codes, classes, ids, timings. Never a body, `data`, `result`, a URL,
// a userTag or a header value.

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Log {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** The class and code of an error, which say what failed without its message (which may hold a host or a value). */
export function errorFields(error: unknown): LogFields {
  if (!(error instanceof Error)) return { errorClass: typeof error };
  const code = (error as { code?: unknown }).code;
  return { errorClass: error.constructor.name, errorCode: typeof code === 'string' ? code : undefined };
}
