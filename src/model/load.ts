// load.ts - reads a model file (docs/models.md): tensors, nodes in execution order, block inputs and
// outputs. Every node is checked against its kernel (arguments, dtypes, shapes, rq, consts) and every
// tensor gets its bytes (seeded generator, .npy, or an array of an .npz), so a Model is ready to plan and run.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { drawTensor, mulberry32 } from '../gen';
import { count } from '../golden/registry';
import { checkRq } from '../golden/rq';
import { ModelError } from './errors';
import { DType, KernelInfo, Shape, findKernel, inferShape, kernelNames, outputShape } from './kernels';
import { NpyArray, parseNpy } from './npy';
import { npzArray, npzNames } from './npz';

export type Role = 'weight' | 'input' | 'activation';

export interface ModelTensor {
  name: string;
  shape: number[];
  dtype: DType;
  role: Role;
  /** Where the bytes come from: "random (seed 123)", "zeros", "w.npz:W1", "node q". */
  source: string;
  /** Raw little-endian bytes (weights and block inputs). */
  data?: Uint8Array;
  /** Index of the producing node (activations). */
  producer?: number;
  bytes: number;
}

export interface ModelNode {
  index: number;
  name: string;
  kernel: string;
  info: KernelInfo;
  inputs: string[];
  output: string;
  shape: Shape;
  split: 'heads' | 'rows';
  rq: Array<[number, number]>;
  consts: number[];
  macs: number;
}

export interface Model {
  file: string;
  name: string;
  seed: number;
  tensors: Map<string, ModelTensor>;
  nodes: ModelNode[];
  inputs: string[];
  outputs: string[];
  /** Things worth telling (an unused weight), never errors. */
  notices: string[];
}

export const DTYPE_NAMES: Record<string, DType> = { int8: 'i8', i8: 'i8', uint8: 'u8', u8: 'u8', int16: 'i16', i16: 'i16' };
export const DTYPE_WORD: Record<DType, string> = { i8: 'int8', u8: 'uint8', i16: 'int16' };
export const DTYPE_BYTES: Record<DType, number> = { i8: 1, u8: 1, i16: 2 };

const TOP_KEYS = ['name', 'description', 'seed', 'dims', 'tensors', 'inputs', 'outputs', 'nodes'];
const TENSOR_KEYS = ['shape', 'dtype', 'init', 'seed', 'file', 'array', 'description'];
const NODE_KEYS = ['name', 'kernel', 'inputs', 'output', 'rq', 'consts', 'split', 'T', 'H', 'P', 'description'];

/** FNV-1a of a tensor name: each random tensor has its own stream, stable when others are added. */
export function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(name, 'utf8')) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

/** The seed of a random tensor's mulberry32 stream: (model seed XOR fnv1a32(name)), unless the tensor gives one. */
export function tensorSeed(modelSeed: number, name: string): number {
  return (modelSeed ^ nameHash(name)) >>> 0;
}

export function randomTensor(dtype: DType, n: number, seed: number): Uint8Array {
  const t = drawTensor(mulberry32(seed), dtype, n);
  return new Uint8Array(t.buffer, t.byteOffset, t.byteLength);
}

const show = (v: unknown): string => (v === undefined ? 'nothing' : JSON.stringify(v));
const shapeText = (s: number[]): string => `[${s.join(', ')}]`;

class Ctx {
  readonly lc = new LineCounter();
  doc!: Document;
  constructor(readonly file: string) {}

  /** Error at the YAML node of `path` (or its nearest parent that exists). */
  fail(at: (string | number)[], detail: string, field = fieldName(at)): never {
    for (let p = at; ; p = p.slice(0, -1)) {
      const node = p.length ? (this.doc.getIn(p, true) as { range?: [number, number, number] } | undefined) : (this.doc.contents as { range?: [number, number, number] } | null);
      const off = node?.range?.[0];
      if (off !== undefined) {
        const { line, col } = this.lc.linePos(off);
        throw new ModelError(this.file, field, detail, line, col);
      }
      if (!p.length) throw new ModelError(this.file, field, detail);
    }
  }
}

/** ['nodes', 2, 'inputs', 1] -> "nodes[2].inputs[1]". */
function fieldName(p: (string | number)[]): string {
  return p.map((x, i) => (typeof x === 'number' ? `[${x}]` : i ? `.${x}` : x)).join('') || '(document)';
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKeys(c: Ctx, at: (string | number)[], o: Record<string, unknown>, allowed: string[]): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) c.fail([...at, k], `expected one of ${allowed.join(', ')}, found unknown key ${JSON.stringify(k)}`, fieldName([...at, k]));
  }
}

function intIn(c: Ctx, at: (string | number)[], v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) c.fail(at, `expected an integer in ${min}..${max}, found ${show(v)}`);
  return v;
}

/** A dim: an integer or a product of integers and dims symbols ("H*P"). */
function evalDim(c: Ctx, at: (string | number)[], v: unknown, dims: Record<string, number>): number {
  if (typeof v === 'number') return intIn(c, at, v, 1, 65535 * 65535);
  if (typeof v !== 'string' || !v.trim()) c.fail(at, `expected a positive integer or a product of dims (e.g. "H*P"), found ${show(v)}`);
  let n = 1;
  for (const tok of (v as string).split('*').map((t) => t.trim())) {
    if (/^\d+$/.test(tok)) n *= Number(tok);
    else if (Object.prototype.hasOwnProperty.call(dims, tok)) n *= dims[tok];
    else c.fail(at, `expected an integer or a symbol of dims (${Object.keys(dims).join(', ') || 'none declared'}), found ${JSON.stringify(tok)} in ${JSON.stringify(v)}`);
  }
  if (n < 1) c.fail(at, `expected a dim >= 1, found ${show(v)} = ${n}`);
  return n;
}

function nameList(c: Ctx, at: (string | number)[], v: unknown, what: string): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) c.fail(at, `expected a list of ${what} names, found ${show(v)}`);
  return v as string[];
}

interface FileCache { read(file: string): Uint8Array }

/** Loads a tensor's bytes from .npy or .npz, checking dtype and shape. */
function loadFileTensor(c: Ctx, at: (string | number)[], name: string, decl: Record<string, unknown>, dtype: DType, shape: number[], dir: string, cache: FileCache): Uint8Array {
  const rel = decl.file;
  if (typeof rel !== 'string' || !rel) c.fail([...at, 'file'], `expected a path to a .npy or .npz file (relative to the model file), found ${show(rel)}`);
  const abs = path.resolve(dir, rel as string);
  let buf: Uint8Array;
  try {
    buf = cache.read(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    c.fail([...at, 'file'], `expected a readable file, found ${code === 'ENOENT' ? 'no file' : `an error (${code ?? (e as Error).message})`} at ${abs}`);
  }
  const isNpz = decl.array !== undefined || /\.npz$/i.test(rel as string);
  let arr: NpyArray | undefined;
  let label = rel as string;
  try {
    if (isNpz) {
      const arrayName = decl.array ?? name;
      if (typeof arrayName !== 'string' || !arrayName) c.fail([...at, 'array'], `expected an array name in ${rel}, found ${show(decl.array)}`);
      label = `${rel}:${arrayName}`;
      arr = npzArray(buf!, arrayName as string);
      if (!arr) {
        const names = npzNames(buf!);
        c.fail([...at, decl.array !== undefined ? 'array' : 'file'], `expected an array ${JSON.stringify(arrayName)} in ${rel}, found only ${names.length ? names.join(', ') : 'no arrays'}`);
      }
    } else {
      arr = parseNpy(buf!);
    }
  } catch (e) {
    if (e instanceof ModelError) throw e;
    c.fail([...at, 'file'], `expected a NumPy ${isNpz ? '.npz' : '.npy'} file, found one that is not readable: ${label}: ${(e as Error).message}`);
  }
  const got = arr!;
  const okDtype = got.dtype === dtype;
  const okShape = got.shape.length === shape.length && got.shape.every((n, i) => n === shape[i]);
  if (!okDtype || !okShape) {
    const gotWord = (DTYPE_WORD as Record<string, string>)[got.dtype] ?? got.dtype;
    c.fail([...at, 'file'], `${label}: expected ${DTYPE_WORD[dtype]} ${shapeText(shape)}, found ${gotWord} ${shapeText(got.shape)}`);
  }
  return got.data;
}

/** Parses model text. `file` names it in errors; paths in it are relative to `dir`. */
export function parseModel(text: string, file: string, dir = path.dirname(file)): Model {
  const c: Ctx = new Ctx(file);
  c.doc = parseDocument(text, { lineCounter: c.lc, prettyErrors: false });
  if (c.doc.errors.length) {
    const e = c.doc.errors[0];
    const { line, col } = c.lc.linePos(e.pos[0]);
    throw new ModelError(file, '(yaml)', `expected valid YAML, found: ${e.message.split('\n')[0]}`, line, col);
  }
  const root = c.doc.toJS() as unknown;
  if (!isObj(root)) c.fail([], `expected a mapping with tensors, inputs, outputs and nodes, found ${show(root)}`, '(document)');
  const r = root as Record<string, unknown>;
  checkKeys(c, [], r, TOP_KEYS);
  const name = r.name === undefined ? path.basename(file).replace(/\.ya?ml$/i, '') : r.name;
  if (typeof name !== 'string') c.fail(['name'], `expected a string, found ${show(r.name)}`);
  const seed = r.seed === undefined ? 0 : intIn(c, ['seed'], r.seed, 0, 0xffffffff);

  const dims: Record<string, number> = {};
  if (r.dims !== undefined) {
    if (!isObj(r.dims)) c.fail(['dims'], `expected a mapping of symbol -> integer (e.g. S: 81), found ${show(r.dims)}`);
    for (const [k, v] of Object.entries(r.dims as Record<string, unknown>)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) c.fail(['dims', k], `expected a symbol name (letters, digits, _), found ${JSON.stringify(k)}`);
      dims[k] = intIn(c, ['dims', k], v, 1, 65535);
    }
  }

  // Declared tensors.
  const declared = r.tensors === undefined ? {} : r.tensors;
  if (!isObj(declared)) c.fail(['tensors'], `expected a mapping of tensor name -> { shape, dtype, ... }, found ${show(r.tensors)}`);
  const decls = new Map<string, { shape: number[]; dtype: DType; decl: Record<string, unknown> }>();
  for (const [tname, d] of Object.entries(declared as Record<string, unknown>)) {
    const at = ['tensors', tname];
    if (!isObj(d)) c.fail(at, `expected { shape, dtype, init | file [, array] }, found ${show(d)}`);
    checkKeys(c, at, d, TENSOR_KEYS);
    if (!Array.isArray(d.shape) || d.shape.length === 0) c.fail([...at, 'shape'], `expected a list of dims (e.g. [S, E]), found ${show(d.shape)}`);
    const shape = (d.shape as unknown[]).map((x, i) => evalDim(c, [...at, 'shape', i], x, dims));
    const dt = d.dtype === undefined ? 'int8' : d.dtype;
    const dtype = typeof dt === 'string' ? DTYPE_NAMES[dt] : undefined;
    if (!dtype) c.fail([...at, 'dtype'], `expected int8, uint8 or int16, found ${show(d.dtype)}`);
    decls.set(tname, { shape, dtype: dtype!, decl: d });
  }

  // Nodes: a first pass for who produces what, so "used before produced" can name the producer.
  if (!Array.isArray(r.nodes) || r.nodes.length === 0) c.fail(['nodes'], `expected a list of nodes ({ kernel, inputs, output, ... }), found ${show(r.nodes)}`);
  const rawNodes = r.nodes as unknown[];
  const producerOf = new Map<string, number>();
  rawNodes.forEach((n, i) => {
    if (!isObj(n)) c.fail(['nodes', i], `expected { kernel, inputs, output, ... }, found ${show(n)}`);
    checkKeys(c, ['nodes', i], n, NODE_KEYS);
    if (typeof n.output !== 'string' || !n.output) c.fail(['nodes', i, 'output'], `expected the output tensor's name, found ${show(n.output)}`);
    const prev = producerOf.get(n.output as string);
    if (prev !== undefined) c.fail(['nodes', i, 'output'], `expected a tensor no other node writes, found ${JSON.stringify(n.output)}, already the output of nodes[${prev}]`);
    producerOf.set(n.output as string, i);
  });

  const inputs = r.inputs === undefined ? [] : nameList(c, ['inputs'], r.inputs, 'tensor');
  const outputs = r.outputs === undefined ? [] : nameList(c, ['outputs'], r.outputs, 'tensor');
  inputs.forEach((t, i) => {
    if (!decls.has(t)) c.fail(['inputs', i], `expected a tensor declared under tensors, found ${JSON.stringify(t)}`);
    if (producerOf.has(t)) c.fail(['inputs', i], `expected a tensor no node writes, found ${JSON.stringify(t)}, the output of nodes[${producerOf.get(t)}]`);
  });

  // Tensors with bytes: weights and block inputs.
  const tensors = new Map<string, ModelTensor>();
  const cache = new Map<string, Uint8Array>();
  const files: FileCache = { read: (f) => { let b = cache.get(f); if (!b) { b = fs.readFileSync(f); cache.set(f, b); } return b; } };
  for (const [tname, { shape, dtype, decl }] of decls) {
    const at = ['tensors', tname];
    if (producerOf.has(tname)) {
      if (decl.init !== undefined || decl.file !== undefined) {
        c.fail([...at, decl.file !== undefined ? 'file' : 'init'], `expected no data for ${JSON.stringify(tname)} (nodes[${producerOf.get(tname)}] computes it), found ${decl.file !== undefined ? `file ${show(decl.file)}` : `init ${show(decl.init)}`}`);
      }
      continue; // checked against the node below
    }
    const n = count(shape);
    let data: Uint8Array;
    let source: string;
    if (decl.file !== undefined) {
      if (decl.init !== undefined) c.fail([...at, 'init'], `expected either init or file, found both`);
      data = loadFileTensor(c, at, tname, decl, dtype, shape, dir, files);
      source = decl.array !== undefined || /\.npz$/i.test(decl.file as string) ? `${decl.file}:${decl.array ?? tname}` : String(decl.file);
    } else {
      const init = decl.init ?? 'random';
      if (init === 'random') {
        const s = decl.seed === undefined ? tensorSeed(seed, tname) : intIn(c, [...at, 'seed'], decl.seed, 0, 0xffffffff);
        data = randomTensor(dtype, n, s);
        source = `random (seed ${s})`;
      } else if (init === 'zeros') {
        data = new Uint8Array(n * DTYPE_BYTES[dtype]);
        source = 'zeros';
      } else {
        c.fail([...at, 'init'], `expected random or zeros (or a file), found ${show(init)}`);
      }
    }
    tensors.set(tname, { name: tname, shape, dtype, role: inputs.includes(tname) ? 'input' : 'weight', source: source!, data: data!, bytes: n * DTYPE_BYTES[dtype] });
  }

  // Nodes, in order.
  const nodes: ModelNode[] = [];
  rawNodes.forEach((raw, i) => {
    const n = raw as Record<string, unknown>;
    const at = ['nodes', i];
    const kname = n.kernel;
    const info = typeof kname === 'string' ? findKernel(kname) : undefined;
    if (!info) c.fail([...at, 'kernel'], `expected a kernel of the library (${kernelNames().join(', ')}), found ${show(kname)}`);
    const k = info!;
    const argNames = k.inputs.map((s) => s.name).join(', ');
    if (!Array.isArray(n.inputs) || n.inputs.some((x) => typeof x !== 'string')) c.fail([...at, 'inputs'], `expected a list of ${k.inputs.length} tensor names (${argNames}), found ${show(n.inputs)}`);
    const ins = n.inputs as string[];
    if (ins.length !== k.inputs.length) c.fail([...at, 'inputs'], `expected ${k.inputs.length} inputs for ${k.name} (${argNames}), found ${ins.length}`);
    const nodeName = n.name === undefined ? (n.output as string) : n.name;
    if (typeof nodeName !== 'string' || !nodeName) c.fail([...at, 'name'], `expected a string, found ${show(n.name)}`);
    if (nodes.some((m) => m.name === nodeName)) c.fail([...at, 'name'], `expected a name no other node has, found ${JSON.stringify(nodeName)} twice`);
    const args = ins.map((t, j) => {
      const got = tensors.get(t);
      if (got) return got;
      const p = producerOf.get(t);
      if (p !== undefined) c.fail([...at, 'inputs', j], `expected a tensor produced before nodes[${i}], found ${JSON.stringify(t)}, used before nodes[${p}] produces it`);
      c.fail([...at, 'inputs', j], `expected a tensor declared under tensors or produced by an earlier node, found ${JSON.stringify(t)}, which is neither`);
    });
    k.inputs.forEach((spec, j) => {
      const t = args[j]!;
      if (t.dtype !== spec.dtype) {
        c.fail([...at, 'inputs', j], `expected ${DTYPE_WORD[spec.dtype]} for ${spec.name} of ${k.name}, found ${JSON.stringify(t.name)} of ${DTYPE_WORD[t.dtype]}`);
      }
      if (t.shape.length !== spec.dimNames.length) {
        c.fail([...at, 'inputs', j], `expected a ${spec.dimNames.length}-d tensor [${spec.dimNames.join(', ')}] for ${spec.name} of ${k.name}, found ${JSON.stringify(t.name)} ${shapeText(t.shape)}`);
      }
    });
    const hints: Partial<Shape> = {};
    for (const f of ['H', 'P'] as const) if (n[f] !== undefined) hints[f] = intIn(c, [...at, f], n[f], 1, 65535);
    const inf = inferShape(k, args.map((t) => t!.shape), hints);
    if (!inf.shape) {
      const m = inf.missing!;
      if (m.indivisible !== undefined) {
        const spec = k.inputs[m.arg];
        c.fail([...at, 'inputs', m.arg], `expected ${spec.name} of ${k.name} [${spec.dimNames.join(', ')}] to have dim ${m.dim} (${spec.dimNames[m.dim!]}) a multiple of ${m.indivisible}, found ${JSON.stringify(args[m.arg]!.name)} ${shapeText(args[m.arg]!.shape)}`);
      }
      const whereArg = m.arg >= 0 ? ` from ${k.inputs[m.arg].name} ${shapeText(args[m.arg]!.shape)} (${k.inputs[m.arg].dimNames.join(', ')})` : '';
      c.fail([...at, m.sym === 'H' || m.sym === 'P' ? m.sym : 'inputs'], `expected ${m.sym} for ${k.name} (give ${m.sym}: in the node), found it cannot be inferred${whereArg}`);
    }
    const shape: Shape = { ...inf.shape! };
    if (k.usesT) {
      shape.T = n.T === undefined ? Math.min(shape.S, 16) : intIn(c, [...at, 'T'], n.T, 1, shape.S);
    } else if (n.T !== undefined) c.fail([...at, 'T'], `expected no T (only kernels that tile take one), found ${show(n.T)} for ${k.name}`);
    const symText = `S=${shape.S} E=${shape.E} P=${shape.P} H=${shape.H}`;
    k.inputs.forEach((spec, j) => {
      const want = spec.dims(shape);
      const t = args[j]!;
      if (want.some((d, x) => d !== t.shape[x])) {
        c.fail([...at, 'inputs', j], `expected ${spec.name} of ${k.name} to be ${shapeText(want)} ([${spec.dimNames.join(', ')}] at ${symText}), found ${JSON.stringify(t.name)} ${shapeText(t.shape)}`);
      }
    });
    for (const f of ['S', 'E', 'P', 'H'] as const) {
      if (shape[f] > 65535) c.fail([...at, 'inputs'], `expected ${f} in 1..65535, found ${shape[f]}`);
    }
    // rq, consts, split.
    let rq: Array<[number, number]> = k.defaultRq.map(([m, d]) => [m, d]);
    if (n.rq !== undefined) {
      const list = n.rq;
      if (!Array.isArray(list) || list.length !== k.nRq) c.fail([...at, 'rq'], `expected ${k.nRq} (mul, div) pair${k.nRq === 1 ? '' : 's'} for ${k.name}, found ${Array.isArray(list) ? list.length : show(list)}`);
      rq = (list as unknown[]).map((p, j) => {
        const pair = isObj(p) ? [p.mul, p.div] : p;
        if (!Array.isArray(pair) || pair.length !== 2) c.fail([...at, 'rq', j], `expected [mul, div] or { mul, div }, found ${show(p)}`);
        try {
          checkRq(k.name, j, pair as [number, number]);
        } catch (e) {
          c.fail([...at, 'rq', j], `expected mul an int32 and div in 0..31, found ${show(p)} (${(e as Error).message})`);
        }
        return [(pair as number[])[0], (pair as number[])[1]] as [number, number];
      });
    }
    let consts = [...(k.defaultConsts ?? [])];
    if (n.consts !== undefined) {
      if (!Array.isArray(n.consts) || n.consts.length !== k.nConsts || n.consts.some((x) => !Number.isInteger(x) || x < -(2 ** 31) || x > 2 ** 31 - 1)) {
        c.fail([...at, 'consts'], `expected ${k.nConsts} int32 const${k.nConsts === 1 ? '' : 's'} for ${k.name}, found ${show(n.consts)}`);
      }
      consts = n.consts as number[];
      if (k.name === 'gelu' && consts[0] <= 0) c.fail([...at, 'consts', 0], `expected qb > 0, found ${consts[0]}`);
    }
    const split = n.split === undefined ? 'heads' : n.split;
    if (split !== 'heads' && split !== 'rows') c.fail([...at, 'split'], `expected heads or rows, found ${show(n.split)}`);
    // The output tensor.
    const oshape = outputShape(k, shape);
    const odtype = k.output.dtype as DType;
    const out = n.output as string;
    if (tensors.has(out)) c.fail([...at, 'output'], `expected a new tensor, found ${JSON.stringify(out)}, a ${tensors.get(out)!.role} with its own data`);
    const d = decls.get(out);
    if (d && (d.dtype !== odtype || d.shape.length !== oshape.length || d.shape.some((x, j) => x !== oshape[j]))) {
      c.fail(['tensors', out], `expected ${DTYPE_WORD[odtype]} ${shapeText(oshape)} (the output ${k.output.name}[${k.output.layout}] of nodes[${i}] ${k.name}), found ${DTYPE_WORD[d.dtype]} ${shapeText(d.shape)}`);
    }
    tensors.set(out, { name: out, shape: oshape, dtype: odtype, role: 'activation', source: `node ${nodeName}`, producer: i, bytes: count(oshape) * DTYPE_BYTES[odtype] });
    nodes.push({
      index: i, name: nodeName as string, kernel: k.name, info: k, inputs: ins, output: out, shape,
      split: split as 'heads' | 'rows', rq, consts, macs: k.macs(shape),
    });
  });

  if (outputs.length === 0) outputs.push(nodes[nodes.length - 1].output);
  outputs.forEach((t, i) => {
    if (!producerOf.has(t)) c.fail(['outputs', i], `expected a tensor a node produces, found ${JSON.stringify(t)}`);
  });
  const notices: string[] = [];
  const used = new Set(nodes.flatMap((n) => n.inputs));
  for (const t of tensors.values()) {
    if (t.role !== 'activation' && !used.has(t.name)) notices.push(`${file}: tensor ${t.name} is declared but no node reads it`);
  }
  return { file, name: name as string, seed, tensors, nodes, inputs, outputs, notices };
}

/** Reads and parses a model file. */
export function loadModel(file: string): Model {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ModelError(file, '(file)', `expected a readable model file, found ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  return parseModel(text, file);
}

/** Bytes of the weights (the resident, read-only part). */
export function weightBytes(m: Model): number {
  let n = 0;
  for (const t of m.tensors.values()) if (t.role === 'weight') n += t.bytes;
  return n;
}

/** Parameters (weights and biases, element count). */
export function parameterCount(m: Model): number {
  let n = 0;
  for (const t of m.tensors.values()) if (t.role === 'weight') n += count(t.shape);
  return n;
}
