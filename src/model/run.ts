// run.ts - runs a block on a board. Over the link (host-sim, QEMU, real MCUs): the memory plan is checked
// against the board's arena first, weights are written once (CRC-verified), the inputs written, then each
// node runs where its tensors already are (one RUN per node, no tensor crosses the link between layers);
// the RUN reply's output CRC is compared with the golden one and the output is READ only on a mismatch,
// to name the differing elements. In-process boards (host) run node by node on their own outputs.
import { z } from 'zod';
import { check as checkSchema, intIn } from '../validate/zod';
import type { Board, CounterKind } from '../board/types';
import type { EnergyResult, EnergySource } from '../energy/types';
import { compareDetail } from '../golden/compare';
import { crc32 } from '../protocol/crc32';
import { ErrorCode, SPLIT_HEADS, SPLIT_ROWS } from '../protocol/constants';
import { BoardError, BoardResetError, LinkTimeoutError, ProtocolError, RunAbortedError, VerifyError } from '../protocol/errors';
import type { ProtocolClient } from '../protocol/client';
import type { RunParams } from '../protocol/frame';
import { BlockInputs, GoldenEngine, initialTensors, runBlockGolden } from './golden';
import type { Model, ModelNode } from './load';
import { MemoryPlan, checkFits, planModel } from './plan';

export type RunMode = 'layers' | 'graph';

export interface NodeResult {
  index: number;
  name: string;
  kernel: string;
  /** The node's shape fields, e.g. "S=81 E=32 P=32 H=8". */
  shape: string;
  bitExact: boolean;
  mismatch?: string;
  /** One run, in counterUnit. */
  counter: number;
  perCore: number[];
  macs: number;
  /** Activation bytes live while the node runs (inputs, outputs, scratch of the plan). */
  liveBytes: number;
  outputBytes: number;
  outputCrc: number;
}

export interface BlockResult {
  model: string;
  file: string;
  board: string;
  firmwareVersion: string;
  counterKind: CounterKind;
  counterUnit: string;
  clockHz: number;
  cores: number;
  repeat: number;
  mode: RunMode;
  nodes: NodeResult[];
  /** Sum of the node counters (layer by layer) or the board's block counter (graph). */
  total: number;
  macs: number;
  bitExact: boolean;
  weightBytes: number;
  peakBytes: number;
  peakNode: string;
  arenaBytes: number;
  /** Set when the run was stopped (Ctrl-C, ABORT): `nodes` holds the layers that completed. */
  interrupted?: { done: number; of: number; why: string };
  /** Host wall time of the block's run (writes excluded), ms: what the link adds shows here. */
  wallMs: number;
  /** The block outputs as read back (verified by CRC). */
  outputs: Record<string, Uint8Array>;
  /** Energy of one block run, when an energy source was given. */
  energy?: EnergyResult;
  /** One-request runs: the board's block counter minus the node counters (dispatch between nodes). */
  dispatchOverhead?: number;
  /** One-request runs: GRAPH requests the block took. */
  requests?: number;
}

export interface RunModelOptions {
  inputs?: BlockInputs;
  cores?: number;
  repeat?: number;
  mode?: RunMode;
  /** Plan against at most this many bytes even if the board has more (a smaller board's arena). */
  arenaBytes?: number;
  /** Called after each node with its result. */
  onNode?: (r: NodeResult) => void;
  /** Whole-block attempts after a reset or a dead link (default 3). */
  attempts?: number;
  /** Golden engine: the addon for boards (fast), the TypeScript model for the host board (what it checks). */
  golden?: GoldenEngine;
  /** Expected bytes of every tensor (weights, inputs, node outputs) instead of the golden run's. */
  expected?: Map<string, Uint8Array>;
  /** Measure the block's energy: the block runs inside the source's window. */
  energy?: EnergySource;
  /** Polled before each node: true stops the block there (the result says `interrupted`). */
  stopped?: () => boolean;
}

const aborted = (n: ModelNode, e: RunAbortedError, repeat: number) => `layer ${n.name} (${n.kernel}) aborted after ${e.detail} of ${repeat} repeats`;

/** What a stopped block returns: the layers that completed, no block outputs. */
function partial(base: Omit<BlockResult, 'nodes' | 'total' | 'bitExact' | 'wallMs' | 'outputs'>, nodes: NodeResult[], of: number, t0: number, why: string): BlockResult {
  return {
    ...base, nodes, total: nodes.reduce((s, r) => s + r.counter, 0), bitExact: nodes.every((r) => r.bitExact),
    wallMs: Date.now() - t0, outputs: {}, interrupted: { done: nodes.length, of, why },
  };
}

/** What a one-request run needs of the board (LinkBoard.runGraph, src/board/graph.ts). */
interface GraphCapable {
  runGraph(nodes: Array<{
    kernel: string; shape: ModelNode['shape']; split?: 'heads' | 'rows'; rq: Array<[number, number]>; consts?: number[]; cores?: number;
    inputOffsets: number[]; outputOffset: number; scratchOffset?: number; scratchBytes?: number; name?: string;
  }>, opts?: { repeat?: number }): Promise<{ counter: number; overhead: number; requests: number; nodes: Array<{ counter: number; perCore: number[]; outputBytes: number; outputCrc: number }> }>;
}

type Remote = Board & { client: ProtocolClient; rehello(): Promise<void> } & Partial<GraphCapable>;
const isRemote = (b: Board): b is Remote => typeof (b as Partial<Remote>).client === 'object' && typeof (b as Partial<Remote>).rehello === 'function';

/** "S=81 E=32 P=32 H=8 T=8" in the kernel's own symbols (linear: "S=81 K=32 N=128"). */
export function nodeShapeText(n: ModelNode): string {
  const probe = { S: 2, E: 3, P: 5, H: 7, T: 1 };
  const primes: Array<[number, 'S' | 'E' | 'P' | 'H']> = [[2, 'S'], [3, 'E'], [5, 'P'], [7, 'H']];
  const names = new Map<string, number>(); // symbol -> value
  for (const spec of n.info.inputs) {
    spec.dims(probe).forEach((d, j) => {
      const toks = spec.dimNames[j].split('*').map((x) => x.trim());
      const fs: Array<'S' | 'E' | 'P' | 'H'> = [];
      for (const [p, f] of primes) while (d % p === 0) { fs.push(f); d /= p; }
      // One symbol: the product of the fields it stands for (K of linear is E). Several: named fields.
      if (toks.length === 1) names.set(toks[0], fs.reduce((a, f) => a * n.shape[f], 1));
      else for (const tok of toks) if (tok in n.shape) names.set(tok, n.shape[tok as 'S' | 'E' | 'P' | 'H']);
    });
  }
  const order = ['S', 'E', 'P', 'H', 'K', 'N'];
  const syms = [...names.keys()].sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
  const parts = syms.map((x) => `${x}=${names.get(x)}`);
  if (n.info.usesT) parts.push(`T=${n.shape.T}`);
  return parts.join(' ');
}

function scratchFn(m: Model, cores: number): (i: number) => number {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const native = require('../native') as typeof import('../native');
  return (i) => native.scratchBytes(m.nodes[i].kernel, m.nodes[i].shape, cores);
}

/** The plan for `board` (throws before anything is sent when it does not fit). */
export function planForBoard(m: Model, board: { name: string; arenaBytes: number }, cores = 1, arenaBytes?: number): MemoryPlan {
  const plan = planModel(m, scratchFn(m, cores));
  const limit = arenaBytes !== undefined ? Math.min(arenaBytes, board.arenaBytes || arenaBytes) : board.arenaBytes;
  if (limit > 0) checkFits(m, plan, limit, board.name);
  return plan;
}

function retriable(e: unknown): boolean {
  return e instanceof BoardResetError || e instanceof LinkTimeoutError || e instanceof VerifyError || e instanceof ProtocolError ||
    (e instanceof BoardError && e.code === ErrorCode.TOO_LARGE);
}

function runParams(m: Model, n: ModelNode, plan: MemoryPlan, kernelId: number, cores: number, repeat: number): RunParams {
  return {
    kernelId, nCores: cores, split: n.split === 'rows' ? SPLIT_ROWS : SPLIT_HEADS,
    shape: { S: n.shape.S, E: n.shape.E, P: n.shape.P, H: n.shape.H, T: n.shape.T ?? 0 },
    rq: n.rq, consts: n.consts, repeat,
    inputOffsets: n.inputs.map((t) => plan.offsets.get(t)!),
    outputOffset: plan.offsets.get(n.output)!,
    scratchOffset: plan.scratch[n.index].offset, scratchBytes: plan.scratch[n.index].bytes,
  };
}

/** The weights as one region from offset 0, zero padding between them (one write, one CRC). */
function weightSpan(m: Model, plan: MemoryPlan, t: Map<string, Uint8Array>): Uint8Array {
  const end = plan.weights.reduce((e, w) => Math.max(e, w.offset + w.bytes), 0);
  const span = new Uint8Array(end);
  for (const w of plan.weights) span.set(t.get(w.name)!, w.offset);
  return span;
}

export async function runModel(board: Board, m: Model, opts: RunModelOptions = {}): Promise<BlockResult> {
  if (!opts.energy) return runBlock(board, m, opts);
  let res: BlockResult | undefined;
  const energy = await opts.energy.measure(async () => {
    res = await runBlock(board, m, opts);
    return { counter: res.total, counterUnit: res.counterUnit, counterKind: res.counterKind, repeat: res.repeat };
  }, { macs: m.nodes.reduce((s, n) => s + n.macs, 0) });
  if (!res) throw new Error(`energy source ${opts.energy.describe()} returned without running the block`);
  // A part of a block has no per-block energy.
  return res.interrupted ? res : { ...res, energy };
}

async function runBlock(board: Board, m: Model, opts: RunModelOptions): Promise<BlockResult> {
  const cores = opts.cores ?? 1;
  const repeat = opts.repeat ?? 1;
  const mode = opts.mode ?? 'layers';
  const opt = checkSchema(z.object({
    cores: intIn(1, board.info.nCores, `an integer in 1..${board.info.nCores} (${board.info.name}'s cores)`),
    repeat: intIn(1, 0xffffffff),
  }), { cores, repeat });
  if (!opt.ok) throw new RangeError(`${m.name} on ${board.info.name}: ${opt.problem.field}: ${opt.problem.detail}`);
  const engine = opts.golden ?? (board.info.name === 'host' ? 'ts' : 'addon');
  const golden = opts.expected ?? runBlockGolden(m, opts.inputs ?? {}, engine);
  const plan = isRemote(board) ? planForBoard(m, board.info, cores, opts.arenaBytes) : planModel(m, scratchFn(m, cores));
  if (!isRemote(board) && opts.arenaBytes !== undefined) checkFits(m, plan, opts.arenaBytes, board.info.name);
  const base = {
    model: m.name, file: m.file, board: board.info.name, firmwareVersion: board.info.firmwareVersion,
    counterKind: board.info.counterKind, counterUnit: board.info.counterUnit, clockHz: board.info.clockHz,
    cores, repeat, mode, macs: m.nodes.reduce((s, n) => s + n.macs, 0),
    weightBytes: plan.weightBytes, peakBytes: plan.peakBytes, peakNode: m.nodes[plan.peakNode].name, arenaBytes: plan.totalBytes,
  };
  const check = (n: ModelNode, counter: number, perCore: number[], crc: number, outBytes: number, got?: Uint8Array): NodeResult => {
    const want = golden.get(n.output)!;
    const bitExact = crc === crc32(want) && outBytes === want.length;
    const r: NodeResult = {
      index: n.index, name: n.name, kernel: n.kernel, shape: nodeShapeText(n), bitExact, counter, perCore,
      macs: n.macs, liveBytes: plan.liveBytes[n.index], outputBytes: outBytes, outputCrc: crc,
    };
    if (!bitExact) r.mismatch = got ? compareDetail(n.kernel, n.shape, got, want)?.message ?? 'output CRC differs from the golden one' : 'output CRC differs from the golden one';
    opts.onNode?.(r);
    return r;
  };
  if (!isRemote(board)) {
    // In-process: each node on the board's own previous outputs.
    const t = initialTensors(m, opts.inputs ?? {});
    const nodes: NodeResult[] = [];
    const t0 = Date.now();
    for (const n of m.nodes) {
      if (opts.stopped?.()) return partial(base, nodes, m.nodes.length, t0, `stopped before layer ${n.name}`);
      let res;
      try {
        res = await board.run({ kernel: n.kernel, shape: n.shape, split: n.split, rq: n.rq, consts: n.consts, inputs: n.inputs.map((x) => t.get(x)!), cores, repeat });
      } catch (e) {
        if (e instanceof RunAbortedError) return partial(base, nodes, m.nodes.length, t0, aborted(n, e, repeat));
        throw e;
      }
      t.set(n.output, res.output);
      nodes.push(check(n, res.counter, res.perCore, crc32(res.output), res.output.length, res.output));
    }
    const wallMs = Date.now() - t0;
    return { ...base, nodes, total: nodes.reduce((s, r) => s + r.counter, 0), bitExact: nodes.every((r) => r.bitExact), wallMs, outputs: Object.fromEntries(m.outputs.map((o) => [o, t.get(o)!])) };
  }
  return runRemote(board, m, plan, golden, base, check, { ...opts, cores, repeat, mode });
}

async function runRemote(
  board: Remote, m: Model, plan: MemoryPlan, golden: Map<string, Uint8Array>,
  base: Omit<BlockResult, 'nodes' | 'total' | 'bitExact' | 'wallMs' | 'outputs'>,
  check: (n: ModelNode, counter: number, perCore: number[], crc: number, outBytes: number, got?: Uint8Array) => NodeResult,
  opts: RunModelOptions & { cores: number; repeat: number; mode: RunMode },
): Promise<BlockResult> {
  const ids = m.nodes.map((n) => {
    const on = board.info.kernels.find((k) => k.name === n.kernel);
    if (!on) throw new Error(`node ${n.name}: kernel ${n.kernel} is not in ${board.info.name}'s firmware (has: ${board.info.kernels.map((k) => k.name).join(', ')}); rebuild/reflash it`);
    if (on.id !== n.info.id) throw new Error(`node ${n.name}: kernel ${n.kernel} has id ${on.id} on ${board.info.name} but ${n.info.id} on the host: firmware and host disagree`);
    return on.id;
  });
  if (opts.mode === 'graph' && typeof board.runGraph !== 'function') {
    throw new Error(`one-request (GRAPH) runs are not available in this build: run layer by layer (--mode layers)`);
  }
  const client = board.client;
  const attempts = opts.attempts ?? 3;
  let last: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      if (attempt > 1) await board.rehello();
      const epoch = client.resetCount;
      const span = weightSpan(m, plan, golden);
      await client.write(0, span);
      for (const name of m.inputs) await client.write(plan.offsets.get(name)!, golden.get(name)!);
      const nodes: NodeResult[] = [];
      const t0 = Date.now();
      let graph: { counter: number; overhead: number; requests: number } | undefined;
      try {
        if (opts.mode === 'graph') {
          // The whole list in one request: tensors already resident, no link time inside the block.
          const res = await board.runGraph!(m.nodes.map((n) => ({
            kernel: n.kernel, shape: n.shape, split: n.split, rq: n.rq, consts: n.consts, cores: opts.cores, name: n.name,
            inputOffsets: n.inputs.map((t) => plan.offsets.get(t)!), outputOffset: plan.offsets.get(n.output)!,
            scratchOffset: plan.scratch[n.index].offset, scratchBytes: plan.scratch[n.index].bytes,
          })), { repeat: opts.repeat });
          if (res.nodes.length !== m.nodes.length) throw new Error(`GRAPH on ${board.info.name} ran ${res.nodes.length} of ${m.nodes.length} nodes`);
          res.nodes.forEach((r, i) => {
            const nr = check(m.nodes[i], r.counter, r.perCore, r.outputCrc, r.outputBytes);
            // Later nodes may reuse a node's memory: coordinates need a layer-by-layer run.
            if (!nr.bitExact) nr.mismatch = `output CRC differs from the golden one (run with --mode layers to see the differing elements)`;
            nodes.push(nr);
          });
          graph = { counter: res.counter, overhead: res.overhead, requests: res.requests };
        } else for (const n of m.nodes) {
          if (opts.stopped?.()) return partial(base, nodes, m.nodes.length, t0, `stopped before layer ${n.name}`);
          const reply = await client.run(runParams(m, n, plan, ids[n.index], opts.cores, opts.repeat));
          if (reply.status !== 0) throw new Error(`node ${n.name} (${n.kernel} ${nodeShapeText(n)}) on ${board.info.name}: kernel returned th_status ${reply.status}`);
          const want = golden.get(n.output)!;
          let got: Uint8Array | undefined;
          if (reply.outputCrc !== crc32(want) || reply.outputBytes !== want.length) {
            got = await client.read(plan.offsets.get(n.output)!, reply.outputBytes);
            if (crc32(got) !== reply.outputCrc) throw new VerifyError(`node ${n.name}: output read back does not match the RUN reply's CRC`);
          }
          nodes.push(check(n, reply.counter, reply.perCore, reply.outputCrc, reply.outputBytes, got));
        }
      } catch (e) {
        // ABORT (Ctrl-C): keep the layers that completed; a GRAPH request reports none of its nodes.
        if (e instanceof RunAbortedError) {
          const why = opts.mode === 'graph' ? `the one-request (GRAPH) run aborted: ${e.text}` : aborted(m.nodes[nodes.length], e, opts.repeat);
          return partial(base, nodes, m.nodes.length, t0, why);
        }
        throw e;
      }
      const wallMs = Date.now() - t0;
      // Weights untouched by the whole block (a stray write or an unnoticed reset would show here).
      const after = await client.crc(0, span.length);
      if (after !== crc32(span)) throw new VerifyError(`weights changed on ${board.info.name} during the block (board reset or a stray write)`);
      const outputs: Record<string, Uint8Array> = {};
      for (const o of m.outputs) {
        const bytes = await client.read(plan.offsets.get(o)!, m.tensors.get(o)!.bytes);
        const r = nodes[m.tensors.get(o)!.producer!];
        if (crc32(bytes) !== r.outputCrc) throw new VerifyError(`block output ${o} read back does not match its RUN reply's CRC`);
        outputs[o] = bytes;
      }
      if (client.resetCount !== epoch) throw new BoardResetError('RUN');
      const total = graph ? graph.counter : nodes.reduce((s, r) => s + r.counter, 0);
      return {
        ...base, nodes, total, bitExact: nodes.every((r) => r.bitExact), wallMs, outputs,
        ...(graph ? { dispatchOverhead: graph.overhead, requests: graph.requests } : {}),
      };
    } catch (e) {
      last = e;
      if (!retriable(e) || opts.stopped?.()) throw e;
    }
  }
  throw new Error(`${m.name} on ${board.info.name} failed after ${attempts} attempts: ${(last as Error).message}`);
}
