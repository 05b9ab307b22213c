// Every fuzzed property, for fuzz.test.ts (a short run in `npm test`) and scripts/fuzz.ts
// (`npm run fuzz`, 10,000 cases each).
//
// Mappings (issue 4: per-model request and response mappings) add theirs here: a
// `mappingProperties: FuzzProperty[]` next to these, over JSON-serialisable inputs (so a
// counterexample can be kept in counterexamples.json), for example "a mapping never throws
// anything but a contract error" and "an identity mapping gives back data byte for byte".
import { endpointProperties } from './endpoint.ts';
import { envelopeProperties } from './envelope.ts';
import type { FuzzProperty } from './property.ts';

export const FUZZ_PROPERTIES: readonly FuzzProperty[] = [...envelopeProperties, ...endpointProperties];
