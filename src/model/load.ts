// load.ts - reads a model file (docs/models.md): tensors, nodes in execution order, block inputs and
// outputs. The structure is checked by the schema (schema.ts, zod); here what needs the graph: dims
// symbols, every node against its kernel (tensors, dtypes, shapes, T), tensors used before produced,
// and every tensor's bytes (seeded generator, .npy, or an array of an .npz), so a Model is ready to
// plan and run. Every error has the one form `FILE:LINE:COL: field: expected …, found …`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { drawTensor, mulberry32 } from '../gen';
import { count } from '../golden/registry';
import { locatePath, parseLocated } from '../validate/yamlLocation';
import { check, fieldName, type Path } from '../validate/zod';
import { ModelError } from './errors';
import { DType, KernelInfo, Shape, findKernel, inferShape, outputShape } from './kernels';
import { DTYPES, modelSchema, type ModelDecl, type TensorDecl } from './schema';
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

export const DTYPE_NAMES: Record<string, DType> = DTYPES;
export const DTYPE_WORD: Record<DType, string> = { i8: 'int8', u8: 'uint8', i16: 'int16' };
export const DTYPE_BYTES: Record<DType, number> = { i8: 1, u8: 1, i16: 2 };

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

const shapeText = (s: number[]): string => `[${s.join(', ')}]`;

/** Throws the one form `FILE:LINE:COL: field: expected …, found …` at the YAML node of `at` (or its nearest parent). */
type Fail = (at: Path, expected: string, found: string) => never;

/** Resolves a dim of a shape: an integer, or a product of integers and dims symbols. */
function evalDim(fail: Fail, at: Path, v: number | string, dims: Record<string, number>): number {
  if (typeof v === 'number') return v;
  let n = 1;
  for (const tok of v.split('*').map((t) => t.trim())) {
    if (/^\d+$/.test(tok)) n *= Number(tok);
    else if (Object.prototype.hasOwnProperty.call(dims, tok)) n *= dims[tok];
    else fail(at, `an integer or a symbol of dims (${Object.keys(dims).join(', ') || 'none declared'})`, `${JSON.stringify(tok)} in ${JSON.stringify(v)}`);
  }
  if (n < 1) fail(at, 'a dim >= 1', `${JSON.stringify(v)} = ${n}`);
  return n;
}

interface FileCache { read(file: string): Uint8Array }

/** Loads a tensor's bytes from .npy or .npz, checking dtype and shape. */
function loadFileTensor(fail: Fail, at: Path, name: string, decl: TensorDecl, dtype: DType, shape: number[], dir: string, cache: FileCache): Uint8Array {
  const rel = decl.file!;
  const abs = path.resolve(dir, rel);
  let buf: Uint8Array;
  try {
    buf = cache.read(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    fail([...at, 'file'], 'a readable file', `${code === 'ENOENT' ? 'no file' : `an error (${code ?? (e as Error).message})`} at ${abs}`);
  }
  const isNpz = decl.array !== undefined || /\.npz$/i.test(rel);
  // Where a wrong array is pointed at: the array: key when given, else file:.
  const where: Path = [...at, decl.array !== undefined ? 'array' : 'file'];
  let arr: NpyArray | undefined;
  let label = rel;
  try {
    if (isNpz) {
      const arrayName = decl.array ?? name;
      label = `${rel}:${arrayName}`;
      arr = npzArray(buf!, arrayName);
      if (!arr) {
        const names = npzNames(buf!);
        fail(where, `an array ${JSON.stringify(arrayName)} in ${rel}`, `only ${names.length ? names.join(', ') : 'no arrays'}`);
      }
    } else {
      arr = parseNpy(buf!);
    }
  } catch (e) {
    if (e instanceof ModelError) throw e;
    fail([...at, 'file'], `a NumPy ${isNpz ? '.npz' : '.npy'} file`, `${label} that is not readable (${(e as Error).message})`);
  }
  const got = arr!;
  const okDtype = got.dtype === dtype;
  const okShape = got.shape.length === shape.length && got.shape.every((n, i) => n === shape[i]);
  if (!okDtype || !okShape) {
    const gotWord = (DTYPE_WORD as Record<string, string>)[got.dtype] ?? got.dtype;
    fail(where, `${DTYPE_WORD[dtype]} ${shapeText(shape)} in ${label}`, `${gotWord} ${shapeText(got.shape)}`);
  }
  return got.data;
}

/** Parses model text. `file` names it in errors; paths in it are relative to `dir`. */
export function parseModel(text: string, file: string, dir = path.dirname(file)): Model {
  const located = parseLocated(text);
  if (located.doc.errors.length) {
    const e = located.doc.errors[0];
    const at = e.linePos?.[0];
    throw new ModelError(file, 'YAML', `expected valid YAML, found ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`, at ? `${at.line}:${at.col}` : undefined);
  }
  const fail: Fail = (at, expected, found) => {
    throw new ModelError(file, fieldName(at) || 'top level', `expected ${expected}, found ${found}`, locatePath(located, at));
  };
  // The structure (src/model/schema.ts), then what needs the graph.
  const checked = check(modelSchema, located.doc.toJS());
  if (!checked.ok) {
    const p = checked.problem;
    throw new ModelError(file, p.field || 'top level', p.detail, locatePath(located, p.path));
  }
  const r = checked.data as ModelDecl;
  const name = r.name ?? path.basename(file).replace(/\.ya?ml$/i, '');
  const seed = r.seed ?? 0;
  const dims: Record<string, number> = r.dims ?? {};

  // Declared tensors.
  const decls = new Map<string, { shape: number[]; dtype: DType; decl: TensorDecl }>();
  for (const [tname, d] of Object.entries(r.tensors ?? {})) {
    const shape = d.shape.map((x, i) => evalDim(fail, ['tensors', tname, 'shape', i], x, dims));
    decls.set(tname, { shape, dtype: DTYPE_NAMES[d.dtype ?? 'int8'], decl: d });
  }

  // Nodes: a first pass for who produces what, so "used before produced" can name the producer.
  const rawNodes = r.nodes;
  const producerOf = new Map<string, number>();
  rawNodes.forEach((n, i) => {
    const prev = producerOf.get(n.output);
    if (prev !== undefined) fail(['nodes', i, 'output'], 'a tensor no other node writes', `${JSON.stringify(n.output)}, already the output of nodes[${prev}]`);
    producerOf.set(n.output, i);
  });

  const inputs = r.inputs ?? [];
  const outputs = r.outputs ?? [];
  inputs.forEach((t, i) => {
    if (!decls.has(t)) fail(['inputs', i], 'a tensor declared under tensors', JSON.stringify(t));
    if (producerOf.has(t)) fail(['inputs', i], 'a tensor no node writes', `${JSON.stringify(t)}, the output of nodes[${producerOf.get(t)}]`);
  });

  // Tensors with bytes: weights and block inputs.
  const tensors = new Map<string, ModelTensor>();
  const cache = new Map<string, Uint8Array>();
  const files: FileCache = { read: (f) => { let b = cache.get(f); if (!b) { b = fs.readFileSync(f); cache.set(f, b); } return b; } };
  for (const [tname, { shape, dtype, decl }] of decls) {
    const at = ['tensors', tname];
    if (producerOf.has(tname)) {
      if (decl.init !== undefined || decl.file !== undefined) {
        const key = decl.file !== undefined ? 'file' : 'init';
        fail([...at, key], `no data for ${JSON.stringify(tname)} (nodes[${producerOf.get(tname)}] computes it)`, `${key} ${JSON.stringify(decl[key])}`);
      }
      continue; // checked against the node below
    }
    const n = count(shape);
    let data: Uint8Array;
    let source: string;
    if (decl.file !== undefined) {
      data = loadFileTensor(fail, at, tname, decl, dtype, shape, dir, files);
      source = decl.array !== undefined || /\.npz$/i.test(decl.file) ? `${decl.file}:${decl.array ?? tname}` : decl.file;
    } else if ((decl.init ?? 'random') === 'random') {
      const s = decl.seed ?? tensorSeed(seed, tname);
      data = randomTensor(dtype, n, s);
      source = `random (seed ${s})`;
    } else {
      data = new Uint8Array(n * DTYPE_BYTES[dtype]);
      source = 'zeros';
    }
    tensors.set(tname, { name: tname, shape, dtype, role: inputs.includes(tname) ? 'input' : 'weight', source, data, bytes: n * DTYPE_BYTES[dtype] });
  }

  // Nodes, in order.
  const nodes: ModelNode[] = [];
  rawNodes.forEach((n, i) => {
    const at = ['nodes', i];
    const k = findKernel(n.kernel)!; // the schema took only kernels of the library
    const ins = n.inputs;
    const nodeName = n.name ?? n.output;
    if (nodes.some((m) => m.name === nodeName)) fail([...at, n.name === undefined ? 'output' : 'name'], 'a name no other node has', `${JSON.stringify(nodeName)} twice`);
    const args = ins.map((t, j) => {
      const got = tensors.get(t);
      if (got) return got;
      const p = producerOf.get(t);
      if (p !== undefined) fail([...at, 'inputs', j], `a tensor produced before nodes[${i}]`, `${JSON.stringify(t)}, used before nodes[${p}] produces it`);
      return fail([...at, 'inputs', j], 'a tensor declared under tensors or produced by an earlier node', `${JSON.stringify(t)}, which is neither`);
    });
    k.inputs.forEach((spec, j) => {
      const t = args[j];
      if (t.dtype !== spec.dtype) fail([...at, 'inputs', j], `${DTYPE_WORD[spec.dtype]} for ${spec.name} of ${k.name}`, `${JSON.stringify(t.name)} of ${DTYPE_WORD[t.dtype]}`);
      if (t.shape.length !== spec.dimNames.length) {
        fail([...at, 'inputs', j], `a ${spec.dimNames.length}-d tensor [${spec.dimNames.join(', ')}] for ${spec.name} of ${k.name}`, `${JSON.stringify(t.name)} ${shapeText(t.shape)}`);
      }
    });
    const hints: Partial<Shape> = {};
    if (n.H !== undefined) hints.H = n.H;
    if (n.P !== undefined) hints.P = n.P;
    const inf = inferShape(k, args.map((t) => t.shape), hints);
    if (!inf.shape) {
      const m = inf.missing!;
      if (m.indivisible !== undefined) {
        const spec = k.inputs[m.arg];
        fail([...at, 'inputs', m.arg], `${spec.name} of ${k.name} [${spec.dimNames.join(', ')}] to have dim ${m.dim} (${spec.dimNames[m.dim!]}) a multiple of ${m.indivisible}`, `${JSON.stringify(args[m.arg].name)} ${shapeText(args[m.arg].shape)}`);
      }
      const whereArg = m.arg >= 0 ? ` from ${k.inputs[m.arg].name} ${shapeText(args[m.arg].shape)} (${k.inputs[m.arg].dimNames.join(', ')})` : '';
      fail([...at, m.sym === 'H' || m.sym === 'P' ? m.sym : 'inputs'], `${m.sym} for ${k.name} (give ${m.sym}: in the node)`, `it cannot be inferred${whereArg}`);
    }
    const shape: Shape = { ...inf.shape! };
    if (k.usesT) {
      if (n.T !== undefined && n.T > shape.S) fail([...at, 'T'], `an integer in 1..S (1..${shape.S})`, String(n.T));
      shape.T = n.T ?? Math.min(shape.S, 16);
    }
    const symText = `S=${shape.S} E=${shape.E} P=${shape.P} H=${shape.H}`;
    k.inputs.forEach((spec, j) => {
      const want = spec.dims(shape);
      const t = args[j];
      if (want.some((d, x) => d !== t.shape[x])) {
        fail([...at, 'inputs', j], `${spec.name} of ${k.name} to be ${shapeText(want)} ([${spec.dimNames.join(', ')}] at ${symText})`, `${JSON.stringify(t.name)} ${shapeText(t.shape)}`);
      }
    });
    for (const f of ['S', 'E', 'P', 'H'] as const) {
      if (shape[f] > 65535) fail([...at, 'inputs'], `${f} in 1..65535 for ${k.name}`, `${f} = ${shape[f]} (${symText})`);
    }
    const rq: Array<[number, number]> = n.rq ?? k.defaultRq.map(([m, d]) => [m, d]);
    const consts = n.consts ?? [...(k.defaultConsts ?? [])];
    // The output tensor.
    const oshape = outputShape(k, shape);
    const odtype = k.output.dtype as DType;
    const out = n.output;
    if (tensors.has(out)) fail([...at, 'output'], 'a new tensor', `${JSON.stringify(out)}, a ${tensors.get(out)!.role} with its own data`);
    const d = decls.get(out);
    if (d && (d.dtype !== odtype || d.shape.length !== oshape.length || d.shape.some((x, j) => x !== oshape[j]))) {
      fail(['tensors', out], `${DTYPE_WORD[odtype]} ${shapeText(oshape)} (the output ${k.output.name}[${k.output.layout}] of nodes[${i}] ${k.name})`, `${DTYPE_WORD[d.dtype]} ${shapeText(d.shape)}`);
    }
    tensors.set(out, { name: out, shape: oshape, dtype: odtype, role: 'activation', source: `node ${nodeName}`, producer: i, bytes: count(oshape) * DTYPE_BYTES[odtype] });
    nodes.push({
      index: i, name: nodeName, kernel: k.name, info: k, inputs: ins, output: out, shape,
      split: n.split ?? 'heads', rq, consts, macs: k.macs(shape),
    });
  });

  if (outputs.length === 0) outputs.push(nodes[nodes.length - 1].output);
  outputs.forEach((t, i) => {
    if (!producerOf.has(t)) fail(['outputs', i], 'a tensor a node produces', JSON.stringify(t));
  });
  const notices: string[] = [];
  const used = new Set(nodes.flatMap((n) => n.inputs));
  for (const t of tensors.values()) {
    if (t.role !== 'activation' && !used.has(t.name)) notices.push(`${file}: tensor ${t.name} is declared but no node reads it`);
  }
  return { file, name, seed, tensors, nodes, inputs, outputs, notices };
}

/** Reads and parses a model file. */
export function loadModel(file: string): Model {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ModelError(file, 'file', `expected a readable model file, found ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
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
