// What may go into a log line besides codes, ids and timings: an error's class and code, never
// its message (which may hold a host, a parameter name or a value). Never a body, `data`,
// `result`, a URL, a userTag or a header value.

export type LogFields = Record<string, string | number | boolean | null | undefined>;

/**
 * The class and code of an error, which say what failed without its message. The class is the
 * error's `name` where it has its own (ours, undici's, the SDK's and Node's all do): in the
 * minified Lambda bundle a constructor's name is a letter or two.
 */
export function errorFields(error: unknown): LogFields {
  if (!(error instanceof Error)) return { errorClass: typeof error };
  const code = (error as { code?: unknown }).code;
  const named = typeof error.name === 'string' && error.name !== '' && error.name !== 'Error';
  return { errorClass: named ? error.name : error.constructor.name, errorCode: typeof code === 'string' ? code : undefined };
}
