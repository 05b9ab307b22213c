// `npm run models -- validate|explain`: the model configs, offline, with the adapter's own code.
//
//   npm run models -- validate [file ...]
//     Checks each file: a parameters file such as local/parameters.json (every model config
//     and ensemble in it, and the TLS parameters they name), or one config document (an
//     ensemble when it has "members"). Prints the full reason for each refusal; exits 1 if any.
//
//   npm run models -- explain <model> <envelope> [--parameters file | --config file]
//                              [--variant name] [--answer model-answer]
//     Prints what the model would receive for B's envelope, as POST /v1/models/{model}/explain
//     does, and with --answer, what B would get back for that model answer. <envelope> and
//     --answer are JSON text, @file, or - for standard input. Without --parameters or --config,
//     local/parameters.json.
//
//   npm run models -- onboard <model> <endpoint-url> [--protocol auto|kserve-v2|kserve-v1|tf-serving|mlflow]
//                              [--features N] [--datatype FP64] [--mlmodel file] [--signature name]
//                              [--example data] [--out dir] [--fixtures file] [--put [--prefix P]] [--dry-run]
//     Reads what the server says about the model (models/metadata.ts), writes a config that
//     validates (<model>.config.json), the endpoint (<model>.endpoint.txt, for --value
//     file://...) and golden fixtures (fixtures/<model>.json), after trying them once through
//     the handler; with --put, writes both parameters through the SDK. Exits 1 if it cannot.
//
//   npm run models -- probe <model> [--fixtures file] [--parameters file | --prefix P]
//     Runs the model's golden fixtures against its live endpoint through the handler, with its
//     parameters from SSM (or a parameters file): pass or fail and latency per fixture; exits 1
//     on a mismatch.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseAllowlist } from '../lambda/config/allowlist.ts';
import { parseModelConfig } from '../lambda/config/model-config.ts';
import { buildSnapshot } from '../lambda/config/snapshot.ts';
import { readEnvelope } from '../lambda/contract/envelope.ts';
import { AdapterError, ERRORS } from '../lambda/contract/errors.ts';
import { parseLossless, singleJsonText } from '../lambda/contract/json-text.ts';
import { parseEnsembleConfig } from '../lambda/config/ensemble-config.ts';
import { modelName } from '../lambda/contract/model-name.ts';
import type { HttpRequest } from '../lambda/http/event.ts';
import { planModelCall } from '../lambda/models/model-plan.ts';
import { resultText } from '../lambda/models/model-result.ts';
import { parseParameters } from '../local/parameters-file.ts';
import { PROTOCOLS, type Protocol } from './models/metadata.ts';
import { onboard, type Fixtures } from './models/onboard.ts';
import { probe } from './models/probe.ts';

const DEFAULT_PARAMETERS = new URL('../local/parameters.json', import.meta.url).pathname;
/** A stand-in endpoint for a config checked on its own: explain never calls it. */
const OFFLINE_PREFIX = '/offline';
const OFFLINE_ENDPOINT = 'http://model.invalid/';

export interface Report {
  ok: boolean;
  lines: string[];
}

/** Parameters files are objects of SSM names; anything else is one config document. */
const isParametersFile = (json: unknown): boolean =>
  typeof json === 'object' && json !== null && !Array.isArray(json) && Object.keys(json).length > 0 && Object.keys(json).every((k) => k.startsWith('/'));

function checkDocument(label: string, text: string, ensemble: boolean): { ok: boolean; line: string } {
  const parsed = ensemble ? parseEnsembleConfig(text) : parseModelConfig(text);
  return parsed.ok ? { ok: true, line: `ok    ${label} (hash ${parsed.config.hash})` } : { ok: false, line: `FAIL  ${label}: ${parsed.reason}` };
}

export function validateFile(path: string, text: string): Report {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, lines: [`FAIL  ${path}: not JSON (${(error as Error).message})`] };
  }
  if (!isParametersFile(json)) {
    const { ok, line } = checkDocument(path, text, typeof json === 'object' && json !== null && 'members' in json);
    return { ok, lines: [line] };
  }
  const parameters = parseParameters(text);
  const lines: string[] = [];
  let ok = true;
  const report = (result: { ok: boolean; line: string }) => {
    ok &&= result.ok;
    lines.push(result.line);
  };
  for (const [name, value] of Object.entries(parameters)) {
    if (/\/models\/[^/]+\/config$/.test(name)) report(checkDocument(name, value, false));
    else if (/\/ensembles\/[^/]+$/.test(name)) report(checkDocument(name, value, true));
  }
  // What only the whole set can say: TLS material present and usable, endpoints readable,
  // ensemble members configured.
  const prefixes = new Set(Object.keys(parameters).flatMap((name) => /^(.*)\/(models|ensembles)\//.exec(name)?.[1] ?? []));
  for (const prefix of prefixes) {
    const snapshot = buildSnapshot(new Map(Object.entries(parameters)), prefix, parseAllowlist(''));
    for (const rejection of snapshot.rejections.filter((r) => r.reason.startsWith('tls:'))) {
      report({ ok: false, line: `FAIL  ${prefix}/models/${rejection.name}/config: ${rejection.reason}` });
    }
    for (const [name, state] of snapshot.ensembles) {
      if (state.kind !== 'ok') continue;
      for (const member of state.config.members.filter((m) => !snapshot.models.has(m))) {
        report({ ok: false, line: `FAIL  ${prefix}/ensembles/${name}: member ${member} has no ${prefix}/models/${member}/endpoint` });
      }
    }
    for (const [model, entry] of snapshot.models) {
      for (const [variant, endpoint] of [[undefined, entry.endpoint] as const, ...[...entry.variants].map(([v, e]) => [v, e] as const)]) {
        if (!endpoint.ok) report({ ok: false, line: `FAIL  ${prefix}/models/${model}${variant ? `/variants/${variant}` : ''}/endpoint: ${endpoint.problem}` });
      }
    }
  }
  if (lines.length === 0) lines.push(`ok    ${path}: no model configs or ensembles in it`);
  return { ok, lines };
}

export interface ExplainOptions {
  model: string;
  envelope: string;
  /** A parameters file's text, or one config document's text with `config: true`. */
  source: { parameters: string } | { config: string };
  variant?: string;
  answer?: string;
}

/** The explanation as JSON text, or an AdapterError-like failure with the reason to print. */
export function explainOffline(options: ExplainOptions): { ok: true; text: string } | { ok: false; text: string } {
  let parameters: Map<string, string>;
  let prefix: string;
  if ('config' in options.source) {
    prefix = OFFLINE_PREFIX;
    parameters = new Map([
      [`${prefix}/models/${options.model}/endpoint`, OFFLINE_ENDPOINT],
      [`${prefix}/models/${options.model}/config`, options.source.config],
    ]);
  } else {
    parameters = new Map(Object.entries(parseParameters(options.source.parameters)));
    const name = [...parameters.keys()].find((n) => n.endsWith(`/models/${options.model}/endpoint`));
    if (!name) return { ok: false, text: `no ${`models/${options.model}/endpoint`} in the parameters` };
    prefix = name.slice(0, -`/models/${options.model}/endpoint`.length);
  }
  const snapshot = buildSnapshot(parameters, prefix, parseAllowlist(''));
  const rejection = snapshot.rejections.find((r) => r.kind === 'model' && r.name === options.model);
  const http: HttpRequest = { method: 'POST', path: '', headers: new Map(), body: undefined, isBase64Encoded: false, requestId: 'offline', sourceIp: undefined };
  try {
    if (rejection) throw new Error(`the config is refused: ${rejection.reason}`);
    const envelopeText = singleJsonText(options.envelope);
    if (envelopeText === undefined) throw new AdapterError('INVALID_JSON');
    const envelope = readEnvelope(parseLossless(envelopeText));
    const model = modelName(options.model);
    const variant = options.variant === undefined ? undefined : modelName(options.variant);
    if (model === undefined || (options.variant !== undefined && variant === undefined)) throw new AdapterError('UNKNOWN_MODEL');
    const planned = planModelCall(snapshot, model, { http, envelope, variant });
    if (!planned.ok) throw planned.error;
    const { plan } = planned;
    const parts = [
      `"model":${JSON.stringify(plan.model)}`,
      `"variant":${JSON.stringify(plan.target.variant ?? null)}`,
      `"configHash":${JSON.stringify(plan.config?.hash ?? null)}`,
      `"body":${plan.body}`,
    ];
    if (options.answer !== undefined) {
      const answer = singleJsonText(options.answer);
      if (answer === undefined) throw new Error('the model answer is not one JSON text');
      let outcome: string;
      try {
        outcome = `{"userTag":${JSON.stringify(envelope.userTag)},"result":${resultText(plan.config, answer, plan.input)}}`;
      } catch (error) {
        if (!(error instanceof AdapterError)) throw error;
        outcome = JSON.stringify({ status: ERRORS[error.code].status, code: error.code, cause: (error.cause as Error | undefined)?.name });
      }
      parts.push(`"response":${outcome}`);
    }
    return { ok: true, text: JSON.stringify(JSON.parse(`{${parts.join(',')}}`, (_k, v, c?: { source?: string }) => (typeof v === 'number' && c?.source ? JSON.rawJSON(c.source) : v)), null, 2) };
  } catch (error) {
    if (error instanceof AdapterError) {
      const spec = ERRORS[error.code];
      return { ok: false, text: `${spec.status} ${error.code}: ${error.detail === undefined ? spec.message : `${spec.message} ${error.detail}`}` };
    }
    return { ok: false, text: (error as Error).message };
  }
}

/** JSON text given inline, as @file, or - for standard input. */
function readArgument(value: string): string {
  if (value === '-') return readFileSync(0, 'utf8');
  if (value.startsWith('@')) return readFileSync(value.slice(1), 'utf8');
  return value;
}

const USAGE = `usage:
  npm run models -- validate [file ...]
  npm run models -- explain <model> <envelope|@file|-> [--parameters file | --config file] [--variant name] [--answer json|@file]
  npm run models -- onboard <model> <endpoint-url> [--protocol auto|${PROTOCOLS.join('|')}] [--features N] [--datatype T]
                    [--mlmodel file] [--signature name] [--example data] [--out dir] [--fixtures file] [--put [--prefix P]] [--dry-run]
  npm run models -- probe <model> [--fixtures file] [--parameters file | --prefix P]`;

const OPTIONS = {
  parameters: { type: 'string' },
  config: { type: 'string' },
  variant: { type: 'string' },
  answer: { type: 'string' },
  protocol: { type: 'string' },
  features: { type: 'string' },
  datatype: { type: 'string' },
  mlmodel: { type: 'string' },
  signature: { type: 'string' },
  example: { type: 'string' },
  out: { type: 'string' },
  fixtures: { type: 'string' },
  prefix: { type: 'string' },
  put: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof OPTIONS }>>['values'];

/** onboard and probe: they talk to the network, so they are asynchronous. */
export async function mainAsync(argv: string[], out: (line: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  const [command, ...rest] = positionals;
  if (command === 'onboard' && rest.length === 2 && !values.help) return runOnboard(rest[0] as string, rest[1] as string, values, out);
  if (command === 'probe' && rest.length === 1 && !values.help) {
    const model = rest[0] as string;
    const path = values.fixtures ?? `fixtures/${model}.json`;
    const fixtures = JSON.parse(readFileSync(path, 'utf8')) as Fixtures;
    const result = await probe({ model, fixtures, parameters: values.parameters === undefined ? undefined : readFileSync(values.parameters, 'utf8'), prefix: values.prefix });
    for (const line of result.lines) out(line);
    return result.ok ? 0 : 1;
  }
  return main(argv, out);
}

async function runOnboard(model: string, endpoint: string, values: Values, out: (line: string) => void): Promise<number> {
  const protocol = (values.protocol ?? 'auto') as Protocol | 'auto';
  if (protocol !== 'auto' && !PROTOCOLS.includes(protocol)) {
    out(`onboard: --protocol is one of auto, ${PROTOCOLS.join(', ')}`);
    return 2;
  }
  const features = values.features === undefined ? undefined : Number(values.features);
  if (features !== undefined && !(Number.isInteger(features) && features > 0 && features <= 100_000)) {
    out('onboard: --features is a whole number of features from 1 to 100000');
    return 2;
  }
  const result = await onboard({
    model,
    endpoint,
    protocol,
    features,
    datatype: values.datatype,
    mlmodel: values.mlmodel,
    signature: values.signature,
    example: values.example === undefined ? undefined : (JSON.parse(readArgument(values.example)) as unknown),
    out: values.out,
    fixtures: values.fixtures,
    put: values.put,
    dryRun: values['dry-run'],
    prefix: values.prefix,
  });
  for (const line of result.lines) out(line);
  return result.ok ? 0 : 1;
}

export function main(argv: string[], out: (line: string) => void): number {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  const [command, ...rest] = positionals;
  if (command === 'validate' && !values.help) {
    let ok = true;
    for (const path of rest.length > 0 ? rest : [DEFAULT_PARAMETERS]) {
      const report = validateFile(path, readFileSync(path, 'utf8'));
      ok &&= report.ok;
      for (const line of report.lines) out(line);
    }
    return ok ? 0 : 1;
  }
  if (command === 'explain' && rest.length === 2 && !values.help) {
    const [model = '', envelope = ''] = rest;
    const result = explainOffline({
      model,
      envelope: readArgument(envelope),
      source: values.config ? { config: readFileSync(values.config, 'utf8') } : { parameters: readFileSync(values.parameters ?? DEFAULT_PARAMETERS, 'utf8') },
      variant: values.variant,
      answer: values.answer === undefined ? undefined : readArgument(values.answer),
    });
    out(result.text);
    return result.ok ? 0 : 1;
  }
  out(USAGE);
  return values.help ? 0 : 2;
}

if (import.meta.main) {
  try {
    process.exitCode = await mainAsync(process.argv.slice(2), (line) => console.log(line));
  } catch (error) {
    console.error(`models: ${(error as Error).message}`);
    process.exitCode = 2;
  }
}
