// How a new version of the adapter function reaches B (AdapterDeployment): CodeDeploy shifts the
// `live` alias to it, 10% for 5 minutes first (canary) or all at once, and rolls back when an
// adapter alarm fires meanwhile.
import type { Reader } from './reader.ts';

export const DEPLOYMENT_KEYS = ['deployment'] as const;
type DeploymentKey = (typeof DEPLOYMENT_KEYS)[number];

export type DeploymentKind = 'canary' | 'allAtOnce';

export interface DeploymentSettings {
  readonly deployment: DeploymentKind;
}

export function readDeploymentSettings(read: Reader<DeploymentKey>): DeploymentSettings {
  return { deployment: read.choice('deployment', ['canary', 'allAtOnce'] as const) ?? 'canary' };
}
