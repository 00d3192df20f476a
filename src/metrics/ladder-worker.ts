/** Worker side of `ladderInWorkers` (ladder-parallel.ts): `ladderRow` for one config per request. */
import { parentPort, workerData } from 'node:worker_threads';
import { setBackend, type BackendName } from '../generator/backend.js';
import type { ConfigName } from '../generator/config.js';
import { ladderRow, type LadderRowParams } from './ladder.js';
import type { LadderWorkerReply } from './ladder-parallel.js';

const port = parentPort;
if (!port) throw new Error('ladder-worker.ts must run inside a worker_thread (see ladderInWorkers)');
const reply = (m: LadderWorkerReply) => port.postMessage(m);

try {
  await setBackend((workerData as { backend: BackendName | 'auto' }).backend);
  port.on('message', async (req: { name: ConfigName; params: LadderRowParams }) => {
    try {
      const row = await ladderRow(req.name, req.params, (msg, fraction) =>
        reply({ report: { msg, fraction } }),
      );
      reply({ row });
    } catch (err) {
      reply({ error: err instanceof Error ? err.message : String(err) });
    }
  });
  reply({ ready: true });
} catch (err) {
  reply({ ready: false, error: err instanceof Error ? err.message : String(err) });
}
