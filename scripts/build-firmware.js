#!/usr/bin/env node
// build-firmware.js - cross-builds the board firmwares (firmware/CMakeLists.txt) and reports their sizes.
//
//   npm run build:firmware                      every board whose toolchain is installed
//   npm run build:firmware -- --board qemu-m4   one board (repeatable)
//   npm run build:firmware -- --no-dsp          also build the boards without their ISA kernel paths (ARM DSP,
//                                               RV32 register-blocked tiles): build/fw-<board>-nodsp, for bench/isa.js
// Prints text/data/bss, stack and arena bytes per board and writes them to build/firmware-sizes.txt.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const BOARDS = {
  'qemu-m4': { toolchain: 'cortex-m4', cc: 'arm-none-eabi-gcc', calib: true },
  'qemu-m7': { toolchain: 'cortex-m7', cc: 'arm-none-eabi-gcc', calib: true },
  'qemu-rv32': { toolchain: 'riscv32', cc: 'riscv64-unknown-elf-gcc', calib: true },
  stm32h7: { toolchain: 'cortex-m7', cc: 'arm-none-eabi-gcc' },
  stm32l4: { toolchain: 'cortex-m4', cc: 'arm-none-eabi-gcc' },
  gap9: { sdk: true },
};

function usage(msg) {
  if (msg) console.error(`build-firmware: ${msg}`);
  console.error(`usage: npm run build:firmware [-- --board NAME ...] [--no-dsp] [--test-fault] [--clean]\nboards: ${Object.keys(BOARDS).join(', ')}`);
  process.exit(2);
}

function parseArgs(argv) {
  const o = { boards: [], noDsp: false, testFault: false, clean: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--board' || a === '-b') {
      const b = argv[++i];
      if (!b) usage('--board needs a name');
      for (const x of b.split(',')) {
        if (!BOARDS[x]) usage(`unknown board "${x}"`);
        o.boards.push(x);
      }
    } else if (a.startsWith('--board=')) {
      for (const x of a.slice(8).split(',')) {
        if (!BOARDS[x]) usage(`unknown board "${x}"`);
        o.boards.push(x);
      }
    } else if (a === '--no-dsp') o.noDsp = true;
    else if (a === '--test-fault') o.testFault = true;
    else if (a === '--clean') o.clean = true;
    else if (a === '--help' || a === '-h') usage();
    else usage(`unknown argument "${a}"`);
  }
  if (o.boards.length === 0) o.boards = Object.keys(BOARDS);
  return o;
}

function which(exe) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, exe);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return null;
}

function run(cmd, args, label) {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8' });
  if (r.error) throw new Error(`${label}: cannot run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) {
    const out = `${r.stdout || ''}${r.stderr || ''}`.trim().split('\n').slice(-30).join('\n');
    throw new Error(`${label} failed (${cmd} ${args.join(' ')}):\n${out}`);
  }
  return r.stdout;
}

// Sections as `size -A` lists them, grouped the way `size` (Berkeley) would, but with the stack
// and the arena (NOLOAD regions we reserve) reported apart from the bss they would inflate.
function sizes(sizeTool, elf) {
  const out = run(sizeTool, ['-A', '-d', elf], `size ${path.basename(elf)}`);
  const s = { text: 0, data: 0, bss: 0, stack: 0, arena: 0 };
  for (const line of out.split('\n')) {
    const m = /^(\.\S+)\s+(\d+)\s+(\d+)/.exec(line.trim());
    if (!m) continue;
    const [, name, bytesStr] = m;
    const bytes = Number(bytesStr);
    if (name === '.stack') s.stack += bytes;
    else if (name === '.arena') s.arena += bytes;
    else if (/^\.(s?bss|tbss)/.test(name)) s.bss += bytes;
    else if (/^\.(s?data|tdata|got)/.test(name)) s.data += bytes;
    else if (/^\.(isr_vector|text|rodata|srodata|ARM\.exidx|init|fini)/.test(name)) s.text += bytes;
  }
  return s;
}

function buildBoard(board, { noDsp, testFault, clean }) {
  const spec = BOARDS[board];
  const variant = noDsp ? '-nodsp' : testFault ? '-testfault' : '';
  const name = `${board}${variant}`;
  if (spec.sdk) {
    if (!process.env.GAP_SDK_HOME) {
      return { name, skipped: 'GAP_SDK_HOME is not set: the GAP9 firmware builds only with the GAP SDK (PMSIS); source its gap9 config script first' };
    }
  } else if (!which(spec.cc)) {
    return { name, skipped: `${spec.cc} is not installed (Debian: ${spec.cc.startsWith('arm') ? 'gcc-arm-none-eabi libnewlib-arm-none-eabi' : 'gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf'})` };
  }
  if (noDsp && spec.sdk) return { name, skipped: 'no DSP variant for gap9' };
  if (testFault && spec.sdk) return { name, skipped: 'TEST_FAULT firmware is for the QEMU and STM32 boards' };
  const dir = path.join(ROOT, 'build', `fw-${name}`);
  if (clean) fs.rmSync(dir, { recursive: true, force: true });
  const cfg = ['-S', path.join(ROOT, 'firmware'), '-B', dir, `-DTH_BOARD=${board}`, `-DTH_NO_DSP=${noDsp ? 'ON' : 'OFF'}`];
  if (testFault) cfg.push('-DTH_DEFINES=TH_TEST_FAULT=1');
  else cfg.push('-DTH_DEFINES=');
  if (spec.toolchain) cfg.push(`-DCMAKE_TOOLCHAIN_FILE=${path.join(ROOT, 'cmake', 'toolchains', `${spec.toolchain}.cmake`)}`);
  run('cmake', cfg, `configure ${name}`);
  const targets = [`tinyhil-${board}`];
  if (spec.calib && !noDsp && !testFault) targets.push(`tinyhil-${board}-calib`);
  run('cmake', ['--build', dir, '-j2', '--target', ...targets], `build ${name}`);
  const elf = path.join(dir, `tinyhil-${board}.elf`);
  const sizeTool = spec.sdk ? 'size' : spec.cc.replace(/gcc$/, 'size');
  return { name, elf: path.relative(ROOT, elf), ...sizes(sizeTool, elf) };
}

// Rows of an earlier report for the boards not built this time (a build of one board, e.g. the
// TEST_FAULT firmware a test makes, keeps the others' sizes in the file).
function earlierRows(file, names) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').slice(2).filter(Boolean).map((l) => l.trim().split(/\s{2,}/))
    .filter((c) => c.length === 7 && !names.has(c[0]));
}

function report(results, kept = []) {
  const head = ['board', 'text', 'data', 'bss', 'stack', 'arena', 'elf / status'];
  const rows = kept.concat(results.map((r) =>
    r.skipped ? [r.name, '-', '-', '-', '-', '-', `skipped: ${r.skipped}`]
      : r.error ? [r.name, '-', '-', '-', '-', '-', 'FAILED (see above)']
        : [r.name, r.text, r.data, r.bss, r.stack, r.arena, r.elf].map(String),
  )).sort((x, y) => x[0].localeCompare(y[0]));
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (i === 6 ? 0 : String(r[i]).length))));
  const fmt = (r) => r.map((c, i) => (i === 0 || i === 6 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join('  ').trimEnd();
  return ['tinyhil firmware sizes (bytes; bss excludes stack and arena)', fmt(head), ...rows.map(fmt)].join('\n') + '\n';
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!which('cmake')) {
    console.error('build-firmware: cmake is not installed');
    process.exit(1);
  }
  const results = [];
  for (const board of opts.boards) {
    const variants = [{}];
    if (opts.noDsp) variants.push({ noDsp: true });
    if (opts.testFault) variants.push({ testFault: true });
    for (const v of variants) {
      const label = v.noDsp ? ' (no DSP)' : v.testFault ? ' (TEST_FAULT)' : '';
      process.stdout.write(`${board}${label}: `);
      try {
        const r = buildBoard(board, { noDsp: !!v.noDsp, testFault: !!v.testFault, clean: opts.clean });
        console.log(r.skipped ? `skipped: ${r.skipped}` : `ok, ${r.elf}`);
        results.push(r);
      } catch (e) {
        console.log('FAILED');
        console.error(e.message);
        results.push({ name: `${board}${v.noDsp ? '-nodsp' : v.testFault ? '-testfault' : ''}`, error: e.message });
      }
    }
  }
  const file = path.join(ROOT, 'build', 'firmware-sizes.txt');
  const kept = earlierRows(file, new Set(results.map((r) => r.name)));
  fs.mkdirSync(path.join(ROOT, 'build'), { recursive: true });
  fs.writeFileSync(file, report(results, kept));
  process.stdout.write(`\n${report(results)}(written to build/firmware-sizes.txt${kept.length ? `, with ${kept.length} earlier rows kept` : ''})\n`);
  process.exit(results.some((r) => r.error) ? 1 : 0);
}

main();
