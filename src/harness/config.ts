// config.ts - reads a sweep config: the reference harness's testConfig.yml keys
// (cores, seed, S/E/P/H lists, testToRun, per-test kernelName/inputGen/goldenKernel/platform)
// plus tinyhil's own optional per-test keys (kernel, split, rq, consts, T).
import * as fs from 'fs';
import type { Document } from 'yaml';
import { locate, parseLocated } from '../validate/yamlLocation';
import { KERNEL_NAMES } from '../golden/registry';

/** `FILE:LINE:COL field: expected …, found …` (LINE:COL when the field is in the file). */
export class ConfigError extends Error {
  constructor(readonly file: string, readonly field: string, readonly detail: string, readonly at?: string) {
    super(`${file}${at ? `:${at}` : ''}: ${field}: ${detail}`);
    this.name = 'ConfigError';
  }
}

export interface TestSpec {
  name: string;
  kernel: string;            // tinyhil kernel name
  split: 'heads' | 'rows';
  rq?: Array<[number, number]>;
  consts?: number[];
  T?: number[];              // DFT tile rows; default min(S, 16)
}

export interface SweepConfig {
  file: string;
  cores: number;
  seed: number;
  S: number[];
  E: number[];
  P: number[];
  H: number[];
  tests: TestSpec[];
  notices: string[];
}

export { KERNEL_NAMES };

/** The reference harness's kernel names and what tinyhil runs for them. */
export const REFERENCE_KERNELS: Record<string, { kernel: string; split: 'heads' | 'rows' }> = {
  linearQK_4x2_H: { kernel: 'linear_qk', split: 'heads' },
  linearV_4x2_H: { kernel: 'linear_v', split: 'heads' },
  linearO_4x2_H: { kernel: 'linear_o', split: 'heads' },
  matmulSoftmax_4x2_S: { kernel: 'qk_softmax', split: 'rows' },
  matmulSoftmax_4x2_H: { kernel: 'qk_softmax', split: 'heads' },
  matmul_4x2_S: { kernel: 'av', split: 'rows' },
  matmul_4x2_H: { kernel: 'av', split: 'heads' },
  matmulSoftmax_FWA_v1: { kernel: 'fwsa', split: 'heads' },
  matmulSoftmax_FWA_v2: { kernel: 'fwsa', split: 'heads' },
  matmulSoftmax_FWA_v3_H: { kernel: 'fwsa', split: 'heads' },
  matmulSoftmax_FWA_v3_S: { kernel: 'fwsa', split: 'heads' },
};

/** Tests whose kernelName does not say the operation (None, pulp-nn's generic linear): by goldenKernel or templateGen. */
const BY_GOLDEN: Record<string, string> = {
  linearProjectionQK: 'linear_qk',
  linearProjectionV: 'linear_v',
  linearProjectionO: 'linear_o',
  matmulSoftmaxM1: 'qk_softmax',
  matmulM2: 'av',
  matmulSoftmaxFWA: 'fwsa',
  linearProjectionPULPNN: 'linear_qk',
  matmulSoftmaxM1PULPNN: 'qk_softmax',
  matmulM2PULPNN: 'av',
  linearProjectionOPULPNN: 'linear_o',
};
const BY_TEMPLATE: Record<string, string> = {
  generateTemplateMHSA: 'mhsa',
  generateTemplateMHSAFWA: 'mhsa_fwsa',
  generateTemplateMHSAPULPNN: 'mhsa',
};

const KNOWN_TEST_KEYS = new Set(['kernelName', 'inputGen', 'goldenKernel', 'platform', 'appFolder', 'templateGen', 'kernel', 'split', 'rq', 'consts', 'T']);
const IGNORED_TEST_KEYS = ['appFolder', 'templateGen'];
const KNOWN_TOP_KEYS = new Set(['cores', 'seed', 'S', 'E', 'P', 'H', 'testToRun']);

function intList(file: string, field: string, v: unknown, min: number, max: number): number[] {
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0) throw new ConfigError(file, field, 'expected at least one value');
  return list.map((x, i) => {
    if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max) {
      throw new ConfigError(file, Array.isArray(v) ? `${field}[${i}]` : field, `expected an integer in ${min}..${max}, found ${JSON.stringify(x)}`);
    }
    return x;
  });
}

function resolveKernel(file: string, name: string, t: Record<string, unknown>, notices: string[]): { kernel: string; split: 'heads' | 'rows' } {
  if (t.kernel !== undefined) {
    if (typeof t.kernel !== 'string' || !KERNEL_NAMES.includes(t.kernel)) {
      throw new ConfigError(file, `${name}.kernel`, `unknown kernel ${JSON.stringify(t.kernel)}; tinyhil kernels: ${KERNEL_NAMES.join(', ')}`);
    }
    return { kernel: t.kernel, split: 'heads' };
  }
  const kn = t.kernelName;
  if (typeof kn === 'string' && KERNEL_NAMES.includes(kn)) return { kernel: kn, split: 'heads' };
  if (typeof kn === 'string' && REFERENCE_KERNELS[kn]) return REFERENCE_KERNELS[kn];
  const golden = typeof t.goldenKernel === 'string' ? BY_GOLDEN[t.goldenKernel] : undefined;
  const template = typeof t.templateGen === 'string' ? BY_TEMPLATE[t.templateGen] : undefined;
  const mapped = golden ?? template;
  if (mapped && (kn === undefined || kn === null || kn === 'None' || kn === 'pulp_nn_linear_i8_i8_i8')) {
    if (kn === 'pulp_nn_linear_i8_i8_i8') notices.push(`${name}: pulp-nn's generic linear kernel is not part of tinyhil; running tinyhil's ${mapped} (same math, same layout)`);
    return { kernel: mapped, split: 'heads' };
  }
  if (kn === undefined) throw new ConfigError(file, `${name}.kernelName`, 'missing (give kernelName, or tinyhil\'s kernel)');
  throw new ConfigError(file, `${name}.kernelName`, `unknown kernel ${JSON.stringify(kn)}; known: ${[...KERNEL_NAMES, ...Object.keys(REFERENCE_KERNELS)].join(', ')}`);
}

function parseRq(file: string, field: string, v: unknown): Array<[number, number]> {
  if (!Array.isArray(v)) throw new ConfigError(file, field, `expected a list of [mul, div] pairs, found ${JSON.stringify(v)}`);
  return v.map((p, i) => {
    if (!Array.isArray(p) || p.length !== 2 || !p.every((x) => Number.isInteger(x))) {
      throw new ConfigError(file, `${field}[${i}]`, `expected [mul, div] integers, found ${JSON.stringify(p)}`);
    }
    if (p[1] < 0 || p[1] > 31) throw new ConfigError(file, `${field}[${i}]`, `div must be in 0..31, found ${p[1]}`);
    if (p[0] < -(2 ** 31) || p[0] >= 2 ** 31) throw new ConfigError(file, `${field}[${i}]`, `mul must be an int32, found ${p[0]}`);
    return [p[0], p[1]] as [number, number];
  });
}

export function parseConfig(text: string, file: string): SweepConfig {
  const located = parseLocated(text);
  const doc = located.doc;
  if (doc.errors.length) {
    const e = doc.errors[0];
    const line = e.linePos?.[0];
    throw new ConfigError(file, 'YAML', e.message.split('\n')[0], line ? `${line.line}:${line.col}` : undefined);
  }
  try {
    return parseConfigDoc(doc, file);
  } catch (e) {
    if (e instanceof ConfigError && !e.at) throw new ConfigError(e.file, e.field, e.detail, locate(located, e.field));
    throw e;
  }
}

function parseConfigDoc(doc: Document, file: string): SweepConfig {
  const root = doc.toJS() as Record<string, unknown> | null;
  if (!root || typeof root !== 'object' || Array.isArray(root)) throw new ConfigError(file, 'top level', 'expected a YAML mapping with cores, seed, S, E, P, H, testToRun');
  const notices: string[] = [];
  for (const k of ['S', 'E', 'P', 'H', 'testToRun']) {
    if (root[k] === undefined || root[k] === null) throw new ConfigError(file, k, 'missing');
  }
  const cores = root.cores === undefined ? 1 : intList(file, 'cores', root.cores, 1, 8)[0];
  const seed = root.seed === undefined ? 42 : intList(file, 'seed', root.seed, 0, 0xffffffff)[0];
  const dims = {
    S: intList(file, 'S', root.S, 1, 65535),
    E: intList(file, 'E', root.E, 1, 65535),
    P: intList(file, 'P', root.P, 1, 65535),
    H: intList(file, 'H', root.H, 1, 65535),
  };
  if (!Array.isArray(root.testToRun) || root.testToRun.length === 0) throw new ConfigError(file, 'testToRun', 'expected a non-empty list of test names');
  const tests: TestSpec[] = root.testToRun.map((name, i) => {
    if (typeof name !== 'string') throw new ConfigError(file, `testToRun[${i}]`, `expected a test name, found ${JSON.stringify(name)}`);
    const block = root[name];
    if (block === undefined || block === null || typeof block !== 'object' || Array.isArray(block)) {
      throw new ConfigError(file, `testToRun[${i}]`, `test "${name}" has no block of its own (expected a mapping "${name}:" with kernelName)`);
    }
    const t = block as Record<string, unknown>;
    for (const k of Object.keys(t)) {
      if (!KNOWN_TEST_KEYS.has(k)) throw new ConfigError(file, `${name}.${k}`, `unknown key (known: ${[...KNOWN_TEST_KEYS].join(', ')})`);
    }
    const ignored = IGNORED_TEST_KEYS.filter((k) => t[k] !== undefined);
    if (ignored.length) notices.push(`${name}: ${ignored.join(', ')} not needed by tinyhil (one firmware, tensors streamed); ignored`);
    if (t.platform === 'gvsoc') notices.push(`${name}: platform gvsoc (the GAP9 simulator) is not available in tinyhil; the test runs on the board given by --board`);
    else if (t.platform !== undefined && typeof t.platform !== 'string') throw new ConfigError(file, `${name}.platform`, `expected a string, found ${JSON.stringify(t.platform)}`);
    const { kernel, split: refSplit } = resolveKernel(file, name, t, notices);
    let split = refSplit;
    if (t.split !== undefined) {
      if (t.split !== 'heads' && t.split !== 'rows') throw new ConfigError(file, `${name}.split`, `expected heads or rows, found ${JSON.stringify(t.split)}`);
      split = t.split;
    }
    const spec: TestSpec = { name, kernel, split };
    if (t.rq !== undefined) spec.rq = parseRq(file, `${name}.rq`, t.rq);
    if (t.consts !== undefined) spec.consts = intList(file, `${name}.consts`, t.consts, -(2 ** 31), 2 ** 31 - 1);
    if (t.T !== undefined) spec.T = intList(file, `${name}.T`, t.T, 1, 65535);
    return spec;
  });
  const unknownTop = Object.keys(root).filter((k) => !KNOWN_TOP_KEYS.has(k) && !(root[k] && typeof root[k] === 'object' && !Array.isArray(root[k])));
  if (unknownTop.length) notices.push(`${file}: unknown top-level keys ignored: ${unknownTop.join(', ')}`);
  return { file, cores, seed, ...dims, tests, notices };
}

export function loadConfig(file: string): SweepConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, 'file', `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseConfig(text, file);
}
