import { startHostSim } from '../src/board/hostsim';
import { RemoteBoard } from '../src/board/remote';
import { FaultInjector, memoryPair, openTransport, relay } from '../src/transport';
import * as native from '../src/native';
(async () => {
  const sim = await startHostSim({ arenaBytes: 1 << 20 });
  const pty = await openTransport(sim.port);
  const [client, far] = memoryPair();
  const faults = { seed: 12345, drop: 0.0033, dup: 0.0033, flip: 0.0034 };
  const toBoard = new FaultInjector(faults);
  const toHost = new FaultInjector({ ...faults, seed: 54321 });
  relay(far, pty, { aToB: toBoard, bToA: toHost });
  const t0 = Date.now();
  const iv = setInterval(() => console.log(Date.now() - t0, toBoard.stats, toHost.stats, process.memoryUsage().rss >> 20), 1000);
  const board = await RemoteBoard.connect(client, { timeoutMs: 150, runTimeoutMs: 1000, retries: 10, backoffMs: 2, maxChunk: 48, runAttempts: 4 });
  console.log('connected', board.client.stats);
  const kernels = ['linear_qk', 'linear_v', 'qk_softmax', 'mhsa', 'softmax', 'add', 'layernorm', 'mhsa_fwsa'];
  for (let i = 0; i < 24; i++) {
    const S = 4 + (i % 5) * 3;
    const kernel = kernels[i % kernels.length];
    const shape = { S, E: 8 + (i % 3) * 4, P: 4 + (i % 2) * 4, H: 1 + (i % 2) };
    const k = native.kernelInfo(kernel);
    const inputs = native.kernelSizes(kernel, shape).inputs.map((n) => new Uint8Array(n).fill(3));
    const rq: Array<[number, number]> = Array.from({ length: k.nRq }, () => [385, 16]);
    try {
      const r = await board.run({ kernel, shape, rq, inputs });
      console.log('ran', kernel, Date.now() - t0, r.output.length, board.client.stats);
    } catch (e) { console.log('fail', kernel, (e as Error).message); }
  }
  clearInterval(iv);
  await board.close(); await pty.close(); await sim.stop();
})().catch((e) => { console.error(e); process.exit(1); });
