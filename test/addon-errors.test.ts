// The addon checks every argument before touching memory and names what was wrong.
import t from 'tap';
import { native, run } from '../src/native';

const a = native();
const shape = { S: 2, E: 3, P: 1, H: 2 };
const p = { ...shape, T: 2, split: 0, rq: [[385, 16]] as Array<[number, number]>, consts: [] as number[] };
const good = (): Uint8Array[] => [new Int8Array(6), new Int8Array(6), new Int16Array(2)].map((x) => new Uint8Array(x.buffer));

t.test('good arguments run', async (t) => {
  t.equal(a.run(0, p, good(), 1).length, 4);
  t.equal((await a.runAsync(0, p, good(), 3)).length, 4);
});

const cases: Array<[string, () => unknown, string, string]> = [
  ['kernel id', () => a.run(99, p, good(), 1), 'RangeError', `Expected a kernel id in 0..${a.kernels().length - 1} for kernel but received 99`],
  ['kernel type', () => a.run('x' as never, p, good(), 1), 'TypeError', 'Expected a kernel id (number) for kernel but received x'],
  ['input count', () => a.run(0, p, good().slice(0, 2), 1), 'RangeError', 'Expected 3 inputs for linear_qk but received 2'],
  ['input length', () => a.run(0, p, [new Uint8Array(6), new Uint8Array(5), new Uint8Array(4)], 1), 'RangeError', 'Expected input W of linear_qk to be 6 bytes (6 int8) but received 5'],
  ['bias length', () => a.run(0, p, [new Uint8Array(6), new Uint8Array(6), new Uint8Array(2)], 1), 'RangeError', 'Expected input B of linear_qk to be 4 bytes (2 int16) but received 2'],
  ['input type', () => a.run(0, p, [new Uint8Array(6), [1, 2] as never, new Uint8Array(4)], 1), 'TypeError', 'Expected a typed array for input W of linear_qk but received 1,2'],
  ['rq count', () => a.run(0, { ...p, rq: [] }, good(), 1), 'RangeError', 'Expected params.rq to hold 1 [mul, div] pairs for linear_qk but received 0'],
  ['rq div', () => a.run(0, { ...p, rq: [[385, 32]] }, good(), 1), 'RangeError', 'Expected params.rq[0] div in 0..31 but received 32'],
  ['shape zero', () => a.run(0, { ...p, S: 0 }, good(), 1), 'RangeError', 'Invalid params for linear_qk: bad shape (S=0 E=3 P=1 H=2 T=2)'],
  ['shape float', () => a.run(0, { ...p, E: 1.5 }, good(), 1), 'RangeError', 'Expected an int32 for shape.E but received 1.5'],
  ['cores 0', () => a.run(0, p, good(), 0), 'RangeError', 'Expected cores in 1..8 but received 0'],
  ['cores 9', () => a.run(0, p, good(), 9), 'RangeError', 'Expected cores in 1..8 but received 9'],
  ['split', () => a.run(3, { ...p, split: 2 }, good(), 1), 'RangeError', 'Expected params.split to be 0 (heads) or 1 (rows) but received 2'],
  ['gelu consts', () => a.run(11, { ...p, consts: [1] }, [new Uint8Array(6)], 1), 'RangeError', 'Expected params.consts to hold 3 integers for gelu but received 1'],
];
for (const [what, fn, type, msg] of cases) {
  t.test(`error: ${what}`, async (t) => {
    let err: Error | undefined;
    try {
      fn();
    } catch (e) {
      err = e as Error;
    }
    t.equal(err?.constructor.name, type);
    t.equal(err?.message.slice(0, msg.length), msg);
  });
}

// Through src/native.ts the request is checked first, in the one form (src/validate/zod.ts).
const req = { kernel: 'linear_qk', shape, rq: [[385, 16]] as Array<[number, number]>, inputs: good() };
const tsCases: Array<[string, unknown, string]> = [
  ['div', { ...req, rq: [[385, 32]] }, 'run linear_qk: rq[0][1]: expected a div in 0..31, found 32'],
  ['rq count', { ...req, rq: [] }, 'run linear_qk: rq: expected 1 [mul, div] pairs for linear_qk, found []'],
  ['shape', { ...req, shape: { ...shape, E: 1.5 } }, 'run linear_qk: shape.E: expected an integer in 1..65535, found 1.5'],
  ['cores', { ...req, cores: 9 }, `run linear_qk: cores: expected an integer in 1..${a.maxCores}, found 9`],
  ['inputs', { ...req, inputs: good().slice(0, 2) }, 'run linear_qk: inputs: expected 3 input buffers (I, W, B) for linear_qk, found ["Uint8Array(6)","Uint8Array(6)"]'],
  ['split', { ...req, split: 'cols' }, 'run linear_qk: split: expected heads or rows, found "cols"'],
];
for (const [what, r, msg] of tsCases) {
  t.test(`request error: ${what}`, async (t) => {
    let err: Error | undefined;
    try {
      run(r as never);
    } catch (e) {
      err = e as Error;
    }
    t.equal(err?.constructor.name, 'RangeError');
    t.equal(err?.message.slice(0, msg.length), msg);
  });
}
t.test('a good request still runs through src/native.ts', async (t) => {
  t.equal(run(req).length, 4);
});
