// local/parameters.json stands in for Parameter Store: one JSON object from parameter names
// to values, exactly as they would be in SSM. The loopback SSM endpoint reads it on every
// request, so saving the file is the local `aws ssm put-parameter --overwrite`.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { ParameterSource } from './ssm-server.ts';

export const DEFAULT_PARAMETER_PREFIX = '/contract-adapter/local';

export class ParametersFileError extends Error {
  override name = 'ParametersFileError';
}

/**
 * Checks the file's text: an object whose names are SSM-style paths and whose values are
 * strings. An object or array value is stored as its JSON text, so a model's `config` or an
 * ensemble can be written as JSON rather than as an escaped string.
 */
export function parseParameters(text: string): Record<string, string> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ParametersFileError(`not valid JSON (${(error as Error).message})`, { cause: error });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ParametersFileError('expected a JSON object from parameter names to values');
  }
  const parameters: Record<string, string> = {};
  for (const [name, value] of Object.entries(json)) {
    if (!name.startsWith('/')) throw new ParametersFileError(`parameter name ${JSON.stringify(name)} does not start with "/"`);
    if (typeof value === 'string') parameters[name] = value;
    else if (typeof value === 'object' && value !== null) parameters[name] = JSON.stringify(value);
    else throw new ParametersFileError(`parameter ${name}: expected a string (or a JSON object or array)`);
  }
  return parameters;
}

export function readParametersFile(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ParametersFileError(`cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
      cause: error,
    });
  }
  try {
    return parseParameters(text);
  } catch (error) {
    throw new ParametersFileError(`${path}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * A parameter source for the SSM endpoint that re-reads the file on every call. A file that
 * is broken (say, half-saved) throws, so the endpoint answers 500 and the handler keeps its
 * last good values. `onChange` hears of each transition: a problem message, or null when
 * the file reads cleanly again.
 */
export function parametersFileSource(path: string, onChange?: (problem: string | null) => void): ParameterSource {
  let lastProblem: string | null = null;
  const report = (problem: string | null): void => {
    if (problem !== lastProblem) {
      lastProblem = problem;
      onChange?.(problem);
    }
  };
  return () => {
    try {
      const parameters = readParametersFile(path);
      report(null);
      return parameters;
    } catch (error) {
      report((error as Error).message);
      throw error;
    }
  };
}

/** Writes the file whole (temp file and rename), so no reader ever sees half of it. Objects are written as JSON, as the file allows. */
export function writeParametersFile(path: string, parameters: Record<string, string | Record<string, unknown>>): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(parameters, null, 2)}\n`);
  renameSync(temp, path);
}

/** The SSM name of a model's endpoint parameter. */
export const endpointParameter = (prefix: string, model: string): string => `${prefix}/models/${model}/endpoint`;
