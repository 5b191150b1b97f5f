// m4-timing.test.ts - the Cortex-M4 timing-model plugin (tools/m4-timing) against sequences whose
// cycle counts the Cortex-M4 TRM fixes: LDR pairs, LDM of n registers, SMLAD chains, taken and
// not-taken branches, UDIV at several quotient sizes (test/fixtures/m4-timing/seq.S). Each window
// holds the sequence plus a fixed frame (BX LR of the marker, the closing BL, their refills):
// the first, empty window measures the frame, which must itself be the TRM's 1+P + 1+P = 6.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { which } from '../src/board/qemu';
import { parseM4TimingLine } from '../src/board/m4timing';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { buildM4TimingPlugin } = require('../tools/m4-timing/build.js') as { buildM4TimingPlugin: (out?: string) => string };

const FIXTURE = path.join(__dirname, 'fixtures', 'm4-timing', 'seq.S');
const missing = ['qemu-system-arm', 'arm-none-eabi-gcc', process.env.CC || 'gcc'].filter((x) => !which(x));

// [what, cycles of the sequence, instruction mix of the sequence: smlad, load, store, branch, other]
const EXPECT: Array<[string, number, [number, number, number, number, number]]> = [
  ['frame: BX LR + BL, both 1 + P(2)', 6, [0, 0, 0, 2, 0]],
  ['LDR alone: 2', 2, [0, 1, 0, 0, 0]],
  ['LDR pair, independent: 2 + 1', 3, [0, 2, 0, 0, 0]],
  ['three LDRs pipelined: 4 (TRM example)', 4, [0, 3, 0, 0, 0]],
  ['LDR then LDR through its result: 2 + 2', 4, [0, 2, 0, 0, 0]],
  ['LDR then STR of the value: 3 (TRM example)', 3, [0, 1, 1, 0, 0]],
  ['STR register offset: 2', 2, [0, 0, 1, 0, 0]],
  ['LDM of 1, 2, 4, 6 registers: 1+N each', 17, [0, 4, 0, 0, 0]],
  ['8 SMLAD: 1 each', 8, [8, 0, 0, 0, 0]],
  ['B<c> not taken: 1', 5, [0, 0, 0, 1, 4]],
  ['B<c> taken to a 16-bit target: 1 + 2', 6, [0, 0, 0, 1, 3]],
  ['B.W to a 32-bit target at a halfword address: 1 + 3', 5, [1, 0, 0, 1, 0]],
  ['CBZ taken: 1 + 2', 5, [0, 0, 0, 1, 2]],
  ['UDIV, quotient 0: 2', 4, [0, 0, 0, 0, 3]],
  ['UDIV, 8-bit quotient: 2 + 3', 7, [0, 0, 0, 0, 3]],
  ['UDIV, 16-bit quotient: 2 + 6', 10, [0, 0, 0, 0, 3]],
  ['UDIV, 32-bit quotient: 12', 15, [0, 0, 0, 0, 4]],
  ['PUSH/POP of 4 registers: 1+N each', 10, [0, 1, 1, 0, 0]],
  ['ADD then LDRD from it: 1 + 3 + 1 stall', 5, [0, 1, 0, 0, 1]],
  ['4-turn SUBS/BNE loop: 3 taken (3), 1 not taken (1)', 15, [0, 0, 0, 4, 5]],
];

t.test('Cortex-M4 timing model against TRM sequences', { skip: missing.length ? `not installed: ${missing.join(', ')}` : false }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'th-m4t-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const plugin = buildM4TimingPlugin(path.join(dir, 'th_m4_timing.so'));
  const elf = path.join(dir, 'seq.elf');
  const cc = spawnSync('arm-none-eabi-gcc', ['-mcpu=cortex-m4', '-mthumb', '-nostdlib', '-nostartfiles', '-Wl,--section-start=.vectors=0x0',
    '-Wl,-Ttext=0x400', '-Wl,-Tbss=0x20000000', '-o', elf, FIXTURE], { encoding: 'utf8' });
  t.equal(cc.status, 0, `assembles seq.S: ${cc.stderr}`);
  const out = path.join(dir, 'windows.txt');
  const q = spawnSync('qemu-system-arm', ['-M', 'mps2-an386', '-nographic', '-semihosting', '-monitor', 'none', '-serial', 'none', '-kernel', elf,
    '-plugin', `${plugin},elf=${elf},mark=th_mark,out=${out}`], { encoding: 'utf8', timeout: 60000 });
  t.equal(q.status, 0, `QEMU exits through semihosting: ${q.stderr}`);
  const windows = fs.readFileSync(out, 'utf8').trim().split('\n').map(parseM4TimingLine);
  t.equal(windows.length, EXPECT.length, 'one window per sequence');
  const frame = windows[0];
  EXPECT.forEach(([what, cycles, mix], i) => {
    const w = windows[i];
    const base = i === 0 ? { cycles: 0, mix: [0, 0, 0, 0, 0] } : { cycles: frame.cycles, mix: frame.mix.map((m) => m.insns) };
    t.equal(w.cycles - base.cycles, cycles, `${i + 1} ${what}: cycles`);
    t.same(w.mix.map((m, k) => m.insns - base.mix[k]), mix, `${i + 1} ${what}: instruction mix`);
    t.equal(w.insns, w.mix.reduce((a, m) => a + m.insns, 0), `${i + 1}: classes add up to the instructions`);
  });
});

t.test('plugin refuses bad arguments with a message', { skip: missing.length ? `not installed: ${missing.join(', ')}` : false }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'th-m4t-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const plugin = buildM4TimingPlugin(path.join(dir, 'th_m4_timing.so'));
  const run = (args: string) => spawnSync('qemu-system-arm', ['-M', 'mps2-an386', '-nographic', '-monitor', 'none', '-serial', 'none',
    '-plugin', `${plugin}${args}`], { encoding: 'utf8', timeout: 20000 });
  let r = run(',bogus=1');
  t.not(r.status, 0, 'unknown argument fails');
  t.match(r.stdout + r.stderr, /unknown argument "bogus=1"/);
  r = run(',mark=th_mark');
  t.match(r.stdout + r.stderr, /mark=\/arm= need elf=PATH/);
  r = run(',div=20');
  t.match(r.stdout + r.stderr, /div= must be 2\.\.12/);
});
