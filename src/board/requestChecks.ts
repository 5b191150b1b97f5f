// The host-side checks of a request to a board (RUN and GRAPH nodes), in the one form of
// src/validate: `LABEL: field: expected …, found …`. They use only the kernel catalog (sizes and
// counts), so a board with its own catalog (a remote kernel set) is checked the same way.
import { z } from 'zod';
import type { BoardInfo } from './types';
import { check, intIn, shown } from '../validate/zod';
import { INT32, rqPair } from '../validate/kernelArgs';

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function fail(label: string, field: string, expected: string, found: unknown): never {
  throw new RangeError(`${label}: ${field}: expected ${expected}, found ${typeof found === 'string' ? found : shown(found)}`);
}

/** The kernel is in the board's firmware under the host's id. */
export function checkOnBoard(label: string, kernel: string, hostId: number, info: BoardInfo): void {
  const onBoard = info.kernels.find((x) => x.name === kernel);
  if (!onBoard) fail(label, 'kernel', `one of ${info.name}'s firmware kernels (${info.kernels.map((x) => x.name).join(', ')})`, kernel);
  if (onBoard.id !== hostId) {
    throw new Error(`${label}: kernel ${kernel} has id ${onBoard.id} on ${info.name} but ${hostId} on the host: firmware and host disagree`);
  }
}

/** cores in 1..the board's cores; returns it (default 1). */
export function checkCores(label: string, cores: unknown, info: BoardInfo): number {
  const c = cores ?? 1;
  if (!Number.isInteger(c) || (c as number) < 1 || (c as number) > info.nCores) {
    fail(label, 'cores', `an integer in 1..${info.nCores} (${info.name}'s cores)`, c);
  }
  return c as number;
}

/** repeat in 1..the board's HELLO max_repeat (2^32 - 1 where it reports none); returns it (default 1). */
export function checkRepeat(label: string, repeat: unknown, info: BoardInfo): number {
  const r = repeat ?? 1;
  const max = info.maxRepeat ?? 0xffffffff;
  const why = info.maxRepeat === undefined ? 'a u32' : `${info.name}'s HELLO max_repeat`;
  if (!Number.isInteger(r) || (r as number) < 1 || (r as number) > max) fail(label, 'repeat', `an integer in 1..${max} (${why})`, r);
  return r as number;
}

const constList = z.array(intIn(...INT32, 'an int32'));

/** Exactly the kernel's rq pairs and consts, each in range; gelu's qb (consts[0]) > 0. */
export function checkRqConsts(label: string, kernel: string, k: { nRq: number; nConsts: number }, rq: unknown, consts: unknown): void {
  const pairs = plural(k.nRq, '[mul, div] pair');
  if (!Array.isArray(rq) || rq.length !== k.nRq) fail(label, 'rq', pairs, Array.isArray(rq) ? `${plural(rq.length, 'pair')}` : rq);
  const r = check(z.array(rqPair), rq, ['rq']);
  if (!r.ok) throw new RangeError(`${label}: ${r.problem.field}: ${r.problem.detail}`);
  const cs = consts ?? [];
  if (!Array.isArray(cs) || cs.length !== k.nConsts) {
    fail(label, 'consts', plural(k.nConsts, 'int32 const'), Array.isArray(cs) ? `${plural(cs.length, 'const')}` : cs);
  }
  const c = check(constList, cs, ['consts']);
  if (!c.ok) throw new RangeError(`${label}: ${c.problem.field}: ${c.problem.detail}`);
  if (kernel === 'gelu' && !(cs[0] > 0)) fail(label, 'consts[0]', 'qb > 0 (gelu)', cs[0]);
}

/** One buffer per input, each exactly its size at this shape. */
export function checkInputs(label: string, names: string[], sizes: number[], inputs: Uint8Array[], shapeText: string): void {
  if (!Array.isArray(inputs) || inputs.length !== sizes.length) {
    fail(label, 'inputs', `${plural(sizes.length, 'input buffer')} (${names.join(', ')})`, Array.isArray(inputs) ? `${inputs.length}` : inputs);
  }
  inputs.forEach((buf, i) => {
    const n = ArrayBuffer.isView(buf) ? buf.byteLength : undefined;
    if (n !== sizes[i]) fail(label, `inputs[${i}]`, `${sizes[i]} bytes (${names[i] ?? i} at ${shapeText})`, n === undefined ? buf : `${n} bytes`);
  });
}
