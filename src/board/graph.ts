// Resident-arena runs: nodes whose tensors already sit at arena offsets, run one RUN at a time
// (runNode) or as one GRAPH request (runGraph). Types and the node -> RUN parameter mapping.

import { GRAPH_MAX_NODES, GRAPH_HDR_BYTES, GRAPH_REPLY_FIXED_BYTES, FRAME_OVERHEAD, RUN_REPLY_FIXED_BYTES, SPLIT_HEADS, SPLIT_ROWS } from '../protocol/constants';
import type { RunParams, RunReply } from '../protocol/frame';
import type { KernelCatalog } from './layout';
import { checkCores, checkOnBoard, checkRqConsts } from './requestChecks';
import type { BoardInfo, CounterKind, Shape } from './types';

/**
 * One kernel run on tensors resident in the board's arena (docs/protocol.md, RUN fields).
 * Offsets are byte offsets into the arena; the board checks every one (in range, int16 inputs
 * 2-aligned, output overlapping neither an input nor the scratch).
 */
export interface GraphNode {
  /** Kernel name as in docs/kernels.md, e.g. "linear" (K = shape.E, N = shape.P). */
  kernel: string;
  shape: Shape;
  /** qk_softmax / av only; default heads. */
  split?: 'heads' | 'rows';
  /** (mul, div) pairs, at least the kernel's count. */
  rq: Array<[number, number]>;
  /** gelu: qb, qc, q1. */
  consts?: number[];
  /** Cores the node is split over (default 1). */
  cores?: number;
  /** One offset per kernel input, in argument order. */
  inputOffsets: number[];
  outputOffset: number;
  /** Scratch region; default offset 0 and exactly the bytes the kernel needs (usually 0). */
  scratchOffset?: number;
  scratchBytes?: number;
  /** Optional label for messages (e.g. the model's node name). */
  name?: string;
}

/** What the board reports for one node. */
export interface GraphNodeResult {
  kernel: string;
  name?: string;
  /** One run of the node, in the board's counter unit. */
  counter: number;
  perCore: number[];
  /** Output bytes and CRC-32 of the output region, taken right after the node ran. */
  outputBytes: number;
  outputCrc: number;
}

/** One GRAPH run (or node-by-node RUNs) of a node list. */
export interface GraphResult {
  /** The whole list once, on the board's counter (no link time in it). */
  counter: number;
  /** counter − Σ node counters: dispatch between nodes (bind, counter reads, ABORT polls). */
  overhead: number;
  nodes: GraphNodeResult[];
  counterKind: CounterKind;
  counterUnit: string;
  repeat: number;
  /** GRAPH requests the list took (lists longer than 32 nodes or one frame are split). */
  requests: number;
}

/** A node's RUN parameters after the host-side checks (kernel on the board, same id, cores, counts). */
export function nodeParams(n: GraphNode, index: number, info: BoardInfo, catalog: KernelCatalog): { params: RunParams; outputBytes: number } {
  const label = `runGraph node ${index} (${n.name ? `${n.name}: ` : ''}${n.kernel})`;
  const k = catalog.kernelInfo(n.kernel);
  checkOnBoard(label, n.kernel, k.id, info);
  const cores = checkCores(label, n.cores, info);
  checkRqConsts(label, n.kernel, k, n.rq, n.consts);
  if (!Array.isArray(n.inputOffsets) || n.inputOffsets.length !== k.inputs.length) {
    throw new RangeError(`${label}: inputOffsets: expected ${k.inputs.length} offsets (${k.inputs.map((i) => i.name).join(', ')}), found ${Array.isArray(n.inputOffsets) ? n.inputOffsets.length : String(n.inputOffsets)}`);
  }
  const shape = { ...n.shape, T: n.shape.T ?? (k.usesT ? n.shape.S : 0) };
  const outputBytes = catalog.kernelSizes(n.kernel, shape).output;
  const scratchBytes = n.scratchBytes ?? catalog.scratchBytes(n.kernel, shape, cores);
  return {
    outputBytes,
    params: {
      kernelId: k.id,
      nCores: cores,
      split: n.split === 'rows' ? SPLIT_ROWS : SPLIT_HEADS,
      shape,
      rq: n.rq,
      consts: n.consts ?? [],
      repeat: 1,
      inputOffsets: n.inputOffsets,
      outputOffset: n.outputOffset,
      scratchOffset: n.scratchOffset ?? 0,
      scratchBytes,
    },
  };
}

/** Bytes of a node in a GRAPH request (a RUN payload) and of its reply entry. */
export const nodeRequestBytes = (p: RunParams) => 100 + 4 * p.inputOffsets.length;
export const nodeReplyBytes = (p: RunParams) => RUN_REPLY_FIXED_BYTES + 8 * p.nCores;

/** Cuts a node list into GRAPH requests that fit max_frame (request and reply) and 32 nodes. */
export function chunkNodes(params: RunParams[], maxFrame: number): Array<[number, number]> {
  const room = maxFrame - FRAME_OVERHEAD;
  const chunks: Array<[number, number]> = [];
  let start = 0, req = GRAPH_HDR_BYTES, rep = GRAPH_REPLY_FIXED_BYTES;
  params.forEach((p, i) => {
    const a = nodeRequestBytes(p), b = nodeReplyBytes(p);
    if (GRAPH_HDR_BYTES + a > room || GRAPH_REPLY_FIXED_BYTES + b > room) {
      throw new RangeError(`node ${i} alone needs a GRAPH frame of ${GRAPH_HDR_BYTES + a + FRAME_OVERHEAD} bytes; max_frame is ${maxFrame}`);
    }
    if (i > start && (i - start >= GRAPH_MAX_NODES || req + a > room || rep + b > room)) {
      chunks.push([start, i]);
      start = i, req = GRAPH_HDR_BYTES, rep = GRAPH_REPLY_FIXED_BYTES;
    }
    req += a;
    rep += b;
  });
  chunks.push([start, params.length]);
  return chunks;
}

export function nodeResult(n: GraphNode, r: RunReply): GraphNodeResult {
  return { kernel: n.kernel, ...(n.name ? { name: n.name } : {}), counter: r.counter, perCore: r.perCore, outputBytes: r.outputBytes, outputCrc: r.outputCrc };
}
