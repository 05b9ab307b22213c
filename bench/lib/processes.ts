// Bench parts that must not share a CPU account or an event loop with what is measured run
// as child processes of the same Node: the model server (so in-process CPU is the client and
// the adapter only), the HTTP servers under load, and each measuring loop. They talk over
// IPC: a server sends `{ ready: {...} }` once listening; a measuring child sends `{ result }`.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const benchFile = (relative: string): string => fileURLToPath(new URL(`../${relative}`, import.meta.url));

export interface Running<T> {
  info: T;
  child: ChildProcess;
  /** CPU time (user + system, µs) the child has used so far. */
  cpuUs(): Promise<number>;
  stop(): Promise<void>;
}

interface Message {
  ready?: unknown;
  result?: unknown;
  cpuUs?: number;
  error?: string;
}

export interface ChildOptions {
  env?: Record<string, string>;
  args?: string[];
  /** Node flags for the child (`--expose-gc`, `--cpu-prof`); none are inherited from the parent. */
  execArgv?: string[];
}

function spawnChild(module: string, options: ChildOptions): ChildProcess {
  return fork(benchFile(module), options.args ?? [], {
    env: { ...process.env, ...options.env },
    execArgv: options.execArgv ?? [],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
}

function firstMessage<T>(child: ChildProcess, key: 'ready' | 'result' | 'cpuUs', what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onMessage = (message: Message): void => {
      if (message.error !== undefined) finish(new Error(`${what}: ${message.error}`));
      else if (key in message) finish(undefined, message[key] as T);
    };
    const onExit = (code: number | null): void => finish(new Error(`${what} exited (${code}) before answering`));
    const finish = (error?: Error, value?: T): void => {
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(value as T);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** Starts a server child and waits until it is listening. */
export async function startChild<T>(module: string, options: ChildOptions = {}): Promise<Running<T>> {
  const child = spawnChild(module, options);
  const info = await firstMessage<T>(child, 'ready', module);
  return {
    info,
    child,
    cpuUs: () => {
      const answer = firstMessage<number>(child, 'cpuUs', module);
      child.send('cpu');
      return answer;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Runs a measuring child to completion and returns what it reported. */
export async function runChild<T>(module: string, options: ChildOptions = {}): Promise<T> {
  const child = spawnChild(module, options);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const result = await firstMessage<T>(child, 'result', module);
  await exited;
  return result;
}

/** For a child: report and leave. A measuring child's own handles (keep-alive agents) must not keep it alive. */
export function reportAndExit(result: unknown): void {
  process.send?.({ result }, () => process.exit(0));
}

export function reportReady(info: unknown): void {
  process.send?.({ ready: info });
}

/** For a child: any failure goes to the parent as a message, then the child exits non-zero. */
export function failChild(error: unknown): void {
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  if (process.send) process.send({ error: text }, () => process.exit(1));
  else {
    console.error(text);
    process.exit(1);
  }
}

/** Servers answer the parent's CPU questions, and stop on SIGTERM or when the parent goes away. */
export function stopOnSignal(close: () => Promise<void>): void {
  process.on('message', (message) => {
    if (message !== 'cpu') return;
    const { user, system } = process.cpuUsage();
    process.send?.({ cpuUs: user + system });
  });
  const stop = (): void => {
    close().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('disconnect', stop);
}
