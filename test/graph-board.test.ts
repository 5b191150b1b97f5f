// GRAPH (one request, a node list on the board) against node-by-node RUNs and the golden model,
// on host-sim and on each QEMU board that is built: an encoder block (MHSA -> add -> LayerNorm ->
// linear -> GELU -> linear -> add -> LayerNorm) with tensors resident in the arena and dead
// activations' memory reused, so each node's CRC must be taken right after it ran.
import t from 'tap';
import { hostSimUnavailable } from '../src/board/hostsim';
import { QEMU_BOARDS, qemuUnavailable, type QemuBoardName } from '../src/board/qemu';
import { openBoard, OpenedBoard } from '../src/board/open';
import type { GraphNode } from '../src/board/graph';
import { KERNELS, runGolden, type Tensor } from '../src/golden';
import { MsgType } from '../src/protocol/constants';
import { crc32 } from '../src/protocol/crc32';
import { BoardError, RunAbortedError } from '../src/protocol/errors';

const S = 8, E = 16, P = 8, H = 2, F = 32;
const bytes = (a: Tensor): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Seeded int8/int16 tensors (mulberry32). */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = s;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return (x ^ (x >>> 14)) >>> 0;
  };
}
const next = rng(4242);
const i8 = (n: number) => Int8Array.from({ length: n }, () => (next() >>> 24) - 128);
const i16 = (n: number) => Int16Array.from({ length: n }, () => (next() >>> 22) - 512);

interface Block {
  nodes: GraphNode[];
  weights: Array<[number, Tensor]>;
  golden: Uint8Array[];       // each node's golden output
  regions: Array<[number, number]>; // activation regions (offset, bytes) to clear between runs
  yOffset: number;
  yBytes: number;
}

/** The block, its arena plan (8-aligned bump allocator, activations reusing dead memory) and its golden outputs. */
function makeBlock(): Block {
  let at = 0;
  const alloc = (n: number) => { const o = at; at += Math.ceil(n / 8) * 8; return o; };
  const weights: Array<[number, Tensor]> = [];
  const put = (t: Tensor) => { const o = alloc(t.byteLength); weights.push([o, t]); return o; };
  const X = i8(S * E);
  const att = [i8(H * P * E), i16(H * P), i8(H * P * E), i16(H * P), i8(H * P * E), i16(H * P), i8(E * H * P), i16(E)];
  const g1 = i8(E), b1 = i16(E), W1 = i8(F * E), B1 = i16(F), W2 = i8(E * F), B2 = i16(E), g2 = i8(E), b2 = i16(E);
  const oX = put(X);
  const oAtt = att.map(put);
  const [og1, ob1, oW1, oB1, oW2, oB2, og2, ob2] = [g1, b1, W1, B1, W2, B2, g2, b2].map(put);
  const mhsaScratch = KERNELS.mhsa.scratch({ S, E, P, H }, 1);
  const oScr = alloc(mhsaScratch);
  const oA = alloc(S * E), oR = alloc(S * E), oN = alloc(S * E), oH = alloc(S * F), oG = alloc(S * F);
  const rq = (n: number) => Array.from({ length: n }, () => [385, 16] as [number, number]);
  const sh = { S, E, P, H };
  const nodes: GraphNode[] = [
    { name: 'attn', kernel: 'mhsa', shape: sh, rq: rq(6), inputOffsets: [oX, ...oAtt], outputOffset: oA, scratchOffset: oScr, scratchBytes: mhsaScratch },
    { name: 'res1', kernel: 'add', shape: sh, rq: [[1, 0], [1, 0]], inputOffsets: [oX, oA], outputOffset: oR },
    { name: 'ln1', kernel: 'layernorm', shape: sh, rq: [[1, 7]], inputOffsets: [oR, og1, ob1], outputOffset: oN },
    { name: 'ffn1', kernel: 'linear', shape: { S, E, P: F, H: 1 }, rq: [[300, 12]], inputOffsets: [oN, oW1, oB1], outputOffset: oH },
    { name: 'gelu', kernel: 'gelu', shape: { S, E: F, P: 1, H: 1 }, rq: [[296, 20]], consts: [40, 1772, 1772], inputOffsets: [oH], outputOffset: oG },
    // H2 reuses A (dead after res1), R2 reuses R (dead after ln1), Y reuses H (dead after gelu).
    { name: 'ffn2', kernel: 'linear', shape: { S, E: F, P: E, H: 1 }, rq: [[300, 12]], inputOffsets: [oG, oW2, oB2], outputOffset: oA },
    { name: 'res2', kernel: 'add', shape: sh, rq: [[1, 0], [1, 0]], inputOffsets: [oN, oA], outputOffset: oR },
    { name: 'ln2', kernel: 'layernorm', shape: sh, rq: [[1, 7]], inputOffsets: [oR, og2, ob2], outputOffset: oH },
  ];
  const g = (k: string, shape: object, rqs: Array<[number, number]>, ins: Tensor[], consts?: number[]) =>
    runGolden(k, { ...(shape as { S: number; E: number; P: number; H: number }), rq: rqs, consts }, ins) as Int8Array;
  const A = g('mhsa', sh, rq(6), [X, ...att]);
  const R = g('add', sh, [[1, 0], [1, 0]], [X, A]);
  const N = g('layernorm', sh, [[1, 7]], [R, g1, b1]);
  const H1 = g('linear', { S, E, P: F, H: 1 }, [[300, 12]], [N, W1, B1]);
  const G = g('gelu', { S, E: F, P: 1, H: 1 }, [[296, 20]], [H1], [40, 1772, 1772]);
  const H2 = g('linear', { S, E: F, P: E, H: 1 }, [[300, 12]], [G, W2, B2]);
  const R2 = g('add', sh, [[1, 0], [1, 0]], [N, H2]);
  const Y = g('layernorm', sh, [[1, 7]], [R2, g2, b2]);
  return {
    nodes, weights,
    golden: [A, R, N, H1, G, H2, R2, Y].map(bytes),
    regions: [[oScr, mhsaScratch], [oA, S * E], [oR, S * E], [oN, S * E], [oH, S * F], [oG, S * F]],
    yOffset: oH, yBytes: S * E,
  };
}

const boards: Array<[string, string | null]> = [
  ['host-sim', hostSimUnavailable()],
  ...(Object.keys(QEMU_BOARDS) as QemuBoardName[]).map((b) => [b, qemuUnavailable(b)] as [string, string | null]),
];

for (const [name, why] of boards) {
  t.test(name, { skip: why ?? false }, async (t) => {
    const board: OpenedBoard = await openBoard({ board: name, runTimeoutMs: 120_000 });
    t.teardown(() => board.close());
    const blk = makeBlock();
    const clear = async () => { for (const [o, n] of blk.regions) await board.writeArena(o, new Uint8Array(n).fill(0xa5)); };
    for (const [o, w] of blk.weights) await board.writeArena(o, bytes(w));
    const wantCrc = blk.golden.map((g) => crc32(g));

    let graphCounters: number[] = [];
    await t.test('one GRAPH request: every node CRC equals its golden output, Y bit-exact', async (t) => {
      await clear();
      const t0 = Date.now();
      const r = await board.runGraph(blk.nodes);
      const wall = Date.now() - t0;
      t.equal(r.requests, 1);
      t.same(r.nodes.map((n) => n.outputCrc), wantCrc, 'per-node CRCs (taken before memory was reused)');
      t.same(r.nodes.map((n) => n.outputBytes), blk.golden.map((g) => g.length));
      t.same(Buffer.from(await board.readArena(blk.yOffset, blk.yBytes)), Buffer.from(blk.golden[7]), 'Y read back');
      const sum = r.nodes.reduce((a, n) => a + n.counter, 0);
      t.ok(r.counter >= sum, `total ${r.counter} >= sum of nodes ${sum}`);
      t.equal(r.overhead, r.counter - sum);
      graphCounters = r.nodes.map((n) => n.counter);
      t.comment(`${name}: GRAPH total ${r.counter} ${r.counterUnit}, nodes ${sum}, dispatch overhead ${r.overhead} ` +
        `(${(r.overhead / blk.nodes.length).toFixed(1)} per node, ${(100 * r.overhead / r.counter).toFixed(2)}%); wall ${wall} ms`);
      t.comment(`${name}: per node ${r.nodes.map((n) => `${n.name}=${n.counter}`).join(' ')}`);
    });

    await t.test('node by node (one RUN each, nothing written between): the same CRCs and bytes', async (t) => {
      await clear();
      const t0 = Date.now();
      const res = [];
      for (const n of blk.nodes) res.push(await board.runNode(n));
      const wall = Date.now() - t0;
      t.same(res.map((r) => r.outputCrc), wantCrc);
      t.same(Buffer.from(await board.readArena(blk.yOffset, blk.yBytes)), Buffer.from(blk.golden[7]));
      const runSum = res.reduce((a, r) => a + r.counter, 0);
      t.comment(`${name}: node-by-node RUN counters sum ${runSum}; wall ${wall} ms for ${blk.nodes.length} requests`);
      if (name !== 'host-sim') {
        // Instruction counts: a node costs the same in GRAPH and in its own RUN (loop overhead aside).
        res.forEach((r, i) => {
          const g = graphCounters[i];
          t.ok(Math.abs(r.counter - g) <= 0.02 * g + 200, `${blk.nodes[i].name}: RUN ${r.counter} vs GRAPH ${g}`);
        });
      }
    });

    await t.test('every node on several cores (where the board has them): the same CRCs', async (t) => {
      const cores = Math.min(4, board.info.nCores);
      if (cores < 2) return t.pass(`${name} has one core`);
      await clear();
      const r = await board.runGraph(blk.nodes.map((n) => ({ ...n, cores, scratchBytes: undefined })));
      t.same(r.nodes.map((n) => n.outputCrc), wantCrc);
      t.same(r.nodes.map((n) => n.perCore.length), blk.nodes.map(() => cores), `${cores} per-core counters a node`);
    });

    await t.test('GRAPH repeat 3: same CRCs; 24 node runs', async (t) => {
      await clear();
      const r = await board.runGraph(blk.nodes, { repeat: 3 });
      t.equal(r.repeat, 3);
      t.same(r.nodes.map((n) => n.outputCrc), wantCrc);
      t.ok(r.counter >= r.nodes.reduce((a, n) => a + n.counter, 0));
    });

    await t.test('a list longer than 32 nodes goes as several GRAPH requests', async (t) => {
      const many = Array.from({ length: 5 }, () => blk.nodes).flat();
      const r = await board.runGraph(many);
      t.equal(r.nodes.length, 40);
      t.ok(r.requests >= 2, `${r.requests} requests`);
      t.same(r.nodes.map((n) => n.outputCrc), Array.from({ length: 5 }, () => wantCrc).flat());
    });

    await t.test('abort() stops a GRAPH between nodes; the board then answers the next request', async (t) => {
      const max = board.info.maxRepeat ?? 1_000_000;
      await t.rejects(board.runGraph(blk.nodes, { repeat: max + 1 }), { message: `runGraph: repeat: expected an integer in 1..${max} (${name}'s HELLO max_repeat), found ${max + 1}` });
      // ABORT once the GRAPH frame is surely on the board (sent, then 1 s for a slow emulated link):
      // an ABORT that overtakes its request finds nothing running (completed 0) and proves nothing.
      const sent = new Promise<void>((r) => {
        const on = (type: number) => { if (type === MsgType.GRAPH) { board.client.off('send', on); r(); } };
        board.client.on('send', on);
      });
      const running = board.runGraph(blk.nodes, { repeat: max }).then(() => new Error('the GRAPH finished unaborted'), (x) => x);
      await sent;
      await new Promise((r) => setTimeout(r, 1000));
      await board.client.abort(15_000); // generous: a loaded machine may starve the emulator for a while
      const e = (await running) as RunAbortedError;
      t.type(e, RunAbortedError, String(e?.message));
      t.equal(e.requestName, 'GRAPH');
      t.ok(e.completed >= 1 && e.completed < max * blk.nodes.length, `aborted after ${e.completed} node runs (${e.message})`);
      t.match(e.text, new RegExp(`^GRAPH: aborted after ${e.completed} of ${max * blk.nodes.length} node runs$`));
      const r = await board.runGraph(blk.nodes.slice(0, 2));
      t.same(r.nodes.map((n) => n.outputCrc), wantCrc.slice(0, 2), 'next GRAPH runs normally');
    });

    await t.test('a bad node is refused by index before anything runs', async (t) => {
      await clear();
      const bad = blk.nodes.map((n, i) => (i === 3 ? { ...n, outputOffset: board.info.arenaBytes - 4 } : n));
      const before = await board.crcArena(blk.regions[1][0], blk.regions[1][1]);
      const e = (await board.runGraph(bad).catch((x) => x)) as BoardError;
      t.type(e, BoardError);
      t.equal(e.codeName, 'BAD_GRAPH');
      t.equal(e.node, 3);
      t.equal(e.nodeCodeName, 'OUT_OF_ARENA');
      t.match(e.message, /BAD_GRAPH\/OUT_OF_ARENA \(node 3\): ffn1: node 3: GRAPH: output offset \d+ \+ length 256/);
      t.equal(await board.crcArena(blk.regions[1][0], blk.regions[1][1]), before, 'node 0 did not run');
      const overlap = blk.nodes.map((n, i) => (i === 6 ? { ...n, outputOffset: n.inputOffsets[1] } : n));
      const e2 = (await board.runGraph(overlap).catch((x) => x)) as BoardError;
      t.equal(e2.node, 6);
      t.equal(e2.nodeCodeName, 'OVERLAP');
      await t.rejects(board.runGraph([{ ...blk.nodes[0], kernel: 'nope' }]), /Unknown kernel "nope"/);
      await t.rejects(board.runGraph([{ ...blk.nodes[1], cores: 99 }]), { message: `runGraph node 0 (res1: add): cores: expected an integer in 1..${board.info.nCores} (${name}'s cores), found 99` });
    });
  });
}
