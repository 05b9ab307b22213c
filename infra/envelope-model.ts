import { JsonSchemaType, JsonSchemaVersion } from 'aws-cdk-lib/aws-apigateway';
import type { JsonSchema } from 'aws-cdk-lib/aws-apigateway';

/**
 * B's envelope as the request validator sees it: a coarse first filter that must never refuse
 * what the contract accepts. The Lambda stays the authority on the exact rules (code points,
 * control characters, depth), so userTag's bound here is 512: the contract's 256 code points
 * are at most 512 UTF-16 units, however the validator counts.
 */
export const ENVELOPE_SCHEMA: JsonSchema = {
  schema: JsonSchemaVersion.DRAFT4,
  title: 'Envelope',
  type: JsonSchemaType.OBJECT,
  required: ['userTag', 'data'],
  properties: {
    userTag: { type: JsonSchemaType.STRING, minLength: 1, maxLength: 512 },
    data: { type: JsonSchemaType.OBJECT },
  },
};
