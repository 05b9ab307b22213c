// Every fuzzed property, for fuzz.test.ts (a short run in `npm test`) and scripts/fuzz.ts
// (`npm run fuzz`, 10,000 cases each): the envelope parser, the URL checker and the mappings.
import { endpointProperties } from './endpoint.ts';
import { envelopeProperties } from './envelope.ts';
import { mappingProperties } from './mapping.ts';
import type { FuzzProperty } from './property.ts';

export const FUZZ_PROPERTIES: readonly FuzzProperty[] = [...envelopeProperties, ...endpointProperties, ...mappingProperties];
