// schema.ts - the structure of a model file (docs/models.md) on the one validation layer (zod,
// src/validate/zod.ts): tensors (shape, dtype, data source), nodes (kernel, inputs, output, rq, consts,
// split, T, H, P) with each kernel's own counts, block inputs and outputs. What needs the graph
// (dims symbols, tensors used before produced, shapes against the kernel, .npy/.npz contents) is load.ts's.
import { z } from 'zod';
import { KERNEL_NAMES, KERNELS } from '../golden/registry';
import type { KernelInfo } from '../golden/spec';
import { INT32, dim, rqPair, splitSchema } from '../validate/kernelArgs';
import { byValue, intIn, said } from '../validate/zod';

export const DTYPES = { int8: 'i8', i8: 'i8', uint8: 'u8', u8: 'u8', int16: 'i16', i16: 'i16' } as const;

const known = (keys: string[]): { message: string } => ({ message: `a known key (${keys.join(', ')})` });
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
const str = (what: string): z.ZodString => z.string(said(what)).min(1, { message: what });
const uint32 = intIn(0, 0xffffffff, 'an integer in 0..4294967295');

/** A dim: an integer, or a product of integers and dims symbols ("H*P"); symbols are resolved by load.ts. */
const DIM = 'a positive integer or a product of dims (e.g. "H*P")';
const dimEntry = byValue<number | string>((v) => (typeof v === 'string'
  ? z.string().regex(/^\s*\w+(\s*\*\s*\w+)*\s*$/, { message: DIM })
  : intIn(1, 65535 * 65535, DIM)));

const TENSOR_KEYS = ['shape', 'dtype', 'init', 'seed', 'file', 'array', 'description'];
const tensorSchema = z.object({
  shape: z.array(dimEntry, said('a list of dims (e.g. [S, E])')).min(1, { message: 'a list of dims (e.g. [S, E])' }),
  dtype: z.enum(Object.keys(DTYPES) as [keyof typeof DTYPES], { errorMap: () => ({ message: 'int8, uint8 or int16' }) }).optional(),
  init: z.enum(['random', 'zeros'], { errorMap: () => ({ message: 'random or zeros (or a file)' }) }).optional(),
  seed: uint32.optional(),
  file: str('a path to a .npy or .npz file (relative to the model file)').optional(),
  array: str('an array name of the .npz file').optional(),
  description: z.string(said('a string')).optional(),
}, said('{ shape, dtype, init | file [, array] }')).strict(known(TENSOR_KEYS)).superRefine((t, ctx) => {
  if (t.init !== undefined && t.file !== undefined) ctx.addIssue({ code: 'custom', path: ['init'], message: 'either init or file', params: { found: 'both' } });
});
export type TensorDecl = z.infer<typeof tensorSchema>;

/** [mul, div] or { mul, div }; always [mul, div] after parsing. */
const rqItem = byValue<[number, number]>((v) => (Array.isArray(v)
  ? rqPair
  : z.object({ mul: intIn(...INT32, 'a mul (int32)'), div: intIn(0, 31, 'a div in 0..31') }, said('[mul, div] or { mul, div }'))
    .strict(known(['mul', 'div'])).transform((p): [number, number] => [p.mul, p.div])));

const NODE_KEYS = ['name', 'kernel', 'inputs', 'output', 'rq', 'consts', 'split', 'T', 'H', 'P', 'description'];
const KERNEL = `a kernel of the library (${KERNEL_NAMES.join(', ')})`;
const NODE = '{ kernel, inputs, output, ... }';

/** A node of kernel k: its count of inputs, rq pairs and consts; T only where the kernel tiles. */
function nodeSchema(k: KernelInfo | undefined) {
  const names = k ? `${k.inputs.map((x) => x.name).join(', ')}` : '';
  const inputs = k ? `${plural(k.inputs.length, 'input')} for ${k.name} (${names})` : 'a list of tensor names';
  const rqs = k ? `${plural(k.nRq, '[mul, div] pair')} for ${k.name}` : 'a list of [mul, div] pairs';
  const consts = k ? `${plural(k.nConsts, 'int32 const')} for ${k.name}` : 'a list of int32 consts';
  let rq = z.array(rqItem, said(rqs));
  let cs = z.array(intIn(...INT32), said(consts));
  let ins = z.array(z.string(said('a tensor name')), said(inputs));
  if (k) {
    rq = rq.length(k.nRq, { message: rqs });
    cs = cs.length(k.nConsts, { message: consts });
    ins = ins.length(k.inputs.length, { message: inputs });
  }
  const noT = z.undefined({ errorMap: () => ({ message: `no T (only kernels that tile take one; ${k?.name ?? 'this kernel'} does not)` }) });
  return z.object({
    name: str('a node name').optional(),
    kernel: k ? z.string() : z.unknown().superRefine((_v, ctx) => ctx.addIssue({ code: 'custom', message: KERNEL })),
    inputs: ins,
    output: str("the output tensor's name"),
    rq: rq.optional(),
    consts: cs.superRefine((c, ctx) => {
      if (k?.name === 'gelu' && c[0] <= 0) ctx.addIssue({ code: 'custom', path: [0], message: 'qb > 0 (gelu)' });
    }).optional(),
    split: splitSchema.optional(),
    T: k?.usesT ? dim.optional() : noT,
    H: dim.optional(),
    P: dim.optional(),
    description: z.string(said('a string')).optional(),
  }, said(NODE)).strict(known(NODE_KEYS));
}

const nodeSchemas = new Map<string, ReturnType<typeof nodeSchema>>();
const nodeItem = byValue((v) => {
  const name = v !== null && typeof v === 'object' ? (v as { kernel?: unknown }).kernel : undefined;
  const k = typeof name === 'string' && Object.prototype.hasOwnProperty.call(KERNELS, name) ? KERNELS[name] : undefined;
  const key = k?.name ?? '';
  let s = nodeSchemas.get(key);
  if (!s) nodeSchemas.set(key, (s = nodeSchema(k)));
  return s;
});
export type NodeDecl = z.infer<ReturnType<typeof nodeSchema>> & { kernel: string };

const TOP_KEYS = ['name', 'description', 'seed', 'dims', 'tensors', 'inputs', 'outputs', 'nodes'];
const names = z.array(z.string(said('a tensor name')), said('a list of tensor names'));
const SYMBOL = 'a symbol name (letters, digits, _; not starting with a digit)';
export const modelSchema = z.object({
  name: z.string(said('a string')).optional(),
  description: z.string(said('a string')).optional(),
  seed: uint32.optional(),
  dims: z.record(z.string(), intIn(1, 65535), said('a mapping of symbol -> integer (e.g. S: 81)')).superRefine((d, ctx) => {
    for (const k of Object.keys(d)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) ctx.addIssue({ code: 'custom', path: [k], message: SYMBOL, params: { found: JSON.stringify(k) } });
    }
  }).optional(),
  tensors: z.record(z.string(), tensorSchema, said('a mapping of tensor name -> { shape, dtype, ... }')).optional(),
  inputs: names.optional(),
  outputs: names.optional(),
  nodes: z.array(nodeItem, said(`a list of nodes (${NODE})`)).min(1, { message: `a list of nodes (${NODE})` }),
}, said('a mapping with tensors, inputs, outputs and nodes')).strict(known(TOP_KEYS));
export type ModelDecl = Omit<z.infer<typeof modelSchema>, 'nodes'> & { nodes: NodeDecl[] };
