// Config parsing: the reference keys work as they are; every bad input gets an error naming file and field.
import t from 'tap';
import { parseConfig, ConfigError } from '../src/harness/config';

const base = (extra: string): string => `cores: 2\nseed: 7\nS: [4]\nE: [8]\nP: [2]\nH: [1]\n${extra}`;

t.test('the reference harness keys map onto tinyhil kernels', async (t) => {
  const cfg = parseConfig(base(`testToRun: [projQK, m1, m2, fwa, pulp, mhsa]
projQK:
  kernelName: linearQK_4x2_H
  appFolder: ./Application/GAP9LinProjQK
  inputGen: generateInputsQKV
  templateGen: generateTemplateQKV
  goldenKernel: linearProjectionQK
  platform: gvsoc
m1: { kernelName: matmulSoftmax_4x2_S, goldenKernel: matmulSoftmaxM1 }
m2: { kernelName: matmul_4x2_H, goldenKernel: matmulM2 }
fwa: { kernelName: matmulSoftmax_FWA_v3_H, goldenKernel: matmulSoftmaxFWA }
pulp: { kernelName: pulp_nn_linear_i8_i8_i8, goldenKernel: matmulM2PULPNN }
mhsa: { kernelName: None, templateGen: generateTemplateMHSA, goldenKernel: None, platform: gvsoc }
`), 'c.yml');
  t.same(cfg.tests.map((x) => [x.name, x.kernel, x.split]), [
    ['projQK', 'linear_qk', 'heads'], ['m1', 'qk_softmax', 'rows'], ['m2', 'av', 'heads'],
    ['fwa', 'fwsa', 'heads'], ['pulp', 'av', 'heads'], ['mhsa', 'mhsa', 'heads'],
  ]);
  t.equal(cfg.cores, 2);
  t.equal(cfg.seed, 7);
  t.ok(cfg.notices.includes('projQK: appFolder, templateGen not needed by tinyhil (one firmware, tensors streamed); ignored'));
  t.ok(cfg.notices.includes('projQK: platform gvsoc (the GAP9 simulator) is not available in tinyhil; the test runs on the board given by --board'));
  t.ok(cfg.notices.some((n) => n.startsWith('pulp: pulp-nn\'s generic linear kernel is not part of tinyhil')));
});

t.test('tinyhil keys: kernel, rq, T, split', async (t) => {
  const cfg = parseConfig(base(`testToRun: [d]\nd: { kernel: mhsa_dft, T: [2, 4], rq: [[1, 2], [3, 4], [5, 6], [7, 8], [9, 10], [11, 12]] }\n`), 'c.yml');
  t.same(cfg.tests[0], { name: 'd', kernel: 'mhsa_dft', split: 'heads', T: [2, 4], rq: [[1, 2], [3, 4], [5, 6], [7, 8], [9, 10], [11, 12]] });
});

const bad: Array<[string, string, string]> = [
  ['missing S', 'E: [8]\nP: [2]\nH: [1]\ntestToRun: [a]\na: { kernel: add }\n', 'bad.yml:1:1: S: expected a list of integers in 1..65535, found nothing'],
  ['bad YAML', 'S: [4\nE: 8\n', 'bad.yml:2:1: YAML: '],
  ['not a mapping', '- 1\n- 2\n', 'bad.yml:1:1: top level: expected a YAML mapping with cores, seed, S, E, P, H, testToRun, found [1,2]'],
  ['zero S', base('testToRun: [a]\na: { kernel: add }\n').replace('S: [4]', 'S: [0]'), 'bad.yml:3:5: S[0]: expected an integer in 1..65535, found 0'],
  ['float E', base('testToRun: [a]\na: { kernel: add }\n').replace('E: [8]', 'E: 2.5'), 'bad.yml:4:4: E: expected an integer in 1..65535, found 2.5'],
  ['cores 9', base('testToRun: [a]\na: { kernel: add }\n').replace('cores: 2', 'cores: 9'), 'bad.yml:1:8: cores: expected an integer in 1..8, found 9'],
  ['unknown kernelName', base('testToRun: [a]\na: { kernelName: linearXYZ }\n'), 'bad.yml:8:18: a.kernelName: expected a kernel name (give kernelName, or tinyhil\'s kernel; known: linear_qk, '],
  ['unknown tinyhil kernel', base('testToRun: [a]\na: { kernel: conv2d }\n'), 'bad.yml:8:14: a.kernel: expected a tinyhil kernel (linear_qk, '],
  ['test without block', base('testToRun: [a]\n'), 'bad.yml:7:13: testToRun[0]: expected a test with a block of its own (a mapping "a:" with kernelName), found "a"'],
  ['unknown test key', base('testToRun: [a]\na: { kernel: add, tile: 3 }\n'), 'bad.yml:8:25: a.tile: expected a known key (kernelName, inputGen, goldenKernel, platform, appFolder, templateGen, kernel, split, rq, consts, T), found "tile"'],
  ['bad div', base('testToRun: [a]\na: { kernel: linear_qk, rq: [[385, 40]] }\n'), 'bad.yml:8:36: a.rq[0][1]: expected a div in 0..31, found 40'],
  ['bad split', base('testToRun: [a]\na: { kernel: av, split: diagonal }\n'), 'bad.yml:8:25: a.split: expected heads or rows, found "diagonal"'],
  ['short rq pair', base('testToRun: [a]\na: { kernel: av, rq: [[1]] }\n'), 'bad.yml:8:23: a.rq[0]: expected a [mul, div] pair of integers, found [1]'],
  ['empty consts', base('testToRun: [a]\na: { kernel: av, consts: [] }\n'), 'bad.yml:8:26: a.consts: expected at least one integer in -2147483648..2147483647, found []'],
  ['no kernel at all', base('testToRun: [a]\na: { goldenKernel: x }\n'), `bad.yml:8:4: a.kernelName: expected a kernel name (give kernelName, or tinyhil's kernel; known: linear_qk, linear_v, linear_o, qk_softmax, av, fwsa, softmax, mhsa, mhsa_fwsa, mhsa_dft, layernorm, gelu, add, linear, linearQK_4x2_H, linearV_4x2_H, linearO_4x2_H, matmulSoftmax_4x2_S, matmulSoftmax_4x2_H, matmul_4x2_S, matmul_4x2_H, matmulSoftmax_FWA_v1, matmulSoftmax_FWA_v2, matmulSoftmax_FWA_v3_H, matmulSoftmax_FWA_v3_S), found nothing`],
  ['bad cores list', base('testToRun: [a]\na: { kernel: add }\n').replace('cores: 2', 'cores: [1, x]'), 'bad.yml:1:12: cores[1]: expected an integer in 1..8, found "x"'],
  ['empty testToRun', base('testToRun: []\n'), 'bad.yml:7:12: testToRun: expected a non-empty list of test names, found []'],
];
for (const [what, text, msg] of bad) {
  t.test(`error: ${what}`, async (t) => {
    let err: unknown;
    try {
      parseConfig(text, 'bad.yml');
    } catch (e) {
      err = e;
    }
    t.ok(err instanceof ConfigError, 'throws a ConfigError');
    t.equal((err as Error).message.slice(0, msg.length), msg);
  });
}
