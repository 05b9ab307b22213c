// A model's error rules (docs/models.md, "Error rules"): what a non-2xx answer means for B when
// its status alone would say something false. Real model servers answer a row of the wrong
// width with a 500, which by status is a retryable 502; a rule that recognises the body makes
// it 422 MODEL_REJECTED_INPUT, or a 502/503 with the retry hint it states. Rules are compiled
// with the config (once per version); a request only matches what is compiled. The body is
// read up to call-model.ts's cap, never logged, and never passed to B except as `details`
// under exposeUpstreamErrors.
import { AdapterError } from '../contract/errors.ts';
import { parseExact, scanJson } from '../contract/json-text.ts';
import { compileExpression, isTruthy, type Expression } from '../mapping/expression.ts';
import { PRESETS, type PresetName } from './error-presets.ts';

/** The outcomes a rule may give: within the contract's error table. */
export type RuleOutcomeSpec =
  | 'MODEL_REJECTED_INPUT'
  | 'UPSTREAM_ERROR'
  | 'UPSTREAM_UNAVAILABLE'
  | { code: 'UPSTREAM_ERROR' | 'UPSTREAM_UNAVAILABLE'; retryable: boolean };

/** One rule as a config writes it (docs/model-config.schema.json, "errorRule"). */
export interface ErrorRuleSpec {
  readonly status: readonly number[];
  /** A JMESPath expression on a JSON body: the rule holds when it is true (JMESPath truth). */
  readonly json?: string;
  /** The whole body, less surrounding whitespace, is exactly this text (a body that is not JSON). */
  readonly text?: string;
  /** The body contains this text (a body that is not JSON). */
  readonly textContains?: string;
  readonly outcome: RuleOutcomeSpec;
}

export interface ErrorsSpec {
  preset?: PresetName;
  rules?: ErrorRuleSpec[];
}

export type RuleOutcome = { code: 'MODEL_REJECTED_INPUT'; retryable?: undefined } | { code: 'UPSTREAM_ERROR' | 'UPSTREAM_UNAVAILABLE'; retryable: boolean | undefined };

type Match = { kind: 'json'; expression: Expression } | { kind: 'text'; text: string } | { kind: 'textContains'; text: string } | { kind: 'any' };

export interface ErrorRule {
  readonly statuses: ReadonlySet<number>;
  readonly match: Match;
  readonly outcome: RuleOutcome;
  /** Where the rule comes from, for the log line's cause: `rules[0]`, `preset kserve-v2 [1]`. */
  readonly source: string;
}

export interface ErrorRules {
  /** The config's own rules first, then its preset's: the first that holds decides. */
  readonly rules: readonly ErrorRule[];
  /** Every status some rule is about: only for these is a failure's body kept. */
  readonly statuses: ReadonlySet<number>;
  readonly preset: PresetName | undefined;
  /** The preset's pick of the model's message, for `exposeUpstreamErrors: true`. */
  readonly message: Expression | undefined;
}

/** The cause of an answer an error rule decided: the log line's errorClass says so. */
export class ErrorRuleMatched extends Error {
  override name = 'ErrorRuleMatched';
}

/** MAX_JSON_DEPTH's default: an error body nested deeper is not read as JSON. */
const MAX_ERROR_BODY_DEPTH = 64;

function compileRule(spec: ErrorRuleSpec, source: string, compile: (where: string, text: string) => Expression): ErrorRule {
  const match: Match =
    spec.json !== undefined
      ? { kind: 'json', expression: compile(`${source}/json`, spec.json) }
      : spec.text !== undefined
        ? { kind: 'text', text: spec.text }
        : spec.textContains !== undefined
          ? { kind: 'textContains', text: spec.textContains }
          : { kind: 'any' };
  const outcome: RuleOutcome =
    typeof spec.outcome === 'string'
      ? spec.outcome === 'MODEL_REJECTED_INPUT'
        ? { code: 'MODEL_REJECTED_INPUT' }
        : { code: spec.outcome, retryable: undefined }
      : { code: spec.outcome.code, retryable: spec.outcome.retryable };
  return { statuses: new Set(spec.status), match, outcome, source };
}

/**
 * Compiles a config's `errors`. `compile` is the config's own expression compiler, which names
 * the place of an expression it refuses (`/errors/rules/0/json`).
 */
export function compileErrorRules(spec: ErrorsSpec, compile: (where: string, text: string) => Expression = (_w, t) => compileExpression(t)): ErrorRules {
  const own = (spec.rules ?? []).map((rule, i) => compileRule(rule, `/errors/rules/${i}`, compile));
  const preset = spec.preset === undefined ? undefined : PRESETS[spec.preset];
  const fromPreset = (preset?.rules ?? []).map((rule, i) => compileRule(rule, `preset ${spec.preset} [${i}]`, (_w, t) => compileExpression(t)));
  const rules = [...own, ...fromPreset];
  return {
    rules,
    statuses: new Set(rules.flatMap((rule) => [...rule.statuses])),
    preset: spec.preset,
    message: preset === undefined ? undefined : compileExpression(preset.message),
  };
}

/** A failure's body, read as JSON at most once and only when a rule asks. */
class FailureBody {
  readonly text: string;
  #json: { ok: true; value: unknown } | { ok: false } | undefined;

  constructor(text: string) {
    this.text = text;
  }

  /** The body as JSON, or undefined when it is not one JSON text (or is nested too deeply to read). */
  json(): { ok: true; value: unknown } | { ok: false } {
    if (this.#json) return this.#json;
    const scan = this.text.trim() === '' ? undefined : scanJson(this.text, MAX_ERROR_BODY_DEPTH);
    let parsed: { ok: true; value: unknown } | { ok: false } = { ok: false };
    if (scan && !scan.depthExceeded) {
      try {
        parsed = { ok: true, value: parseExact(this.text) };
      } catch {
        parsed = { ok: false };
      }
    }
    this.#json = parsed;
    return parsed;
  }
}

function holds(rule: ErrorRule, body: FailureBody): boolean {
  switch (rule.match.kind) {
    case 'any':
      return true;
    case 'json': {
      const json = body.json();
      if (!json.ok) return false;
      try {
        return isTruthy(rule.match.expression.evaluate(json.value));
      } catch {
        // A rule that fails on this body (a type error, its budget) does not hold.
        return false;
      }
    }
    case 'text':
      return !body.json().ok && body.text.trim() === rule.match.text;
    case 'textContains':
      return !body.json().ok && body.text.includes(rule.match.text);
  }
}

/** The first rule about `status` that holds for the body, if any. */
export function matchingRule(rules: ErrorRules, status: number, text: string): ErrorRule | undefined {
  if (!rules.statuses.has(status)) return undefined;
  const body = new FailureBody(text);
  for (const rule of rules.rules) if (rule.statuses.has(status) && holds(rule, body)) return rule;
  return undefined;
}

/**
 * The contract error for a model's non-2xx answer: the status's own (`failure`), or what the
 * first rule that holds says; with `details` for a 422 when `describe` gives them.
 */
export function ruledFailure(
  rules: ErrorRules | undefined,
  failure: AdapterError,
  body: string,
  retryAfter: number | undefined,
  describe: ((body: string) => string | undefined) | undefined,
): AdapterError {
  const status = failure.upstreamStatus;
  const rule = rules && status !== undefined ? matchingRule(rules, status, body) : undefined;
  const code = rule ? rule.outcome.code : failure.code;
  const details = code === 'MODEL_REJECTED_INPUT' ? describe?.(body) : undefined;
  if (!rule) return details === undefined ? failure : new AdapterError(code, { upstreamStatus: status, details, cause: failure.cause });
  return new AdapterError(code, {
    upstreamStatus: status,
    details,
    retryable: rule.outcome.retryable,
    retryAfter: code === 'UPSTREAM_UNAVAILABLE' ? retryAfter : undefined,
    cause: new ErrorRuleMatched(rule.source),
  });
}
