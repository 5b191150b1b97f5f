// plan.ts - the memory plan of a block: weights resident at the bottom of the arena, then activations
// (block inputs, node outputs, per-node scratch) placed by lifetime so dead memory is reused
// (greedy by size, lowest offset that no live buffer holds), every offset aligned.
import type { Model } from './load';
import { weightBytes } from './load';

export const PLAN_ALIGN = 8;
const alignUp = (n: number, a: number) => Math.ceil(n / a) * a;

export type BufferKind = 'weight' | 'input' | 'activation' | 'scratch';

/** A buffer live from node `first` to node `last` (inclusive; node indices in execution order). */
export interface LiveBuffer {
  name: string;
  kind: BufferKind;
  bytes: number;
  first: number;
  last: number;
}

export interface PlacedBuffer extends LiveBuffer {
  offset: number;
}

/**
 * Offsets for buffers with lifetimes: two buffers whose lifetimes intersect never share a byte.
 * Largest first (ties: earlier first, then name), each at the lowest aligned offset free for its lifetime.
 */
export function placeBuffers(bufs: LiveBuffer[], align = PLAN_ALIGN, base = 0): PlacedBuffer[] {
  const byName = (a: LiveBuffer, b: LiveBuffer) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const order = bufs.map((_, i) => i)
    .sort((i, j) => bufs[j].bytes - bufs[i].bytes || bufs[i].first - bufs[j].first || byName(bufs[i], bufs[j]) || i - j);
  const out: PlacedBuffer[] = new Array(bufs.length);
  const placed: PlacedBuffer[] = [];
  const start = alignUp(base, align);
  for (const i of order) {
    const b = bufs[i];
    let at = start;
    if (b.bytes > 0) {
      const busy = placed.filter((p) => p.first <= b.last && b.first <= p.last).sort((x, y) => x.offset - y.offset);
      for (const p of busy) {
        if (at + b.bytes <= p.offset) break;
        at = Math.max(at, alignUp(p.offset + p.bytes, align));
      }
    }
    out[i] = { ...b, offset: at };
    if (b.bytes > 0) placed.push(out[i]);
  }
  return out;
}

export interface MemoryPlan {
  align: number;
  /** Weights, in declaration order from offset 0. */
  weights: PlacedBuffer[];
  weightBytes: number;
  /** First byte of the activation region (weights end, aligned). */
  activationBase: number;
  /** Block inputs, node outputs and per-node scratch (named "<node>/scratch"). */
  activations: PlacedBuffer[];
  /** Highest activation byte in use, minus activationBase (alignment and fragmentation included). */
  activationSpan: number;
  /** Bytes the block needs: activationBase + activationSpan. */
  totalBytes: number;
  /** Live activation bytes (inputs, outputs, scratch) while each node runs. */
  liveBytes: number[];
  /** max(liveBytes): the activation peak, and the node where it is reached. */
  peakBytes: number;
  peakNode: number;
  /** Offsets by tensor name (weights, inputs, activations). */
  offsets: Map<string, number>;
  /** Scratch of each node: offset and bytes. */
  scratch: Array<{ offset: number; bytes: number }>;
}

/** Lifetimes of a model's activations; scratch sizes come from `scratchBytes(node)`. */
export function modelBuffers(m: Model, scratchBytes: (nodeIndex: number) => number): { weights: LiveBuffer[]; activations: LiveBuffer[] } {
  const last = m.nodes.length - 1;
  const lastUse = new Map<string, number>();
  m.nodes.forEach((n) => n.inputs.forEach((t) => lastUse.set(t, n.index)));
  const weights: LiveBuffer[] = [];
  const activations: LiveBuffer[] = [];
  for (const t of m.tensors.values()) {
    if (t.role === 'weight') weights.push({ name: t.name, kind: 'weight', bytes: t.bytes, first: 0, last });
    else if (t.role === 'input') activations.push({ name: t.name, kind: 'input', bytes: t.bytes, first: 0, last: lastUse.get(t.name) ?? 0 });
    else {
      const first = t.producer as number;
      const end = m.outputs.includes(t.name) ? last : Math.max(first, lastUse.get(t.name) ?? first);
      activations.push({ name: t.name, kind: 'activation', bytes: t.bytes, first, last: end });
    }
  }
  m.nodes.forEach((n) => {
    activations.push({ name: `${n.name}/scratch`, kind: 'scratch', bytes: scratchBytes(n.index), first: n.index, last: n.index });
  });
  return { weights, activations };
}

export function planModel(m: Model, scratchBytes: (nodeIndex: number) => number, align = PLAN_ALIGN): MemoryPlan {
  const { weights, activations } = modelBuffers(m, scratchBytes);
  let at = 0;
  const wPlaced = weights.map((w) => {
    const p = { ...w, offset: alignUp(at, align) };
    at = p.offset + w.bytes;
    return p;
  });
  const activationBase = alignUp(at, align);
  const aPlaced = placeBuffers(activations, align, activationBase);
  const end = aPlaced.reduce((e, p) => Math.max(e, p.offset + p.bytes), activationBase);
  const liveBytes = m.nodes.map((n) => activations.filter((b) => b.first <= n.index && n.index <= b.last).reduce((s, b) => s + b.bytes, 0));
  let peakNode = 0;
  liveBytes.forEach((b, i) => { if (b > liveBytes[peakNode]) peakNode = i; });
  const offsets = new Map<string, number>();
  for (const p of [...wPlaced, ...aPlaced]) if (p.kind !== 'scratch') offsets.set(p.name, p.offset);
  const scratch = m.nodes.map((n) => {
    const p = aPlaced.find((b) => b.name === `${n.name}/scratch` && b.kind === 'scratch')!;
    return { offset: p.offset, bytes: p.bytes };
  });
  return {
    align, weights: wPlaced, weightBytes: weightBytes(m), activationBase, activations: aPlaced,
    activationSpan: end - activationBase, totalBytes: end, liveBytes, peakBytes: liveBytes[peakNode] ?? 0, peakNode, offsets, scratch,
  };
}

/** Kernels whose peak is the attention map (or holds it in scratch): DFT cuts it. */
const ATTENTION = new Set(['qk_softmax', 'av', 'fwsa', 'mhsa', 'mhsa_fwsa']);

export class ModelFitError extends Error {
  constructor(message: string, readonly missing: number, readonly node: string) {
    super(message);
    this.name = 'ModelFitError';
  }
}

/** Throws (before anything is sent) when the plan needs more than `arenaBytes`. */
export function checkFits(m: Model, plan: MemoryPlan, arenaBytes: number, board: string): void {
  if (plan.totalBytes <= arenaBytes) return;
  const missing = plan.totalBytes - arenaBytes;
  const n = m.nodes[plan.peakNode];
  const live = plan.activations.filter((b) => b.first <= n.index && n.index <= b.last && b.bytes > 0).sort((a, b) => b.bytes - a.bytes);
  const biggest = live.slice(0, 3).map((b) => `${b.name} ${b.bytes}`).join(', ');
  let advice = '';
  if (ATTENTION.has(n.kernel)) {
    const s = n.shape;
    advice = `; attention is the peak (the ${s.H}x${s.S}x${s.S} map is ${s.H * s.S * s.S} bytes): use depth-first tiling (kernel mhsa_dft with T rows per tile, e.g. T: 8), which never holds the whole map`;
  } else if (n.kernel === 'mhsa_dft') {
    advice = `; the peak is mhsa_dft's scratch: a smaller T shrinks it`;
  }
  throw new ModelFitError(
    `${m.name} does not fit ${board}'s arena: it needs ${plan.totalBytes} bytes (weights ${plan.weightBytes}, activations ${plan.activationSpan}) ` +
      `but ${board} has ${arenaBytes}: ${missing} bytes missing. The activation peak is at node ${n.name} (${n.kernel}): ${plan.peakBytes} bytes live (${biggest})${advice}`,
    missing, n.name,
  );
}
