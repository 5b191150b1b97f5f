// golden.ts - the block's golden run, node by node: the TypeScript model (src/golden) or the C kernels
// through the addon. Every intermediate is kept, so each node on a board can be checked by CRC.
import { runGolden } from '../golden';
import type { Tensor } from '../golden/validate';
import type { Model, ModelNode, ModelTensor } from './load';

export type GoldenEngine = 'ts' | 'addon';

/** Block inputs to use instead of the model's own data (name -> raw bytes or typed array). */
export type BlockInputs = Record<string, Uint8Array | Int8Array | Int16Array>;

export function rawBytes(a: Uint8Array | Int8Array | Int16Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Typed view of raw bytes for the golden model (copied when an int16 view would be misaligned). */
export function typed(t: Pick<ModelTensor, 'dtype'>, bytes: Uint8Array): Tensor {
  if (t.dtype === 'u8') return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (t.dtype === 'i8') return new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const b = bytes.byteOffset % 2 ? Uint8Array.from(bytes) : bytes;
  return new Int16Array(b.buffer, b.byteOffset, b.byteLength / 2);
}

/** The bytes of every weight and block input, block inputs overridden by `given` (checked for size). */
export function initialTensors(m: Model, given: BlockInputs = {}): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const name of Object.keys(given)) {
    if (!m.inputs.includes(name)) throw new RangeError(`${m.name}: ${name} is not a block input (inputs: ${m.inputs.join(', ') || 'none'})`);
  }
  for (const t of m.tensors.values()) {
    if (t.role === 'activation') continue;
    const g = given[t.name];
    const bytes = g ? rawBytes(g) : t.data!;
    if (bytes.length !== t.bytes) throw new RangeError(`${m.name}: input ${t.name} must be ${t.bytes} bytes (${t.dtype} [${t.shape.join(', ')}]), got ${bytes.length}`);
    out.set(t.name, bytes);
  }
  return out;
}

/** One node's output bytes from its input bytes. */
export function runNode(n: ModelNode, args: Uint8Array[], engine: GoldenEngine, cores = 1): Uint8Array {
  if (engine === 'addon') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const native = require('../native') as typeof import('../native');
    return native.run({ kernel: n.kernel, shape: n.shape, split: n.split, rq: n.rq, consts: n.consts, inputs: args, cores });
  }
  const ins = n.info.inputs.map((spec, j) => typed(spec, args[j]));
  return rawBytes(runGolden(n.kernel, { ...n.shape, split: n.split, rq: n.rq, consts: n.consts }, ins, { cores }));
}

/** Runs the block: every tensor's bytes by name (weights, inputs and each node's output). */
export function runBlockGolden(m: Model, given: BlockInputs = {}, engine: GoldenEngine = 'ts', cores = 1): Map<string, Uint8Array> {
  const t = initialTensors(m, given);
  for (const n of m.nodes) {
    t.set(n.output, runNode(n, n.inputs.map((x) => t.get(x)!), engine, cores));
  }
  return t;
}
