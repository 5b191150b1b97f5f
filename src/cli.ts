// cli.ts - the commands users type: `node run-hil.js [run options]`, `serve`, `ports`, `report`, `flash`.
import * as fs from 'fs';
import * as path from 'path';
import { Command, Option } from 'commander';
import { ConfigError, loadConfig } from './harness/config';
import { expandPoints } from './harness/points';
import { formatTable } from './harness/table';
import type { GoldenMode, PointResult } from './harness/sweep';
import { runOnBoards, type BoardSlot } from './harness/run';
import { z } from 'zod';
import { locate, parseLocated } from './validate/yamlLocation';
import { byValue, check, said } from './validate/zod';
import { HostBoard } from './board/host';
import type { Board } from './board/types';
import type { EnergySource } from './energy/types';
import type { ModelBoard } from './energy/model';

export const PACKAGE_ROOT = path.resolve(__dirname, '..');
export const DEFAULT_CONFIG = path.join(PACKAGE_ROOT, 'examples', 'testConfig.yml');

/** Exit codes (README "Exit status", pinned by test/cli-exit.test.ts). */
export const EXIT = { OK: 0, MISMATCH: 1, USAGE: 2, BOARD: 3, INTERRUPTED: 130 } as const;

/** An error the user caused (bad flag, bad file): message only, exit code 2. */
export class UsageError extends Error {}

/** A board, link or instrument failed (cannot open, died): message only, exit code 3. */
export class BoardError extends Error {}

/** The name users type (package.json "bin"), shown in usage lines. */
export const BIN_NAME = 'tinyhil';
const VERSION = (JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** Optimal-string-alignment distance (a transposition costs 1: reprot -> report). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** `unknown command 'reprot' (did you mean report?)`, the suggestion only when one is close. */
export function unknownCommand(word: string, commands: string[]): UsageError {
  const best = commands.map((c) => ({ c, d: editDistance(word, c) })).filter((x) => x.d <= Math.max(1, Math.floor(x.c.length / 3))).sort((x, y) => x.d - y.d)[0];
  return new UsageError(`unknown command '${word}'${best ? ` (did you mean ${best.c}?)` : ''}; commands: ${commands.join(', ')}`);
}

/** `cores`: qemu-rv32 started here gets that many harts (-smp); other boards ignore it. */
export async function openNamedBoard(name: string, port?: string, cores?: number): Promise<Board> {
  if (name === 'host') {
    if (port) throw new UsageError(`--port ${port}: the host board runs in-process and takes no port`);
    return new HostBoard();
  }
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { openBoard } = require('./board/open') as typeof import('./board/open');
  return openBoard({ board: name, port, ...(name === 'qemu-rv32' && !port && cores ? { qemu: { harts: cores } } : {}) });
}

interface RunOpts {
  config: string;
  board: string[];
  port: string[];
  boards?: string;
  json?: string;
  dumpDir?: string;
  results?: string;
  resume?: string;
  energy?: string;
  energyRepeat?: string;
  cores?: string;
  seed?: string;
  golden: GoldenMode;
  quiet?: boolean;
}

function intOption(flag: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag} ${v}: expected an integer in ${min}..${max}`);
  return n;
}

async function runCommand(opts: RunOpts): Promise<number> {
  const cfg = loadConfig(opts.config);
  const cores = intOption('--cores', opts.cores, 1, 8);
  const seed = intOption('--seed', opts.seed, 0, 0xffffffff);
  // A power monitor needs a window of many samples: repeat short kernels (the model needs no repeat).
  const energyRepeat = intOption('--energy-repeat', opts.energyRepeat, 1, 1_000_000) ?? (opts.energy && opts.energy !== 'model' && !opts.energy.startsWith('model:') ? 100 : 1);
  if (cores !== undefined) cfg.cores = cores;
  if (seed !== undefined) cfg.seed = seed;
  const specs = boardSpecs(opts);
  for (const n of cfg.notices) process.stderr.write(`notice: ${n}\n`);
  const points = expandPoints(cfg);

  const slots: BoardSlot[] = [];
  let interrupted = false;
  const onSigint = (): void => {
    if (interrupted) {
      process.stderr.write('\ninterrupted twice: stopping now\n');
      process.exit(130); // exit hooks stop the boards this process started
    }
    interrupted = true;
    process.stderr.write('\ninterrupted: aborting the runs in flight, then stopping (results so far are kept; Ctrl-C again to stop now)\n');
    // ABORT: a long RUN (an energy window of many repeats) stops within about a second.
    for (const s of slots) void s.board.abort?.().catch(() => undefined);
  };
  process.on('SIGINT', onSigint);
  let results: PointResult[] = [];
  try {
    for (const s of specs) {
      const energySpec = s.energy ?? opts.energy;
      // A power monitor may power the board: open it before the board's link. Its view of the
      // board (clock, counter kind, for cross-checks) is filled in once the board has said hello.
      const seen: ModelBoard = { name: s.name, clockHz: 0, counterKind: 'cycles' };
      let energy: EnergySource | undefined;
      if (energySpec) {
        const e = await import('./energy');
        const spec = e.parseEnergySpec(energySpec);
        if (spec.kind === 'model' && !spec.board && (s.name === 'host' || s.name === 'host-sim')) {
          throw new UsageError(`--energy model on ${s.name}: a power model of an x86 host's nanoseconds is not an MCU's energy; run the sweep on an MCU board (qemu-m4, qemu-m7, qemu-rv32, stm32h7, stm32l4, gap9) or give a power monitor (lpm01a:PORT, ppk2:PORT); --energy model:board=${s.name} uses the NOMINAL host row only to exercise the energy path`);
        }
        if (spec.kind !== 'model') energy = await e.openEnergySource(spec, seen).catch((err: Error) => { throw new BoardError(err.message); });
      }
      let board: Board;
      try {
        board = await openNamedBoard(s.name, s.port, cfg.cores);
      } catch (err) {
        await energy?.close();
        throw err instanceof UsageError ? err : new BoardError(`board ${s.name}${s.port ? ` on ${s.port}` : ''}: ${(err as Error).message}`);
      }
      Object.assign(seen, { name: board.info.name, clockHz: board.info.clockHz, counterKind: board.info.counterKind });
      const slot: BoardSlot = { board, port: s.port, energy };
      slots.push(slot); // from here on, closed in `finally` whatever happens
      if (energySpec && !energy) slot.energy = await (await import('./energy')).openEnergySource(energySpec, board.info).catch((err: Error) => { throw new UsageError(err.message); });
      const lowered = cfg.cores > board.info.nCores && !slots.slice(0, -1).some((o) => o.board.info.name === board.info.name);
      process.stderr.write(`board ${board.info.name}${s.port ? ` on ${s.port}` : ''}: ${board.info.cpu}, counter ${board.info.counterUnit}, ${board.info.nCores} core(s), firmware ${board.info.firmwareVersion}${slot.energy ? `, energy ${slot.energy.describe()}` : ''}\n`);
      if (lowered) process.stderr.write(`notice: ${board.info.name} has ${board.info.nCores} core(s); its points run with cores=${board.info.nCores} instead of ${cfg.cores}\n`);
    }
    const run = await runOnBoards(slots, points, {
      dumpDir: opts.dumpDir, results: opts.results, resume: opts.resume, energyRepeat, golden: opts.golden,
      quiet: opts.quiet, stopped: () => interrupted,
    });
    results = run.results;
  } finally {
    process.removeListener('SIGINT', onSigint);
    for (const s of slots) {
      await s.energy?.close().catch(() => undefined);
      await s.board.close().catch(() => undefined);
    }
  }
  process.stdout.write(formatTable(results) + '\n');
  if (opts.json) {
    fs.writeFileSync(opts.json, JSON.stringify({ boards: slots.map((s) => s.board.info), results: results.map(({ cause, ...r }) => r) }, null, 2) + '\n');
    process.stderr.write(`results written to ${opts.json}\n`);
  }
  if (opts.results ?? opts.resume) process.stderr.write(`results appended to ${opts.results ?? opts.resume} (report: node run-hil.js report ${opts.results ?? opts.resume})\n`);
  if (opts.dumpDir) process.stderr.write(`inputs, outputs and golden .npy files in ${opts.dumpDir}\n`);
  if (interrupted) return EXIT.INTERRUPTED;
  if (results.some((r) => r.error)) return EXIT.BOARD;
  return results.some((r) => !r.bitExact) ? EXIT.MISMATCH : EXIT.OK;
}

interface BoardSpec { name: string; port?: string; energy?: string }

/** --board/--port pairs, or a boards file (YAML list of { name, port?, energy? }). */
function boardSpecs(opts: RunOpts): BoardSpec[] {
  if (opts.boards) {
    if (opts.board.length || opts.port.length) throw new UsageError('--boards FILE replaces --board/--port: give one or the other');
    return loadBoardsFile(opts.boards);
  }
  const names = opts.board.length ? opts.board : ['host-sim'];
  if (opts.port.length > names.length) throw new UsageError(`${opts.port.length} --port values for ${names.length} --board values: give one --board per --port`);
  return names.map((name, i) => ({ name, port: opts.port[i] }));
}

function loadBoardsFile(file: string): BoardSpec[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const located = parseLocated(text);
  if (located.doc.errors.length) {
    const e = located.doc.errors[0];
    const at = e.linePos?.[0];
    throw new UsageError(`${file}${at ? `:${at.line}:${at.col}` : ''}: YAML: ${e.message.split('\n')[0]}`);
  }
  // Fields are named boards[i].key whether the file is a bare list or has a boards: key.
  const doc = located.doc.toJS() as unknown;
  const inBoards = !Array.isArray(doc); // a mapping with boards:, else a bare list
  const list = Array.isArray(doc) ? doc : (doc as { boards?: unknown })?.boards;
  const r = check(boardsSchema, list ?? doc, inBoards ? ['boards'] : []);
  if (r.ok) return r.data.map((o) => ({ name: (o.name ?? o.kind) as string, port: o.port, energy: o.energy }));
  const { field, detail } = r.problem;
  const shownField = inBoards ? field : `boards${field}`;
  const at = locate(located, inBoards ? field : field.replace(/^boards/, ''));
  throw new UsageError(`${file}${at ? `:${at}` : ''}: ${shownField || 'top level'}: ${detail}`);
}

const BOARD_NAME = 'a board name (host-sim, qemu-m4, stm32h7, ...)';
const BOARD_MAPPING = 'a mapping { name, port?, energy? }';
const BOARD_LIST = 'a list of boards ({ name, port?, energy? }) or a mapping with boards:';
const optString = z.string(said('a string')).optional();
const byName = z.object({ name: z.string(said(BOARD_NAME)), port: optString, energy: optString }, said(BOARD_MAPPING)).passthrough();
const byKind = z.object({ kind: z.string(said(BOARD_NAME)), port: optString, energy: optString }, said(BOARD_MAPPING)).passthrough();
type BoardEntry = { name?: string; kind?: string; port?: string; energy?: string };
/** name, or the reference's kind when name is absent. */
const boardItem = byValue<BoardEntry>((o) => {
  const m = o && typeof o === 'object' ? (o as Record<string, unknown>) : {};
  return m.name === undefined && m.kind !== undefined ? byKind : byName;
});
const boardsSchema = z.array(boardItem, said(BOARD_LIST)).min(1, { message: BOARD_LIST });

export function buildProgram(): Command {
  const program = new Command();
  // Parser errors throw (and so exit 2 in main()); set first so every subcommand inherits it.
  program.exitOverride();
  // Options after a subcommand are its own (`model FILE --board qemu-m4`), not the sweep's.
  program.enablePositionalOptions();
  program
    .name(BIN_NAME)
    .version(VERSION, '-V, --version', 'print the tinyhil version')
    .allowExcessArguments(true) // a stray word is an unknown command (below), not "too many arguments"
    .description('tinyhil: run int8 Tiny-Transformer kernels on a board, check them bit-exact against the golden model, count cycles')
    .addOption(new Option('-c, --config <file>', 'sweep config (reference testConfig.yml keys)').default(DEFAULT_CONFIG, 'examples/testConfig.yml of this package'))
    .addOption(new Option('-b, --board <name>', 'board: host, host-sim, qemu-m4, qemu-m7, qemu-rv32, stm32h7, stm32l4, gap9; repeat for several').argParser((v: string, prev: string[]) => [...prev, v]).default([], 'host-sim'))
    .addOption(new Option('-p, --port <url>', 'board link: /dev/ttyACM0, a pty, tcp://host:port, rfc2217://host:port; one per --board').argParser((v: string, prev: string[]) => [...prev, v]).default([], 'none: QEMU and host-sim start their own'))
    .option('--boards <file>', 'boards file: YAML list of { name, port?, energy? } (instead of --board/--port)')
    .option('--json <file>', 'write the results as one JSON file at the end')
    .option('--results <file>', 'append every finished point as a JSON line (survives crashes)')
    .option('--resume <file>', 'skip the points already in this results file (and append the rest to it)')
    .option('--energy <source>', 'energy per point: model, lpm01a:PORT or ppk2:PORT')
    .option('--energy-repeat <n>', 'kernel runs inside each energy window (default 1 for the model, 100 for a power monitor)')
    .option('--dump-dir <dir>', 'write each point\'s inputs, output and golden as .npy plus params.json')
    .option('--cores <n>', 'override the config\'s cores (1..8); qemu-rv32 starts that many harts')
    .option('--seed <n>', 'override the config\'s seed')
    .addOption(new Option('--golden <ref>', 'check boards against: addon (host C kernels), ts (TypeScript golden), both (addon, and addon vs ts)').choices(['addon', 'ts', 'both']).default('both'))
    .option('-q, --quiet', 'no progress output')
    .action(async (opts: RunOpts, cmd: Command) => {
      if (cmd.args.length) throw unknownCommand(cmd.args[0], program.commands.map((c) => c.name()));
      process.exitCode = await runCommand(opts);
    });

  program
    .command('serve')
    .description('start a board (host-sim) on a pseudo-terminal and print its path; Ctrl-C stops it')
    .argument('<board>', 'host-sim')
    .option('--link <path>', 'also make PATH a symlink to the pty (a stable name: a restarted board is found again there)')
    .action(async (name: string, o: { link?: string }) => {
      if (name !== 'host-sim') throw new UsageError(`serve ${name}: only host-sim can be served (emulated boards start with --board)`);
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const { startHostSim } = require('./board/hostsim') as typeof import('./board/hostsim');
      const sim = await startHostSim().catch((e: Error) => { throw new BoardError(e.message); });
      if (o.link) {
        // Replaced atomically, so a reader never sees the name missing between two boards.
        fs.rmSync(`${o.link}.new`, { force: true });
        fs.symlinkSync(sim.port, `${o.link}.new`);
        fs.renameSync(`${o.link}.new`, o.link);
      }
      process.stdout.write(`host-sim serving on ${sim.port}${o.link ? ` (${o.link})` : ''} (pid ${sim.pid}); Ctrl-C to stop\n`);
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
      await sim.stop();
      // Leave the name alone if another board has taken it since.
      if (o.link && (() => { try { return fs.readlinkSync(o.link) === sim.port; } catch { return false; } })()) fs.rmSync(o.link, { force: true });
    });

  // Encoder blocks from model files (src/model/cli.ts).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('./model/cli') as typeof import('./model/cli')).addModelCommand(program, openNamedBoard);

  program
    .command('report')
    .description('render a results file (--results) as a table or a page with plots')
    .argument('<file>', 'results .jsonl')
    .addOption(new Option('-f, --format <format>', 'md, csv or html').choices(['md', 'csv', 'html']).default('md'))
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .action(async (file: string, o: { format: 'md' | 'csv' | 'html'; output?: string }) => {
      const { reportFile } = await import('./report');
      const { output, warnings } = await reportFile(file, o.format);
      for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
      if (o.output) {
        fs.writeFileSync(o.output, output);
        process.stderr.write(`report written to ${o.output}\n`);
      } else process.stdout.write(output.endsWith('\n') ? output : `${output}\n`);
    });

  program
    .command('flash')
    .description('write the firmware to a board (OpenOCD, st-flash, or gdb against a remote stub)')
    .requiredOption('-b, --board <name>', 'stm32h7, stm32l4, qemu-m4, ...')
    .addOption(new Option('-w, --with <tool>', 'flashing tool').choices(['openocd', 'st-flash', 'gdb']).default('openocd'))
    .option('--elf <file>', 'image (default: build/fw-<board>/tinyhil-<board>.elf)')
    .option('--gdb-remote <host:port>', 'gdb remote for --with gdb (e.g. localhost:3333)')
    .action(async (o: { board: string; with: 'openocd' | 'st-flash' | 'gdb'; elf?: string; gdbRemote?: string }) => {
      const { flash } = await import('./flash');
      const r = await flash({ board: o.board, with: o.with, elf: o.elf, gdbRemote: o.gdbRemote }).catch((e: Error) => { throw new BoardError(e.message); });
      process.stdout.write(`${r.output.trim()}\nflashed ${o.board} with ${r.tool}\n`);
    });

  program
    .command('calibrate')
    .description('run the board\'s loop of known length, check its counter, print the fixed overheads')
    .requiredOption('-b, --board <name>', 'qemu-m4, qemu-m7, qemu-rv32, stm32h7, stm32l4, ...')
    .option('-p, --port <url>', 'board link (boards other than QEMU need one)')
    .action(async (o: { board: string; port?: string }) => {
      const { calibrateCommand } = await import('./calibrate');
      process.exitCode = await calibrateCommand(o);
    });

  program
    .command('ports')
    .description('list serial ports and what is known of them')
    .action(async () => {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const { scanPorts } = require('./board/ports') as typeof import('./board/ports');
      const { ports, notice } = await scanPorts();
      if (notice) process.stderr.write(`note: ${notice}\n`);
      if (!ports.length) process.stdout.write('no serial ports found\n');
      for (const p of ports) process.stdout.write(`${JSON.stringify(p)}\n`);
    });
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    const err = e as Error & { code?: string; exitCode?: number };
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.OK;
    // The parser's own errors (unknown option, bad choice, missing argument) were printed by commander.
    if (typeof err.code === 'string' && err.code.startsWith('commander.')) return EXIT.USAGE;
    process.stderr.write(`error: ${err.message}\n`);
    if (err instanceof ConfigError || err instanceof UsageError) return EXIT.USAGE;
    if (err instanceof BoardError) return EXIT.BOARD;
    if (process.env.TINYHIL_DEBUG) process.stderr.write(`${err.stack}\n`);
    return EXIT.MISMATCH;
  }
}
