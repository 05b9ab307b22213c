// Reading CDK context one key at a time: `-c` values arrive as strings, cdk.json values as
// JSON, and both are accepted. A bad value becomes a problem named by its key, never a throw,
// so that index.ts can report every problem at once.
/** A problem with one context key (`key` is the key, `text` the line an operator reads). */
export interface Problem {
  readonly key: string;
  readonly text: string;
}

/** An integer range a context key accepts, with its default. */
export interface IntegerRange {
  readonly min: number;
  readonly max: number;
  readonly default: number;
}

/** Reads the keys `K` of the context; a group's parser takes a Reader of its own keys only. */
export class Reader<K extends string = string> {
  private readonly context: Readonly<Record<string, unknown>>;
  private readonly problems: Problem[];

  constructor(context: Readonly<Record<string, unknown>>, problems: Problem[]) {
    this.context = context;
    this.problems = problems;
  }

  /** The raw value of a key, undefined when unset. */
  raw(key: K): unknown {
    return this.context[key];
  }

  /** Records a problem with `key`; its text starts with the key (or `key.sub`) as operators see it. */
  problem(key: K, text: string): void {
    this.problems.push({ key, text });
  }

  string(key: K, pattern: RegExp, expected: string): string | undefined {
    const value = this.context[key];
    if (value === undefined) return undefined;
    if (typeof value === 'string' && pattern.test(value)) return value;
    this.problem(key, `${key}: expected ${expected}, got ${show(value)}`);
    return undefined;
  }

  /** A string that `valid` accepts (for rules a pattern says poorly, such as a URL's parts). */
  text(key: K, valid: (value: string) => boolean, expected: string): string | undefined {
    const value = this.context[key];
    if (value === undefined) return undefined;
    if (typeof value === 'string' && valid(value)) return value;
    this.problem(key, `${key}: expected ${expected}, got ${show(value)}`);
    return undefined;
  }

  choice<T extends string>(key: K, choices: readonly T[]): T | undefined {
    const value = this.context[key];
    if (value === undefined) return undefined;
    const found = choices.find((choice) => choice === value);
    if (found === undefined) this.problem(key, `${key}: expected one of ${choices.join(', ')}, got ${show(value)}`);
    return found;
  }

  integer(key: K, min: number, max: number): number | undefined {
    const value = this.context[key];
    if (value === undefined) return undefined;
    const number = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
    if (typeof number === 'number' && Number.isSafeInteger(number) && number >= min && number <= max) return number;
    this.problem(key, `${key}: expected an integer from ${min} to ${max}, got ${show(value)}`);
    return undefined;
  }

  /** An integer in `range`, or its default when unset (also when refused: the problem is recorded). */
  ranged(key: K, range: IntegerRange): number {
    return this.integer(key, range.min, range.max) ?? range.default;
  }

  boolean(key: K): boolean | undefined {
    const value = this.context[key];
    if (value === undefined || typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    this.problem(key, `${key}: expected true or false, got ${show(value)}`);
    return undefined;
  }

  /** A JSON array, or (from `-c`) a JSON array text or a comma-separated list. */
  list(key: K, valid: (item: string) => boolean, expected: string): string[] | undefined {
    const value = this.context[key];
    if (value === undefined) return undefined;
    const items = typeof value === 'string' ? splitList(value) : value;
    if (!Array.isArray(items) || items.length === 0) {
      this.problem(key, `${key}: expected a non-empty list of ${expected}, got ${show(value)}`);
      return undefined;
    }
    const strings = items.map((item) => (typeof item === 'number' ? String(item) : item));
    const bad = strings.filter((item) => typeof item !== 'string' || !valid(item));
    if (bad.length > 0) {
      this.problem(key, `${key}: expected ${expected}; not valid: ${bad.map(show).join(', ')}`);
      return undefined;
    }
    if (new Set(strings).size !== strings.length) {
      this.problem(key, `${key}: lists a value twice`);
      return undefined;
    }
    return strings as string[];
  }

  /** A JSON object, or (from `-c`) a JSON object text; undefined (and a problem) otherwise. */
  object(key: K, expected: string): Record<string, unknown> | undefined {
    const value = this.context[key];
    if (value === undefined) return undefined;
    const object = typeof value === 'string' ? parseJson(value) : value;
    if (typeof object !== 'object' || object === null || Array.isArray(object)) {
      this.problem(key, `${key}: expected ${expected}, got ${show(value)}`);
      return undefined;
    }
    return object as Record<string, unknown>;
  }
}

export function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

function splitList(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) return parseJson(trimmed);
  return trimmed === '' ? [] : trimmed.split(',').map((item) => item.trim());
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
