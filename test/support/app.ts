// The adapter built with createHandler (lambda/app.ts) over injected parts, for tests that need
// to see what goes through its interfaces: metrics counted, log lines as objects. The
// configuration is a parameter map read through the real snapshot builder and registry.
import type { Context } from 'aws-lambda';
import { Agent } from 'undici';
import { createHandler } from '../../lambda/app.ts';
import { ConfigRegistry } from '../../lambda/config/registry.ts';
import { buildSnapshot, type ConfigSnapshot } from '../../lambda/config/snapshot.ts';
import type { HttpResult } from '../../lambda/contract/response.ts';
import type { Log, LogFields } from '../../lambda/observability/log.ts';
import type { Metrics } from '../../lambda/observability/metrics.ts';
import { readSettings } from '../../lambda/settings.ts';
import { tlsAgents } from '../../lambda/upstream/tls-agents.ts';
import { lambdaContext } from './events.ts';
import { PREFIX } from './harness.ts';

export interface Counted {
  name: string;
  dimensions: Readonly<Record<string, string>>;
  value: number;
}

export interface App {
  invoke(event: unknown, context?: Context): Promise<HttpResult>;
  counted: Counted[];
  logged: ({ level: string; message: string } & LogFields)[];
  close(): Promise<void>;
}

/** `parameters` is read on every refresh (TTL 0 by default), so tests may change it in place. */
export function startApp(parameters: Record<string, string>, env: Record<string, string> = {}): App {
  const settings = readSettings({ PARAMETER_PREFIX: PREFIX, PARAMETER_CACHE_TTL_SECONDS: '0', ...env });
  const registry = new ConfigRegistry<ConfigSnapshot>({
    load: async (_signal, previous) => buildSnapshot(new Map(Object.entries(parameters)), settings.parameterPrefix, settings.upstreamAllowlist, previous),
    ttlMs: settings.cacheTtlMs,
    refreshBudgetMs: settings.ssmBudgetMs,
  });
  const counted: Counted[] = [];
  const logged: App['logged'] = [];
  const log: Log = {
    info: (message, fields) => logged.push({ level: 'INFO', message, ...fields }),
    warn: (message, fields) => logged.push({ level: 'WARN', message, ...fields }),
    error: (message, fields) => logged.push({ level: 'ERROR', message, ...fields }),
  };
  const metrics: Metrics = { count: (name, dimensions, value = 1) => counted.push({ name, dimensions, value }) };
  const agents: Agent[] = [];
  const agent = (options: ConstructorParameters<typeof Agent>[0] = {}) => {
    const created = new Agent({ keepAliveTimeout: 1_000, ...options });
    agents.push(created);
    return created;
  };
  const handler = createHandler({
    settings,
    registry,
    dispatcher: agent(),
    tlsDispatcher: tlsAgents(({ ca, cert, key }) => agent({ connect: { ca, cert, key } })),
    log,
    metrics,
  });
  return {
    invoke: (event, context = lambdaContext()) => handler(event as never, context),
    counted,
    logged,
    close: async () => {
      await Promise.all(agents.map((a) => a.close()));
    },
  };
}
