// Where each demo service listens by default and the parameter that names it: what
// local/parameters.json holds for the demos, and what `npm start` serves in its place when a
// demo runs elsewhere (a DEMO_*_PORT, 0, or its default port taken).

export const DEMO_ADDRESSES = {
  iris: { name: 'iris', parameter: 'models/iris/endpoint', port: 9101, path: '/v1/models/iris:predict' },
  churn: { name: 'churn', parameter: 'models/churn/endpoint', port: 9102, path: '/predict' },
  irisKserve: { name: 'iris-kserve', parameter: 'models/iris-kserve/endpoint', port: 9103, path: '/v2/models/iris/infer' },
  fraud: { name: 'fraud', parameter: 'models/fraud/endpoint', port: 9104, path: '/api/jobs' },
  churnV2: { name: 'churn-v2', parameter: 'models/churn/variants/v2/endpoint', port: 9105, path: '/predict' },
} as const;

export type DemoKey = keyof typeof DEMO_ADDRESSES;

export const DEMO_KEYS = Object.keys(DEMO_ADDRESSES) as DemoKey[];

/** A demo's URL on `port` (its default port when absent). */
export const demoUrl = (key: DemoKey, port: number = DEMO_ADDRESSES[key].port): string => `http://127.0.0.1:${port}${DEMO_ADDRESSES[key].path}`;

/** Every demo at its default address, as local/parameters.json names them (see demoParameters). */
export const DEFAULT_DEMO_ENDPOINTS: readonly { parameter: string; url: string }[] = DEMO_KEYS.map((key) => ({
  parameter: DEMO_ADDRESSES[key].parameter,
  url: demoUrl(key),
}));
