// `npm run models -- probe <model>`: a model's golden fixtures against its live endpoint,
// through the handler (adapter.ts: the allowlist, TLS, data schema, mappings and error rules
// as in Lambda), with the model's parameters from SSM (the SDK's usual environment, under
// --prefix or PARAMETER_PREFIX) or from a parameters file. Each fixture passes when B's answer
// is the one recorded (status and body; for an error, its code and the fields the fixture
// gives) and, where the fixture says what the model receives, explain builds exactly that.
// A team runs it in its CI before repointing a parameter; it exits 1 on any mismatch.
import { isDeepStrictEqual } from 'node:util';
import { SSMClient } from '@aws-sdk/client-ssm';
import { ParameterReader } from '../../lambda/config/ssm-parameters.ts';
import { parseParameters } from '../../local/parameters-file.ts';
import { cliAdapter } from './adapter.ts';
import type { Fixtures } from './onboard.ts';

export interface ProbeOptions {
  model: string;
  fixtures: Fixtures;
  /** A parameters file's text; without it, SSM under `prefix`. */
  parameters?: string;
  prefix?: string;
  env?: Record<string, string | undefined>;
}

export interface ProbeResult {
  ok: boolean;
  lines: string[];
  cases: { name: string; pass: boolean; ms: number; why?: string }[];
}

/** The prefix a parameters file holds the model under. */
function prefixIn(parameters: Record<string, string>, model: string): string | undefined {
  const name = Object.keys(parameters).find((n) => n.endsWith(`/models/${model}/endpoint`));
  return name?.slice(0, -`/models/${model}/endpoint`.length);
}

const short = (value: unknown): string => {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 160 ? `${text.slice(0, 160)}…` : text;
};

export async function probe(options: ProbeOptions): Promise<ProbeResult> {
  const env = options.env ?? process.env;
  const lines: string[] = [];
  let prefix: string;
  let read: () => Promise<ReadonlyMap<string, string>>;
  if (options.parameters !== undefined) {
    const parameters = parseParameters(options.parameters);
    const found = options.prefix ?? prefixIn(parameters, options.model);
    if (!found) return { ok: false, lines: [`probe: no models/${options.model}/endpoint in the parameters`], cases: [] };
    prefix = found;
    read = async () => new Map(Object.entries(parameters));
  } else {
    const fromEnv = (options.prefix ?? env.PARAMETER_PREFIX ?? '').replace(/\/+$/, '');
    if (!fromEnv) return { ok: false, lines: ['probe: give the SSM prefix (--prefix /contract-adapter/prod, or PARAMETER_PREFIX), or --parameters file'], cases: [] };
    prefix = fromEnv;
    // The SDK's defaults, as the Lambda's: region, credentials and AWS_ENDPOINT_URL_SSM from the environment.
    const reader = new ParameterReader(new SSMClient({ maxAttempts: 2 }), prefix);
    read = () => reader.read();
  }
  const adapter = cliAdapter(read, prefix, env);
  const cases: ProbeResult['cases'] = [];
  try {
    // The configuration once, before the clock starts: a refused config is the first thing to say.
    const list = await adapter.list();
    const rejection = adapter.rejections().find((r) => r.kind === 'model' && r.name === options.model);
    if (rejection) lines.push(`probe: ${prefix}/models/${options.model}/config is refused: ${rejection.reason}`);
    if (list.statusCode !== 200) return { ok: false, lines: [...lines, `probe: the parameters could not be read (${list.statusCode} ${list.body})`], cases };
    lines.push(`probe ${options.model} (${prefix}, ${options.fixtures.cases.length} fixtures)`);
    for (const c of options.fixtures.cases) {
      const body = JSON.stringify(c.request);
      let why: string | undefined;
      if (c.modelRequest !== null && c.modelRequest !== undefined) {
        const explained = await adapter.post(`/v1/models/${options.model}/explain`, body);
        // When explain fails, predict fails the same way: its status below says how.
        if (explained.statusCode === 200) {
          const built = (JSON.parse(explained.body) as { result: { body: unknown } }).result.body;
          if (!isDeepStrictEqual(built, c.modelRequest)) why = `the model would receive ${short(built)}, not ${short(c.modelRequest)}`;
        }
      }
      const started = performance.now();
      const answer = await adapter.post(`/v1/models/${options.model}/predict`, body);
      const ms = performance.now() - started;
      const got = JSON.parse(answer.body) as { result?: unknown; error?: Record<string, unknown> };
      if (why === undefined && answer.statusCode !== c.status) why = `expected ${c.status}${c.error ? ` ${c.error.code}` : ''}, got ${answer.statusCode}${got.error ? ` ${String(got.error.code)}` : ''}`;
      if (why === undefined && c.status === 200 && !isDeepStrictEqual(got, c.response)) why = `expected ${short(c.response)}, got ${short(got)}`;
      if (why === undefined && c.error) {
        for (const [key, value] of Object.entries(c.error)) {
          if (!isDeepStrictEqual(got.error?.[key], value)) {
            why = `error.${key}: expected ${short(value)}, got ${short(got.error?.[key])}`;
            break;
          }
        }
      }
      cases.push({ name: c.name, pass: why === undefined, ms, why });
      lines.push(`  ${why === undefined ? 'pass' : 'FAIL'}  ${String(answer.statusCode).padEnd(3)} ${ms.toFixed(1).padStart(7)} ms  ${c.name}${why === undefined ? '' : `\n        ${why}`}`);
    }
  } finally {
    await adapter.close();
  }
  const failed = cases.filter((c) => !c.pass).length;
  lines.push(`${cases.length - failed} passed, ${failed} failed`);
  return { ok: failed === 0 && cases.length > 0, lines, cases };
}
