import { openBoard } from '../src/board/open';
import * as native from '../src/native';
import { MsgType } from '../src/protocol/constants';
(async () => {
  const board = await openBoard({ board: 'host-sim', hostSim: { arenaBytes: 1 << 20 }, timeoutMs: 200, backoffMs: 5 });
  const firstPid = board.started!.pid!;
  const t0 = Date.now();
  const iv = setInterval(() => console.log(Date.now() - t0, board.client.stats, process.memoryUsage().rss >> 20), 1000);
  let killed = false; let doneRuns = 0;
  board.client.on('send', (type: number) => {
    if (type === MsgType.RUN && !killed && doneRuns === 4) {
      killed = true;
      console.log('killing', firstPid);
      process.kill(firstPid, 'SIGKILL');
      board.restart!().then(() => console.log('restarted', board.started), (e) => console.log('restart failed', e));
    }
  });
  for (let i = 0; i < 10; i++) {
    const shape = { S: 8, E: 8, P: 4, H: 2 };
    const inputs = native.kernelSizes('mhsa', shape).inputs.map((n) => new Uint8Array(n).fill(i));
    const req = { kernel: 'mhsa', shape, rq: Array.from({ length: 6 }, () => [385, 16] as [number, number]), inputs };
    const r = await board.run(req);
    console.log('ran', i, Buffer.from(r.output).equals(native.run(req)), board.runRetries);
    doneRuns++;
  }
  clearInterval(iv);
  await board.close();
})().catch((e) => { console.error(e); process.exit(1); });
