// Local mode (`npm start`) as a bench target, in its own process: startLocal from
// local/start.ts with its defaults, except free ports and a parameters file that points the
// bench model at the loopback model server. MODEL_URL, PARAMETERS_FILE.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { EPHEMERAL_DEMO_PORTS } from '../../local/demo-models.ts';
import { startLocal } from '../../local/start.ts';
import { failChild, reportReady, stopOnSignal } from '../lib/processes.ts';
import { PREFIX, benchParameters } from '../lib/workload.ts';

try {
  const parametersFile = process.env.PARAMETERS_FILE ?? '';
  mkdirSync(dirname(parametersFile), { recursive: true });
  writeFileSync(parametersFile, `${JSON.stringify(benchParameters(process.env.MODEL_URL ?? ''), null, 2)}\n`);
  const local = await startLocal({
    port: 0,
    demoPorts: EPHEMERAL_DEMO_PORTS,
    parametersFile,
    parameterPrefix: PREFIX,
    env: { AWS_REGION: 'us-east-1' },
  });
  reportReady({ url: local.url });
  stopOnSignal(() => local.close());
} catch (error) {
  failChild(error);
}
