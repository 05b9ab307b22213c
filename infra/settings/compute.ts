// Where the adapter function runs: Lambda's default model (`on-demand`: one invocation per
// execution environment at a time), or Lambda Managed Instances (`managed-instances`: EC2
// capacity that Lambda manages in the VPC's private subnets, each execution environment
// serving many invocations at once). docs/deploy.md, "Lambda Managed Instances", says when to
// choose which.
import type { Reader } from './reader.ts';

export const COMPUTE_KEYS = ['compute', 'maxConcurrency', 'maxVCpuCount', 'minExecutionEnvironments', 'maxExecutionEnvironments'] as const;
type ComputeKey = (typeof COMPUTE_KEYS)[number];

export const COMPUTE_KINDS = ['on-demand', 'managed-instances'] as const;
export type ComputeKind = (typeof COMPUTE_KINDS)[number];

/**
 * Memory per vCPU of each execution environment, GiB: LMI's smallest ratio (2 to 8 are
 * allowed), the one for I/O-bound functions like this one, which wait on models.
 */
export const LMI_MEMORY_GIB_PER_VCPU = 2;
/** LMI's smallest function: 2 GB and 1 vCPU. */
export const LMI_MIN_MEMORY_MB = 2048;
/** Node.js's default on LMI: 64 concurrent invocations per vCPU. */
export const LMI_CONCURRENCY_PER_VCPU = 64;

export type ComputeSettings =
  | { readonly kind: 'on-demand' }
  | {
      readonly kind: 'managed-instances';
      /** The function's memory, MB: memorySize, or 2048 when unset. */
      readonly memorySize: number;
      /** memorySize / (2 GiB per vCPU). */
      readonly vCpus: number;
      /** Per execution environment (PerExecutionEnvironmentMaxConcurrency). */
      readonly maxConcurrency: number;
      /** The capacity provider's ceiling on vCPUs across all its instances. */
      readonly maxVCpuCount: number;
      /** Execution environments kept for the function's published version, however quiet it is. */
      readonly minExecutionEnvironments: number;
      readonly maxExecutionEnvironments: number | undefined;
    };

/**
 * The compute settings. `memorySize` is the function group's key: read again here only to
 * check it against LMI's sizes, and problems with it are reported under its name.
 */
export function readComputeSettings(read: Reader<ComputeKey | 'memorySize'>): ComputeSettings {
  const kind = read.choice('compute', COMPUTE_KINDS) ?? 'on-demand';
  const maxConcurrency = read.integer('maxConcurrency', 1, 1600);
  // The capacity provider's own bounds (aws-cdk-lib checks the same).
  const maxVCpuCount = read.integer('maxVCpuCount', 12, 15_000);
  const minExecutionEnvironments = read.integer('minExecutionEnvironments', 0, 15_000);
  const maxExecutionEnvironments = read.integer('maxExecutionEnvironments', 1, 15_000);

  if (kind === 'on-demand') {
    const set = { maxConcurrency, maxVCpuCount, minExecutionEnvironments, maxExecutionEnvironments };
    for (const [key, value] of Object.entries(set)) {
      if (value !== undefined) read.problem(key as ComputeKey, `${key}: applies only with compute=managed-instances`);
    }
    return { kind };
  }

  const rawMemory = read.raw('memorySize');
  // The function group refuses what is not an integer in its range; here only LMI's rules.
  const memory = typeof rawMemory === 'number' ? rawMemory : typeof rawMemory === 'string' && /^\d+$/.test(rawMemory.trim()) ? Number(rawMemory) : undefined;
  const memorySize = rawMemory === undefined ? LMI_MIN_MEMORY_MB : (memory ?? LMI_MIN_MEMORY_MB);
  const step = LMI_MEMORY_GIB_PER_VCPU * 1024;
  if (memory !== undefined && (memory < LMI_MIN_MEMORY_MB || memory % step !== 0)) {
    read.problem(
      'memorySize',
      `memorySize: with compute=managed-instances, a multiple of ${step} MB (whole vCPUs at ${LMI_MEMORY_GIB_PER_VCPU} GiB each), at least ${LMI_MIN_MEMORY_MB}, got ${memory}`,
    );
  }
  const vCpus = Math.max(1, Math.floor(memorySize / step));
  const minimum = minExecutionEnvironments ?? 3;
  if (maxExecutionEnvironments !== undefined && maxExecutionEnvironments < minimum) {
    read.problem('maxExecutionEnvironments', `maxExecutionEnvironments: must be at least minExecutionEnvironments (${minimum}), got ${maxExecutionEnvironments}`);
  }
  return {
    kind,
    memorySize,
    vCpus,
    maxConcurrency: maxConcurrency ?? LMI_CONCURRENCY_PER_VCPU * vCpus,
    maxVCpuCount: maxVCpuCount ?? 24,
    // Lambda's own default: three, for Availability Zone resiliency.
    minExecutionEnvironments: minimum,
    maxExecutionEnvironments,
  };
}
