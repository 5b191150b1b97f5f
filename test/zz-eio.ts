import { startHostSim } from '../src/board/hostsim';
import { openTransport } from '../src/transport';
(async () => {
  const sim = await startHostSim({});
  const t = await openTransport(sim.port);
  let n = 0; let bytes = 0;
  t.onData((c) => { n++; bytes += c.length; });
  t.onClose((e) => console.log('closed', e?.message));
  process.kill(sim.pid, 'SIGKILL');
  for (let i = 0; i < 6; i++) { await new Promise((r) => setTimeout(r, 1000)); console.log(n, bytes, process.memoryUsage().rss >> 20); }
  await t.write(Uint8Array.of(1, 2, 3)).catch((e) => console.log('write', e.message));
  await t.close(); console.log('done');
})();
