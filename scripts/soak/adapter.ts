// The adapter under soak, in a process of its own so that its memory is measured alone:
// `npm start`'s local mode (startLocal), driven over IPC by scripts/soak.ts. Its log and EMF
// lines go to stdout, where the soak counts them.
import { EPHEMERAL_DEMO_PORTS } from '../../local/demo-models.ts';
import { startLocal } from '../../local/start.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const send = (message: unknown): void => {
  process.send?.(message);
};

// Every port free, so that the soak runs beside an `npm start` (or anything on 3000, 9101-9105).
const local = await startLocal({ port: 0, demoPorts: EPHEMERAL_DEMO_PORTS, parametersFile: process.env.PARAMETERS_FILE });
send({ type: 'ready', url: local.url, demos: Object.fromEntries(local.demos.map((demo) => [demo.name, demo.url])) });

process.on('message', (message: { type: string }) => {
  if (message.type === 'memory') {
    // Twice: the first pass can leave finalizable objects for the second.
    gc();
    gc();
    send({ type: 'memory', usage: process.memoryUsage() });
  } else if (message.type === 'stop') {
    local.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  }
});
process.on('disconnect', () => process.exit(1));
