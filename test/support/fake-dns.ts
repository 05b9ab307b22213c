// Name resolution for tests without a resolver: dns.lookup (which net.connect, and so undici,
// calls for every host name) answers chosen names itself and leaves the others alone.
import dns from 'node:dns';

/** An address, a resolver error, or no answer ever (a resolver that does not reply). */
export type FakeAnswer = { address: string } | { error: 'ENOTFOUND' | 'EAI_AGAIN' } | { hang: true };

type LookupCallback = (error: NodeJS.ErrnoException | null, address?: string | dns.LookupAddress[], family?: number) => void;

/** Installs the fake; returns what it was asked, and a function that puts the real lookup back. */
export function fakeDns(answers: Record<string, FakeAnswer>): { asked: string[]; restore(): void } {
  const original = dns.lookup;
  const asked: string[] = [];
  const fake = function (hostname: string, options: unknown, callback?: LookupCallback) {
    const cb = (typeof options === 'function' ? options : callback) as LookupCallback;
    const opts = (typeof options === 'object' && options !== null ? options : {}) as dns.LookupOptions;
    const answer = answers[hostname.toLowerCase()];
    if (!answer) return (original as (...args: unknown[]) => void)(hostname, options, callback);
    asked.push(hostname);
    if ('hang' in answer) return;
    process.nextTick(() => {
      if ('error' in answer) {
        const error = Object.assign(new Error(`getaddrinfo ${answer.error} ${hostname}`), { code: answer.error, hostname, syscall: 'getaddrinfo' });
        cb(error);
      } else {
        const family = answer.address.includes(':') ? 6 : 4;
        if (opts.all) cb(null, [{ address: answer.address, family }]);
        else cb(null, answer.address, family);
      }
    });
  };
  (dns as { lookup: unknown }).lookup = fake;
  return {
    asked,
    restore() {
      (dns as { lookup: unknown }).lookup = original;
    },
  };
}
