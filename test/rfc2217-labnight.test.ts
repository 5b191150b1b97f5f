// rfc2217-labnight.test.ts - a lab night in small: two host-sims exported by ser2net (RFC 2217 and raw TCP),
// points spread over them by the pool, one board hung midway, results appended, resumed, and reported.
import t from 'tap';
import * as fs from 'fs';
import * as path from 'path';
import { hostSimUnavailable, startHostSim } from '../src/board/hostsim';
import { openBoard, type OpenedBoard } from '../src/board/open';
import { KERNELS } from '../src/golden';
import { runPoint } from '../src/harness/sweep';
import type { TestPoint } from '../src/harness/points';
import { runPool, BoardFailure } from '../src/pool';
import { ResultsWriter, readResults, loadResume, pointKey, recordFromPoint } from '../src/results';
import { renderMarkdown } from '../src/report';
import { ser2netMissing, startSer2net } from '../tools/ser2net/ser2net';
import { nativeUnavailable } from './lib/native';

const skip = ser2netMissing() ?? hostSimUnavailable() ?? nativeUnavailable() ?? false;

function point(kernel: string, S: number): TestPoint {
  const k = KERNELS[kernel];
  return { test: kernel, kernel, split: 'heads', shape: { S, E: 16, P: 8, H: 2, T: 4 }, cores: 1, seed: 7, rq: k.defaultRq, consts: k.defaultConsts ?? [] };
}

t.test('pool over two ser2net-exported host-sims; one dies; results resume; report', { skip }, async (t) => {
  const sims = [await startHostSim({ arenaBytes: 1 << 20 }), await startHostSim({ arenaBytes: 1 << 20 })];
  t.teardown(async () => { for (const s of sims) await s.stop(); });
  const exports = [await startSer2net(sims[0].port), await startSer2net(sims[1].port)];
  t.teardown(async () => { for (const e of exports) await e.stop(); });

  const urls = [exports[0].rfc2217Url, exports[1].rawUrl];
  const boards: Array<{ url: string; board: OpenedBoard; sim: number }> = [];
  for (const [i, url] of urls.entries()) {
    const board = await openBoard({ board: 'host-sim', port: url, timeoutMs: 500, retries: 2 });
    t.equal(board.info.name, 'host-sim', `HELLO through ${url}`);
    boards.push({ url, board, sim: i });
  }
  t.teardown(async () => { for (const b of boards) await b.board.close().catch(() => {}); });

  const points = ['linear_qk', 'qk_softmax', 'mhsa', 'mhsa_dft'].flatMap((k) => [4, 8, 16].map((S) => point(k, S)));
  const file = path.join(t.testdir(), 'night.jsonl');
  const writer = ResultsWriter.open(file);
  const ranOn = new Map<number, string>();
  let runsOnRaw = 0;
  const dead: string[] = [];

  const results = await runPool(points, boards, async (b, p) => {
    // The raw-TCP board hangs mid-night. Stopped, not killed: a dead host-sim frees its pty number,
    // which the kernel may give to another suite's board while ser2net still opens that path.
    if (b.sim === 1 && ++runsOnRaw === 3) process.kill(sims[1].pid, 'SIGSTOP');
    const r = await runPoint(b.board, p);
    // host-sim runs every valid point; an error here means the board or its link is gone
    if (r.error !== undefined) throw new BoardFailure(`${b.url}: ${r.error}`);
    const rec = recordFromPoint(r, { port: b.url });
    writer.append(rec);
    ranOn.set(points.indexOf(p), b.url);
    return rec;
  }, {
    describeWorker: (b) => b.url,
    onWorkerDead: (b, e) => dead.push(`${b.url}: ${e.message.split(':')[0]}`),
  });
  writer.close();

  t.equal(dead.length, 1, 'the raw-TCP board was dropped');
  t.ok(dead[0].startsWith(urls[1]));
  t.equal(results.length, points.length);
  t.ok(results.every((r) => r.bitExact), 'every point bit-exact through ser2net');
  t.ok([...ranOn.values()].includes(urls[0]) && [...ranOn.values()].includes(urls[1]), 'both boards ran points before the death');
  t.same(results.map(pointKey), points.map((p) => recordFromPoint({ point: p, board: 'host-sim', firmwareVersion: '', bitExact: true, macs: 0, timestamp: '' })).map(pointKey), 'results in point order');

  // The file holds every point once; a resume would skip them all.
  const back = readResults(file);
  t.same(back.warnings, []);
  t.equal(back.records.length, points.length);
  const resume = loadResume(file);
  t.equal(points.filter((p) => !resume.has(pointKey(recordFromPoint({ point: p, board: 'host-sim', firmwareVersion: '', bitExact: true, macs: 0, timestamp: '' })))).length, 0);

  const md = renderMarkdown(back.records);
  t.match(md, /^12 of 12 points bit-exact$/m);
  t.match(md, /\| mhsa_dft \| host-sim \| mhsa_dft \| 16 \| 16 \| 8 \| 2 \| 4 \| 1 \| ✓ \| [\d,]+ \| ns \(host\) \|/);
  fs.rmSync(file);
  // The boards close, then ser2net stops, before any host-sim does: nothing is left to reopen a pty
  // path whose number the kernel may give to another suite's board.
  for (const b of boards) await b.board.close().catch(() => {});
  for (const e of exports) await e.stop();
});
