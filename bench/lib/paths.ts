import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));
/** Bundles, parameter files and profiles of one run; ignored by git. */
export const TMP_DIR = fileURLToPath(new URL('../results/tmp/', import.meta.url));
