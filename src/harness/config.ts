// config.ts - reads a sweep config: the reference harness's testConfig.yml keys
// (cores, seed, S/E/P/H lists, testToRun, per-test kernelName/inputGen/goldenKernel/platform)
// plus tinyhil's own optional per-test keys (kernel, split, rq, consts, T).
import * as fs from 'fs';
import type { Document } from 'yaml';
import { locate, parseLocated } from '../validate/yamlLocation';
import { KERNEL_NAMES } from '../golden/registry';
import { z } from 'zod';
import { byValue, check, intIn, said, shown, type Path } from '../validate/zod';
import { INT32, rqPair, splitSchema } from '../validate/kernelArgs';

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

const IGNORED_TEST_KEYS = ['appFolder', 'templateGen'];
const KNOWN_TOP_KEYS = new Set(['cores', 'seed', 'S', 'E', 'P', 'H', 'testToRun']);

/** One integer or a non-empty list of them; always a list after parsing. */
const intList = (min: number, max: number): z.ZodType<number[]> => byValue<number[]>((v) => Array.isArray(v) || v === undefined
  ? z.array(intIn(min, max), said(`a list of integers in ${min}..${max}`)).min(1, { message: `at least one integer in ${min}..${max}` })
  : intIn(min, max).transform((x) => [x]));
const dims = (): z.ZodType<number[]> => intList(1, 65535);

const TOP = 'a YAML mapping with cores, seed, S, E, P, H, testToRun';
const topSchema = z.object({
  S: dims(), E: dims(), P: dims(), H: dims(),
  testToRun: z.array(z.string(said('a test name')), said('a non-empty list of test names')).min(1, { message: 'a non-empty list of test names' }),
  cores: intList(1, 8).optional(),
  seed: intList(0, 0xffffffff).optional(),
}, said(TOP)).passthrough();

const TEST_KEYS = 'kernelName, inputGen, goldenKernel, platform, appFolder, templateGen, kernel, split, rq, consts, T';
const testSchema = z.object({
  kernelName: z.unknown(), inputGen: z.unknown(), goldenKernel: z.unknown(), appFolder: z.unknown(), templateGen: z.unknown(),
  platform: z.string(said('a string')).optional(),
  kernel: z.enum(KERNEL_NAMES as [string, ...string[]], { errorMap: () => ({ message: `a tinyhil kernel (${KERNEL_NAMES.join(', ')})` }) }).optional(),
  split: splitSchema.optional(),
  rq: z.array(rqPair, said('a list of [mul, div] pairs')).optional(),
  consts: intList(...INT32).optional(),
  T: dims().optional(),
}, said('a mapping with kernelName')).strict({ message: `a known key (${TEST_KEYS})` });

/** Throws the first schema problem as a ConfigError (located later by parseConfig). */
function checked<S extends z.ZodTypeAny>(file: string, schema: S, v: unknown, base: Path = []): z.infer<S> {
  const r = check(schema, v, base);
  if (r.ok) return r.data;
  throw new ConfigError(file, r.problem.field || 'top level', r.problem.detail);
}

function resolveKernel(file: string, name: string, t: z.infer<typeof testSchema>, notices: string[]): { kernel: string; split: 'heads' | 'rows' } {
  if (t.kernel !== undefined) return { kernel: t.kernel, split: 'heads' };
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
  throw new ConfigError(file, `${name}.kernelName`, `expected a kernel name (give kernelName, or tinyhil's kernel; known: ${[...KERNEL_NAMES, ...Object.keys(REFERENCE_KERNELS)].join(', ')}), found ${shown(kn)}`);
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
  const root = checked(file, topSchema, doc.toJS());
  const notices: string[] = [];
  const tests: TestSpec[] = root.testToRun.map((name, i) => {
    const block = (root as Record<string, unknown>)[name];
    if (block === undefined || block === null || typeof block !== 'object' || Array.isArray(block)) {
      throw new ConfigError(file, `testToRun[${i}]`, `expected a test with a block of its own (a mapping "${name}:" with kernelName), found ${shown(name)}`);
    }
    const t = checked(file, testSchema, block, [name]);
    const ignored = IGNORED_TEST_KEYS.filter((k) => t[k as keyof typeof t] !== undefined);
    if (ignored.length) notices.push(`${name}: ${ignored.join(', ')} not needed by tinyhil (one firmware, tensors streamed); ignored`);
    if (t.platform === 'gvsoc') notices.push(`${name}: platform gvsoc (the GAP9 simulator) is not available in tinyhil; the test runs on the board given by --board`);
    const { kernel, split: refSplit } = resolveKernel(file, name, t, notices);
    const spec: TestSpec = { name, kernel, split: t.split ?? refSplit };
    if (t.rq !== undefined) spec.rq = t.rq;
    if (t.consts !== undefined) spec.consts = t.consts;
    if (t.T !== undefined) spec.T = t.T;
    return spec;
  });
  const unknownTop = Object.keys(root).filter((k) => !KNOWN_TOP_KEYS.has(k) && !(root[k] && typeof root[k] === 'object' && !Array.isArray(root[k])));
  if (unknownTop.length) notices.push(`${file}: unknown top-level keys ignored: ${unknownTop.join(', ')}`);
  return { file, cores: root.cores?.[0] ?? 1, seed: root.seed?.[0] ?? 42, S: root.S, E: root.E, P: root.P, H: root.H, tests, notices };
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
