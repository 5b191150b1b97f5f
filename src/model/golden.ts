// golden.ts - the block's golden run, node by node: the TypeScript model (src/golden) or the C kernels
// through the addon. Every intermediate is kept, so each node on a board can be checked by CRC.
import { z } from 'zod';
import { runGolden } from '../golden';
import { check, said } from '../validate/zod';
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

/** Given block inputs: names of block inputs, each a typed array of the tensor's bytes (src/validate/zod.ts form). */
function givenSchema(m: Model): z.ZodTypeAny {
  const word = { i8: 'int8', u8: 'uint8', i16: 'int16' } as const;
  const inputs = `a block input (${m.inputs.join(', ') || 'none'})`;
  return z.record(z.string(), z.unknown(), said('a mapping of block input name -> typed array')).superRefine((g, ctx) => {
    for (const [name, v] of Object.entries(g)) {
      const t = m.inputs.includes(name) ? m.tensors.get(name) : undefined;
      if (!t) {
        ctx.addIssue({ code: 'custom', path: [name], message: inputs, params: { found: JSON.stringify(name) } });
        continue;
      }
      if (!ArrayBuffer.isView(v) || v.byteLength !== t.bytes) {
        ctx.addIssue({ code: 'custom', path: [name], message: `a typed array of ${t.bytes} bytes (${t.name}: ${word[t.dtype]} [${t.shape.join(', ')}])` });
      }
    }
  });
}

/** The bytes of every weight and block input, block inputs overridden by `given` (checked for size). */
export function initialTensors(m: Model, given: BlockInputs = {}): Map<string, Uint8Array> {
  const r = check(givenSchema(m), given, ['inputs']);
  if (!r.ok) throw new RangeError(`${m.name}: ${r.problem.field}: ${r.problem.detail}`);
  const out = new Map<string, Uint8Array>();
  for (const t of m.tensors.values()) {
    if (t.role === 'activation') continue;
    const g = given[t.name];
    out.set(t.name, g ? rawBytes(g) : t.data!);
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
