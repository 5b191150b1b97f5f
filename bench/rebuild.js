// bench/rebuild.js - the reference harness's way of running a sweep, for comparison: per test point,
// write the tensors into a C header, rebuild the program from clean (every kernel source, as
// `make clean all run` does) and run it. Used by bench/link.js; runs on its own too:
//   node bench/rebuild.js [CONFIG] [--sample N]
'use strict';
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const CTYPE = { i8: 'int8_t', u8: 'uint8_t', i16: 'int16_t' };

function header(point, kernelId, inputs, KERNELS) {
  const k = KERNELS[point.kernel];
  const lines = ['/* generated per test point, as the reference harness does */', '#include <stdint.h>'];
  inputs.forEach((a, i) => lines.push(`static const ${CTYPE[k.inputs[i].dtype]} in${i}[${a.length}] = {${Array.from(a).join(',')}};`));
  lines.push(`static const void *const INPUTS[] = {${inputs.map((_, i) => `in${i}`).join(', ')}};`);
  const s = point.shape;
  lines.push(`#define KERNEL_ID ${kernelId}`);
  lines.push(`#define SHAPE {${s.S}, ${s.E}, ${s.P}, ${s.H}, ${s.T}}`);
  lines.push(`#define SPLIT ${point.split === 'rows' ? 1 : 0}`);
  const rq = [...point.rq, ...Array(6 - point.rq.length).fill([0, 0])];
  lines.push(`#define RQ {${rq.map(([m, d]) => `{${m}, ${d}}`).join(', ')}}`);
  lines.push(`#define CONSTS {${[...point.consts, 0, 0, 0].slice(0, 3).join(', ')}}`);
  return lines.join('\n') + '\n';
}

const MAIN = `#include <stdio.h>
#include <stdlib.h>
#include "tinyhil.h"
#include "point.h"
int main(int argc, char **argv) {
  th_params p = { SHAPE, (th_split)SPLIT, RQ, CONSTS };
  size_t in[TH_MAX_INPUTS], out_n;
  if (th_kernel_sizes(KERNEL_ID, &p.shape, in, &out_n) != TH_OK) return 2;
  size_t scratch_n = th_scratch_bytes(KERNEL_ID, &p.shape, 1);
  void *out = malloc(out_n ? out_n : 1), *scratch = malloc(scratch_n ? scratch_n : 1);
  th_ctx ctx = { 0, 1, scratch, scratch_n, 0, 0 };
  if (th_kernel_run(KERNEL_ID, &p, INPUTS, out, &ctx) != TH_OK) return 3;
  FILE *f = fopen(argv[1], "wb");
  fwrite(out, 1, out_n, f);
  fclose(f);
  return argc > 1 ? 0 : 1;
}
`;

function compile(cmd, args) {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    c.on('error', reject);
    c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}`))));
  });
}

/** Runs jobs two at a time, like make -j2. */
async function runJobs(jobs) {
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const [cmd, args] = jobs[next++];
      await compile(cmd, args);
    }
  };
  await Promise.all([worker(), worker()]);
}

/**
 * Runs each point the reference harness's way: regenerate the header, rebuild everything from clean,
 * run, read the output back and compare it with `golden(point, inputs)`. Returns { seconds, ok, total }.
 */
async function rebuildSweep(points, { KERNELS, generateInputs, kernelId, golden }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyhil-rebuild-'));
  const sources = fs.readdirSync(path.join(root, 'kernels', 'src')).filter((f) => f.endsWith('.c')).map((f) => path.join(root, 'kernels', 'src', f));
  fs.writeFileSync(path.join(dir, 'main.c'), MAIN);
  const cc = process.env.CC || 'cc';
  const exe = path.join(dir, 'point');
  const outFile = path.join(dir, 'out.bin');
  let ok = 0;
  const t0 = process.hrtime.bigint();
  for (const p of points) {
    const inputs = generateInputs(p.kernel, p.shape, p.seed);
    fs.writeFileSync(path.join(dir, 'point.h'), header(p, kernelId(p.kernel), inputs, KERNELS));
    for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.o'))) fs.unlinkSync(path.join(dir, f)); // make clean
    const objs = [];
    const jobs = [...sources, path.join(dir, 'main.c')].map((src, i) => {
      const obj = path.join(dir, `o${i}.o`);
      objs.push(obj);
      return [cc, ['-O2', '-std=c99', '-I', path.join(root, 'kernels', 'include'), '-I', dir, '-c', src, '-o', obj]];
    });
    await runJobs(jobs);
    await compile(cc, [...objs, '-o', exe, '-lm']);
    const r = spawnSync(exe, [outFile]);
    if (r.status === 0 && Buffer.from(golden(p, inputs)).equals(fs.readFileSync(outFile))) ok++;
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, ok, total: points.length };
}

function waitExit(child, ms) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(null);
    }, ms);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/**
 * The same flow for the qemu-m4 firmware: per point, regenerate point.h, rebuild the firmware project
 * from clean (`cmake --build --target clean`, then the kernels, board support and
 * firmware/boards/common/point_main.c for the cortex-m4 with arm-none-eabi-gcc, two jobs), boot it on
 * qemu-system-arm -M mps2-an386 (the qemu-m4 board's machine and -icount), read the output it prints
 * in hex on the UART and compare it with the golden. Returns { seconds, ok, total, perPoint: [s],
 * outputs: [Buffer | null] (what each firmware printed) },
 * or { skipped } when the toolchain or QEMU is missing.
 */
async function rebuildSweepQemuM4(points, { KERNELS, generateInputs, kernelId, golden }) {
  const which = (exe) => (process.env.PATH || '').split(path.delimiter).some((d) => d && fs.existsSync(path.join(d, exe)));
  for (const exe of ['arm-none-eabi-gcc', 'qemu-system-arm', 'cmake']) if (!which(exe)) return { skipped: `${exe} is not installed` };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyhil-rebuild-m4-'));
  const build = path.join(dir, 'build');
  const cfg = spawnSync('cmake', ['-S', path.join(root, 'firmware'), '-B', build, '-DTH_BOARD=qemu-m4', `-DTH_POINT_DIR=${dir}`, '-DTH_DEFINES=',
    `-DCMAKE_TOOLCHAIN_FILE=${path.join(root, 'cmake', 'toolchains', 'cortex-m4.cmake')}`], { encoding: 'utf8' });
  if (cfg.status !== 0) throw new Error(`cmake configure for the qemu-m4 point firmware failed:\n${cfg.stdout}${cfg.stderr}`);
  const elf = path.join(build, 'tinyhil-qemu-m4-point.elf');
  let ok = 0;
  const perPoint = [];
  const outputs = [];
  const t0 = process.hrtime.bigint();
  try {
    for (const p of points) {
      const tp = process.hrtime.bigint();
      const inputs = generateInputs(p.kernel, p.shape, p.seed);
      fs.writeFileSync(path.join(dir, 'point.h'), header(p, kernelId(p.kernel), inputs, KERNELS));
      await compile('cmake', ['--build', build, '--target', 'clean']); // make clean
      await compile('cmake', ['--build', build, '-j2', '--target', 'tinyhil-qemu-m4-point']);
      // The qemu-m4 board's machine and -icount (src/board/qemu.ts); UART 0 on stdout.
      const q = spawn('qemu-system-arm', ['-M', 'mps2-an386', '-display', 'none', '-monitor', 'none', '-serial', 'stdio', '-icount', 'shift=7',
        '-semihosting-config', 'enable=on,target=native', '-kernel', elf], { stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      q.stdout.on('data', (d) => (text += d.toString('latin1')));
      const code = await waitExit(q, 120000);
      const m = /OUT ([0-9a-f]*)\nEND 0\n/.exec(text);
      const out = code === 0 && m ? Buffer.from(m[1], 'hex') : null;
      outputs.push(out);
      if (out && Buffer.from(golden(p, inputs)).equals(out)) ok++;
      perPoint.push(Number(process.hrtime.bigint() - tp) / 1e9);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, ok, total: points.length, perPoint, outputs };
}

module.exports = { rebuildSweep, rebuildSweepQemuM4, header };
