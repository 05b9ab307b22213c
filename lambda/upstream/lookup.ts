// The allowlist applied to the address a model's host name resolves to (docs/contract.md,
// UPSTREAM_ALLOWLIST: "checked on the URL and on the resolved address"). The URL is checked
// when the configuration is loaded (config/endpoint.ts); this runs at connect time, before a
// socket connects, so a name that resolves (or is rebound) outside the list opens none.
import dns, { type LookupAddress, type LookupOptions } from 'node:dns';
import { isResolvedAddressAllowed, type Allowlist } from '../config/allowlist.ts';

/** The code of the error a refused address gives; call-model.ts reports it as CONFIG_UNAVAILABLE. */
export const ADDRESS_NOT_ALLOWED = 'ERR_UPSTREAM_ADDRESS_NOT_ALLOWED';

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for net.connect / tls.connect that only ever answers allowed addresses. */
export function allowlistLookup(allowlist: Allowlist) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    // dns.lookup is read at call time, like net.connect does.
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const allowed = addresses.filter((entry) => isResolvedAddressAllowed(allowlist, entry.address));
      const first = allowed[0];
      if (!first) {
        const refused = Object.assign(new Error('the endpoint resolves to no allowed address'), { code: ADDRESS_NOT_ALLOWED });
        return callback(refused, []);
      }
      if (options.all) callback(null, allowed);
      else callback(null, first.address, first.family);
    });
  };
}
