// ppk2Worker.ts - the PPK2 decode worker: 400 kB/s of sample words decoded on Node's main event loop can stall it
// and lose data, so the driver hands each chunk here (Nordic's app reads the port in a forked process for the
// same reason: pc-nrfconnect-ppk worker/serialDevice.js). One worker serves every open PPK2 (by id). Messages:
// 'start' (config), 'data' (bytes), 'finish' (-> 'summary'); it posts 'changed' when the window opens or closes
// or a fault is found, and 'ready' once loaded.
import { parentPort } from 'worker_threads';
import { Ppk2Stream } from './ppk2Stream';
import type { Ppk2StreamConfig } from './ppk2Stream';

type In = { id: number } & ({ type: 'start'; cfg: Ppk2StreamConfig } | { type: 'data'; buf: Uint8Array } | { type: 'finish' });

const streams = new Map<number, Ppk2Stream>();
parentPort!.on('message', (m: In) => {
  switch (m.type) {
    case 'start': streams.set(m.id, new Ppk2Stream(m.cfg)); break;
    case 'data': {
      const s = streams.get(m.id);
      if (s && s.push(m.buf)) parentPort!.postMessage({ id: m.id, type: 'changed', summary: s.s });
      break;
    }
    case 'finish':
      parentPort!.postMessage({ id: m.id, type: 'summary', summary: streams.get(m.id)?.s ?? null });
      streams.delete(m.id);
      break;
    default: break;
  }
});
parentPort!.postMessage({ type: 'ready' });
