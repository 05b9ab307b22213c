// A demo job-style API whose failures come back as 200: the kind of answer a model config's
// `errorWhen` is for.
//   POST /api/jobs {"job": {"type": "fraud-score", "inputs": {"amount", "country", "card_present"}, "submittedBy"}}
//   -> 200 {"jobId", "status": "SUCCEEDED", "output": {"risk": p, "decision": "approve" | "review" | "decline"}}
//   -> 200 {"jobId", "status": "FAILED", "message": "..."} when the inputs cannot be scored
// Only a body that is not a job at all is a 400 {"message": "..."}.
import { createHash } from 'node:crypto';
import { DEMO_ADDRESSES } from './demo-addresses.ts';
import { startJsonService, type DemoService } from './demo-service.ts';

export interface Transaction {
  amount: number;
  country: string;
  card_present: boolean;
}

/** Countries the demo treats as high-risk for card-not-present payments. */
const HIGH_RISK = new Set(['XA', 'XB', 'XC']);

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

/** A logistic score: large amounts, card-not-present and high-risk countries raise it. */
export function scoreTransaction(t: Transaction): { risk: number; decision: 'approve' | 'review' | 'decline' } {
  const z = -3 + 0.002 * t.amount + (t.card_present ? -1.2 : 0.8) + (HIGH_RISK.has(t.country) ? 1.5 : 0);
  const risk = round(1 / (1 + Math.exp(-z)), 4);
  return { risk, decision: risk >= 0.8 ? 'decline' : risk >= 0.5 ? 'review' : 'approve' };
}

/** Why the inputs cannot be scored, or undefined when they can. */
export function transactionProblem(inputs: unknown): string | undefined {
  const t = inputs as Partial<Transaction> | null;
  if (typeof t !== 'object' || t === null || Array.isArray(t)) return 'inputs must be an object';
  if (typeof t.amount !== 'number' || !(t.amount > 0)) return 'inputs.amount must be a positive number';
  if (typeof t.country !== 'string' || !/^[A-Z]{2}$/.test(t.country)) return 'inputs.country must be an ISO 3166 alpha-2 code';
  if (typeof t.card_present !== 'boolean') return 'inputs.card_present must be true or false';
  return undefined;
}

/** The service's whole answer to a parsed body. */
export function fraudAnswer(json: unknown): { status: number; body: unknown } {
  const job = (json as { job?: { type?: unknown; inputs?: unknown } } | null)?.job;
  if (typeof job !== 'object' || job === null || job.type !== 'fraud-score') {
    return { status: 400, body: { message: 'expected {"job": {"type": "fraud-score", "inputs": {...}}}' } };
  }
  // Deterministic, so that the same job gets the same id (and golden fixtures stay stable).
  const jobId = `job-${createHash('sha256').update(JSON.stringify(job.inputs ?? null)).digest('hex').slice(0, 8)}`;
  const problem = transactionProblem(job.inputs);
  if (problem) return { status: 200, body: { jobId, status: 'FAILED', message: problem } };
  return { status: 200, body: { jobId, status: 'SUCCEEDED', output: scoreTransaction(job.inputs as Transaction) } };
}

export function startFraudModel(options: { port?: number } = {}): Promise<DemoService> {
  return startJsonService({
    name: DEMO_ADDRESSES.fraud.name,
    path: DEMO_ADDRESSES.fraud.path,
    port: options.port ?? DEMO_ADDRESSES.fraud.port,
    errorBody: (message) => ({ message }),
    predict: fraudAnswer,
  });
}
