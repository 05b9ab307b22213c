// A loopback endpoint that speaks the SSM JSON 1.1 protocol, enough of it for the adapter:
// GetParametersByPath (recursive or not, paginated like the real service), GetParameter(s)
// and PutParameter. The handler reaches it through AWS_ENDPOINT_URL_SSM, so local runs and
// tests exercise the real @aws-sdk/client-ssm rather than a mock.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ParameterSource = () => Record<string, string>;

/** What the next requests should suffer, for fault tests. */
export type SsmFault =
  | { kind: 'none' }
  | { kind: 'throttle' }
  | { kind: 'error500' }
  | { kind: 'hang' };

export interface SsmServerOptions {
  /** Read on every request, so edits to the source take effect like `put-parameter`. */
  parameters: ParameterSource;
  /** The real service returns at most 10 per page. */
  pageSize?: number;
  port?: number;
  /** How long each call takes to be answered, in ms (SSM answers in about 25 to 30 ms). */
  latencyMs?: number;
  /** Every Nth call (counting every action, from 1) is answered ThrottlingException, as SSM does over its quota. */
  throttleEvery?: number;
  /** A throughput quota: calls past this many in one second (a fixed window) are answered ThrottlingException. */
  quotaTps?: number;
  /** Called as each call arrives, before it is answered; for tests that act mid-pagination. */
  onCall?: (action: string, call: number) => void;
}

/** One GetParametersByPath call: the page asked for (the offset its NextToken encodes) and the status answered. */
export interface PageCall {
  start: number;
  status: number;
}

export interface SsmServer {
  url: string;
  /** Every call received, in order, by action name (`GetParametersByPath`, ...). */
  calls: string[];
  /** Every GetParametersByPath call, in order: which page it asked for and what it got. */
  pageCalls: PageCall[];
  /** `calls`: for that many calls only, then no fault again. */
  setFault(fault: SsmFault, calls?: number): void;
  /** Makes every NextToken handed out so far invalid (InvalidNextToken), as an expired one is. */
  invalidateTokens(): void;
  /** Overrides written by PutParameter, layered over the source. */
  put(name: string, value: string): void;
  close(): Promise<void>;
}

type ParameterType = 'String' | 'SecureString' | 'StringList';

interface StoredParameter {
  Name: string;
  Type: ParameterType;
  Value: string;
  Version: number;
  LastModifiedDate: number;
  ARN: string;
  DataType: 'text';
}

const REGION_ACCOUNT = 'us-east-1:000000000000';

export async function startSsmServer(options: SsmServerOptions): Promise<SsmServer> {
  const pageSize = options.pageSize ?? 10;
  const overrides = new Map<string, string>();
  const versions = new Map<string, number>();
  // The type PutParameter was given (SecureString for TLS material); everything else is String.
  // Values are stored as they are: with WithDecryption, as the adapter asks, SSM answers the same.
  const types = new Map<string, ParameterType>();
  const calls: string[] = [];
  const pageCalls: PageCall[] = [];
  let fault: SsmFault = { kind: 'none' };
  let faultCallsLeft = Infinity;
  // Tokens carry the generation they were handed out in; invalidateTokens() starts a new one.
  let generation = 0;
  const token = (offset: number): string => Buffer.from(`${generation}:${offset}`).toString('base64url');
  /** The offset a token stands for, or undefined when it is not one this server handed out in this generation. */
  const offsetOf = (raw: string): number | undefined => {
    const match = /^(\d+):(\d+)$/.exec(Buffer.from(raw, 'base64url').toString());
    return match && Number(match[1]) === generation ? Number(match[2]) : undefined;
  };
  const hanging = new Set<ServerResponse>();
  let windowStart = 0;
  let windowCalls = 0;
  const overQuota = (): boolean => {
    if (options.quotaTps === undefined) return false;
    const now = Date.now();
    if (now - windowStart >= 1_000) {
      windowStart = now;
      windowCalls = 0;
    }
    return ++windowCalls > options.quotaTps;
  };

  const current = (): Map<string, string> => {
    const all = new Map(Object.entries(options.parameters()));
    for (const [name, value] of overrides) all.set(name, value);
    return all;
  };

  const stored = (name: string, value: string): StoredParameter => ({
    Name: name,
    Type: types.get(name) ?? 'String',
    Value: value,
    Version: versions.get(name) ?? 1,
    LastModifiedDate: 1_700_000_000,
    ARN: `arn:aws:ssm:${REGION_ACCOUNT}:parameter${name}`,
    DataType: 'text',
  });

  const actions: Record<string, (input: Record<string, unknown>) => [number, unknown]> = {
    GetParametersByPath(input) {
      const path = String(input.Path ?? '');
      const base = path.endsWith('/') ? path : `${path}/`;
      const recursive = input.Recursive === true;
      const max = Math.min(Number(input.MaxResults ?? pageSize), pageSize);
      const start = input.NextToken ? offsetOf(String(input.NextToken)) : 0;
      if (start === undefined) return [400, { __type: 'InvalidNextToken', message: 'The specified token isn\'t valid.' }];
      const names = [...current().keys()]
        .filter((name) => name.startsWith(base) && (recursive || !name.slice(base.length).includes('/')))
        .sort();
      const all = current();
      const page = names.slice(start, start + max).map((name) => stored(name, all.get(name) ?? ''));
      const next = start + max < names.length ? token(start + max) : undefined;
      return [200, next ? { Parameters: page, NextToken: next } : { Parameters: page }];
    },
    GetParameter(input) {
      const name = String(input.Name ?? '');
      const value = current().get(name);
      if (value === undefined) return [400, { __type: 'ParameterNotFound', message: 'not found' }];
      return [200, { Parameter: stored(name, value) }];
    },
    GetParameters(input) {
      const all = current();
      const names = Array.isArray(input.Names) ? input.Names.map(String) : [];
      return [
        200,
        {
          Parameters: names.filter((n) => all.has(n)).map((n) => stored(n, all.get(n) ?? '')),
          InvalidParameters: names.filter((n) => !all.has(n)),
        },
      ];
    },
    PutParameter(input) {
      const name = String(input.Name ?? '');
      const exists = current().has(name);
      if (exists && input.Overwrite !== true) {
        return [400, { __type: 'ParameterAlreadyExists', message: 'exists' }];
      }
      overrides.set(name, String(input.Value ?? ''));
      if (input.Type === 'SecureString' || input.Type === 'StringList') types.set(name, input.Type);
      else if (input.Type === 'String') types.delete(name);
      const version = (versions.get(name) ?? (exists ? 1 : 0)) + 1;
      versions.set(name, version);
      return [200, { Version: version, Tier: 'Standard' }];
    },
  };

  const send = (res: ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': crypto.randomUUID(),
    });
    res.end(text);
  };

  /** The page a GetParametersByPath call asks for, for `pageCalls` (-1 for a token this server did not hand out). */
  const pageOf = (input: Record<string, unknown> | undefined): number =>
    input?.NextToken ? (offsetOf(String(input.NextToken)) ?? -1) : 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    const action = target.startsWith('AmazonSSM.') ? target.slice('AmazonSSM.'.length) : '';
    calls.push(action);
    const call = calls.length;
    let input: Record<string, unknown> | undefined;
    try {
      input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      input = undefined;
    }
    const page = action === 'GetParametersByPath' ? { start: pageOf(input), status: 0 } : undefined;
    if (page) pageCalls.push(page);
    options.onCall?.(action, call);
    const reply = (status: number, body: unknown): void => {
      if (page) page.status = status;
      send(res, status, body);
    };
    const current = fault;
    if (current.kind !== 'none' && --faultCallsLeft <= 0) fault = { kind: 'none' };
    const throttled = overQuota() || (options.throttleEvery !== undefined && call % options.throttleEvery === 0);
    if (current.kind === 'hang') {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    if (options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
    // The caller gave up meanwhile (its own timeout): nothing to answer, as for a real service.
    if (res.destroyed) return;
    if (current.kind === 'throttle' || throttled) {
      return reply(400, { __type: 'ThrottlingException', message: 'Rate exceeded' });
    }
    if (current.kind === 'error500') {
      return reply(500, { __type: 'InternalServerError', message: 'internal' });
    }
    const run = actions[action];
    if (!run) return reply(400, { __type: 'InvalidAction', message: 'unsupported action' });
    if (input === undefined) return reply(400, { __type: 'SerializationException', message: 'bad json' });
    // A parameter source that throws (a half-saved parameters file) is the service failing:
    // answer 500 like SSM would, rather than dropping the connection.
    let result: [number, unknown];
    try {
      result = run(input);
    } catch {
      result = [500, { __type: 'InternalServerError', message: 'parameter source unavailable' }];
    }
    return reply(result[0], result[1]);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    pageCalls,
    setFault(next, count = Infinity) {
      fault = next;
      faultCallsLeft = count;
      if (next.kind !== 'hang') for (const res of hanging) res.destroy();
    },
    invalidateTokens() {
      generation++;
    },
    put(name, value) {
      overrides.set(name, value);
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
