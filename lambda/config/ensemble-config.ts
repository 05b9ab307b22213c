// An ensemble's parameter, `{prefix}/ensembles/{ensemble}` (docs/contract.md, "Ensembles";
// docs/ensemble-config.schema.json), checked once per version like a model's config.
import type { ModelName } from '../contract/model-name.ts';
import { configHash } from './model-config.ts';
import { readSchemaDocument } from './schema-reason.ts';
import { validateEnsembleConfig } from './schema-validators.generated.js';
import { parsePolicy, type Policy } from './policy.ts';

/** The schema's cap, repeated here so the code never trusts a document for it. */
export const MAX_ENSEMBLE_MEMBERS = 8;

export interface EnsembleConfig {
  readonly hash: string;
  /** The schema holds each to the name pattern (docs/ensemble-config.schema.json). */
  readonly members: readonly ModelName[];
  readonly policy: Policy;
  readonly deadlineMs: number;
}

export type ParsedEnsemble = { ok: true; config: EnsembleConfig } | { ok: false; hash: string; reason: string };

export function parseEnsembleConfig(text: string): ParsedEnsemble {
  const hash = configHash(text);
  const read = readSchemaDocument(text, validateEnsembleConfig);
  if (!read.ok) return { ok: false, hash, reason: read.reason };
  const { members, policy: policyText, deadlineMs } = read.document as { members: ModelName[]; policy: string; deadlineMs: number };
  if (members.length > MAX_ENSEMBLE_MEMBERS) return { ok: false, hash, reason: `schema: /members has more than ${MAX_ENSEMBLE_MEMBERS} items` };
  const policy = parsePolicy(policyText, members.length);
  if (!policy) return { ok: false, hash, reason: 'schema: /policy needs more members than the ensemble has' };
  return { ok: true, config: { hash, members, policy, deadlineMs } };
}
