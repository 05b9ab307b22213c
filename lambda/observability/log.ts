// What may go into a log line besides codes, ids and timings: an error's class and code, never
// its message (which may hold a host, a parameter name or a value). Never a body, `data`,
// `result`, a URL, a userTag or a header value.

export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** The class and code of an error, which say what failed without its message. */
export function errorFields(error: unknown): LogFields {
  if (!(error instanceof Error)) return { errorClass: typeof error };
  const code = (error as { code?: unknown }).code;
  return { errorClass: error.constructor.name, errorCode: typeof code === 'string' ? code : undefined };
}
