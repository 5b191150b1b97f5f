// The kernel table is stated twice (C descriptors th_def_<name>, TypeScript KernelDefs);
// this proves they agree, and that every kernel has its four places: C file, golden file,
// doc section, and a line of TH_KERNEL_LIST.
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KERNEL_BY_ID } from '../src/golden';
import type { Shape } from '../src/golden';

const root = join(__dirname, '..');
const header = readFileSync(join(root, 'kernels', 'include', 'tinyhil.h'), 'utf8');

/** X(id, ENUM, name) lines of TH_KERNEL_LIST. */
function kernelList(): Array<{ id: number; name: string }> {
  const m = /#define TH_KERNEL_LIST\(X\)([\s\S]*?)\n\n/.exec(header);
  if (!m) throw new Error('TH_KERNEL_LIST not found in tinyhil.h');
  return [...m[1].matchAll(/X\((\d+),\s*([A-Z0-9_]+),\s*([a-z0-9_]+)\)/g)]
    .map((x) => ({ id: Number(x[1]), name: x[3], upper: x[2] }))
    .map((x) => {
      if (x.upper !== x.name.toUpperCase()) throw new Error(`TH_KERNEL_LIST: ${x.upper} is not ${x.name} in capitals`);
      return { id: x.id, name: x.name };
    });
}

t.test('TH_KERNEL_LIST and the TypeScript table list the same kernels in the same order', async (t) => {
  const c = kernelList();
  t.same(c, KERNEL_BY_ID.map((k) => ({ id: k.id, name: k.name })));
  t.same(c.map((k) => k.id), c.map((_, i) => i), 'ids are 0..n-1');
});

t.test('every kernel has its C file with its descriptor, its golden file and its doc section', async (t) => {
  const doc = readFileSync(join(root, 'docs', 'kernels.md'), 'utf8');
  for (const k of KERNEL_BY_ID) {
    const cFile = join(root, 'kernels', 'src', `th_${k.name}.c`);
    t.ok(existsSync(cFile), `kernels/src/th_${k.name}.c`);
    if (existsSync(cFile)) {
      t.match(readFileSync(cFile, 'utf8'), new RegExp(`const th_kernel_def th_def_${k.name} = \\{`), `th_def_${k.name} in its file`);
    }
    const tsFile = join(root, 'src', 'golden', `${k.name}.ts`);
    t.ok(existsSync(tsFile), `src/golden/${k.name}.ts`);
    t.match(doc, new RegExp(`^### ${k.id} \`${k.name}\``, 'm'), `docs/kernels.md has "### ${k.id} \`${k.name}\`"`);
  }
});

let addon: typeof import('../src/native') | undefined;
try {
  addon = require('../src/native') as typeof import('../src/native');
  addon.kernels();
} catch (e) {
  addon = undefined;
  t.comment(`addon not built: ${(e as Error).message}`);
}

t.test('C descriptors (through the addon) equal the TypeScript table', { skip: addon ? false : 'native addon not built' }, async (t) => {
  const n = addon!;
  const c = n.kernels();
  t.equal(c.length, KERNEL_BY_ID.length, 'same number of kernels');
  for (const k of KERNEL_BY_ID) {
    const ck = c[k.id];
    t.same({
      id: ck.id, name: ck.name, inputs: ck.inputs, output: ck.outputType, nRq: ck.nRq, nConsts: ck.nConsts, usesT: ck.usesT,
    }, {
      id: k.id, name: k.name, inputs: k.inputs.map((i) => ({ name: i.name, dtype: i.dtype })), output: k.output.dtype,
      nRq: k.nRq, nConsts: k.nConsts, usesT: k.usesT,
    }, `${k.name}: names, dtypes, counts`);
  }
  // Sizes, scratch and MACs: a grid of odd and even shapes, every core count.
  const shapes: Shape[] = [];
  for (const S of [1, 3, 8, 17]) for (const E of [1, 5, 32]) for (const P of [1, 3, 8]) for (const H of [1, 2, 3]) {
    shapes.push({ S, E, P, H, T: Math.max(1, Math.ceil(S / 3)) });
  }
  const DT = { i8: 1, u8: 1, i16: 2 } as const;
  for (const k of KERNEL_BY_ID) {
    let bad = 0;
    for (const s of shapes) {
      const sizes = n.kernelSizes(k.name, s);
      const want = {
        inputs: k.inputs.map((i) => i.dims(s).reduce((a, b) => a * b, 1) * DT[i.dtype]),
        output: k.output.dims(s).reduce((a, b) => a * b, 1),
      };
      const got = { inputs: sizes.inputs.slice(0, k.inputs.length), output: sizes.output };
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        if (bad++ < 3) t.same(got, want, `${k.name} sizes at ${JSON.stringify(s)}`);
      }
      if (n.macs(k.name, s) !== k.macs(s)) {
        if (bad++ < 3) t.equal(n.macs(k.name, s), k.macs(s), `${k.name} MACs at ${JSON.stringify(s)}`);
      }
      for (const cores of [1, 2, 3, 8]) {
        if (n.scratchBytes(k.name, s, cores) !== k.scratch(s, cores)) {
          if (bad++ < 3) t.equal(n.scratchBytes(k.name, s, cores), k.scratch(s, cores), `${k.name} scratch at ${JSON.stringify(s)} x${cores}`);
        }
      }
    }
    t.equal(bad, 0, `${k.name}: sizes, MACs and scratch agree on ${shapes.length} shapes x 4 core counts`);
  }
});
