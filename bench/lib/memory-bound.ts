// The memory bound the bench shares with the soak: `npm run soak` fails on heap growth, after a
// collection, of more than SOAK_MAX_HEAP_GROWTH_MB (16 by default, scripts/soak.ts); the
// managed-instances scenario holds its RSS growth over the run to the same number.
export const SOAK_MAX_HEAP_GROWTH_MB = 16;
