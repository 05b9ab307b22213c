// What a model's request mapping sees (docs/contract.md, "Model configuration"): B's userTag and
// data, and the headers that may travel to a model anyway (upstream/headers.ts), so that a
// mapping can never copy B's Authorization, API key or cookies into a body.
import type { Envelope } from '../contract/envelope.ts';
import type { HttpRequest } from '../http/event.ts';
import { propagatedHeaders } from '../upstream/headers.ts';

export interface MappingInput {
  readonly userTag: string;
  readonly data: Record<string, unknown>;
  readonly headers: Readonly<Record<string, string>>;
}

export function mappingInput(envelope: Envelope, http: HttpRequest): MappingInput {
  return { userTag: envelope.userTag, data: envelope.data, headers: propagatedHeaders(http) };
}
