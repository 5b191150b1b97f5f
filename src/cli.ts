// cli.ts - the commands users type: `node run-hil.js [run options]`, `serve`, `ports`, `report`, `flash`.
import * as fs from 'fs';
import * as path from 'path';
import { Command, Option } from 'commander';
import { ConfigError, loadConfig } from './harness/config';
import { expandPoints, pointLabel, type TestPoint } from './harness/points';
import { formatTable } from './harness/table';
import { runSweep, type PointResult } from './harness/sweep';
import { HostBoard } from './harness/hostBoard';
import { Progress } from './harness/progress';
import type { Board } from './board/types';

export const PACKAGE_ROOT = path.resolve(__dirname, '..');
export const DEFAULT_CONFIG = path.join(PACKAGE_ROOT, 'examples', 'testConfig.yml');

/** An error the user caused (bad flag, bad file): message only, exit code 2. */
export class UsageError extends Error {}

export async function openNamedBoard(name: string, port?: string): Promise<Board> {
  if (name === 'host') {
    if (port) throw new UsageError(`--port ${port}: the host board runs in-process and takes no port`);
    return new HostBoard();
  }
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { openBoard } = require('./board/open') as typeof import('./board/open');
  return openBoard({ board: name, port });
}

interface RunOpts {
  config: string;
  board: string[];
  port: string[];
  json?: string;
  dumpDir?: string;
  cores?: string;
  seed?: string;
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
  if (cores !== undefined) cfg.cores = cores;
  if (seed !== undefined) cfg.seed = seed;
  const boards = opts.board.length ? opts.board : ['host-sim'];
  if (opts.port.length > boards.length) throw new UsageError(`${opts.port.length} --port values for ${boards.length} --board values: give one --board per --port`);
  for (const n of cfg.notices) process.stderr.write(`notice: ${n}\n`);

  const board = await openNamedBoard(boards[0], opts.port[0]);
  const results: PointResult[] = [];
  let interrupted = false;
  const onSigint = (): void => {
    interrupted = true;
    process.stderr.write('\ninterrupted: finishing the current point, then stopping\n');
  };
  process.once('SIGINT', onSigint);
  try {
    let points: TestPoint[] = expandPoints(cfg);
    if (cfg.cores > board.info.nCores) {
      process.stderr.write(`notice: ${board.info.name} has ${board.info.nCores} core(s); running with cores=${board.info.nCores} instead of ${cfg.cores}\n`);
      points = points.map((p) => ({ ...p, cores: board.info.nCores }));
    }
    process.stderr.write(`board ${board.info.name}: ${board.info.cpu}, counter ${board.info.counterUnit}, firmware ${board.info.firmwareVersion}\n`);
    const progress = new Progress(points.length, !!opts.quiet);
    for (const p of points) {
      if (interrupted) break;
      progress.start(pointLabel(p));
      const [r] = await runSweep(board, [p], { dumpDir: opts.dumpDir });
      results.push(r);
      progress.done(r.bitExact ? '✓' : '✗');
      if (opts.json) writeJson(opts.json, board, results);
    }
    progress.stop();
  } finally {
    process.removeListener('SIGINT', onSigint);
    await board.close();
  }
  process.stdout.write(formatTable(results) + '\n');
  if (opts.json) process.stderr.write(`results written to ${opts.json}\n`);
  if (opts.dumpDir) process.stderr.write(`inputs, outputs and golden .npy files in ${opts.dumpDir}\n`);
  return interrupted || results.some((r) => !r.bitExact) ? 1 : 0;
}

function writeJson(file: string, board: Board, results: PointResult[]): void {
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ board: board.info, results }, null, 2) + '\n');
  fs.renameSync(tmp, file);
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('run-hil.js')
    .description('tinyhil: run int8 Tiny-Transformer kernels on a board, check them bit-exact against the golden model, count cycles')
    .option('-c, --config <file>', 'sweep config (reference testConfig.yml keys)', DEFAULT_CONFIG)
    .addOption(new Option('-b, --board <name>', 'board: host, host-sim, qemu-m4, qemu-m7, qemu-rv32, stm32h7, stm32l4, gap9').argParser((v: string, prev: string[]) => [...prev, v]).default([]))
    .addOption(new Option('-p, --port <url>', 'board link: /dev/ttyACM0, a pty, tcp://host:port, rfc2217://host:port').argParser((v: string, prev: string[]) => [...prev, v]).default([]))
    .option('--json <file>', 'write the results as JSON (rewritten after every point)')
    .option('--dump-dir <dir>', 'write each point\'s inputs, output and golden as .npy plus params.json')
    .option('--cores <n>', 'override the config\'s cores (1..8)')
    .option('--seed <n>', 'override the config\'s seed')
    .option('-q, --quiet', 'no progress output')
    .action(async (opts: RunOpts) => {
      process.exitCode = await runCommand(opts);
    });

  program
    .command('serve')
    .description('start a board (host-sim) on a pseudo-terminal and print its path; Ctrl-C stops it')
    .argument('<board>', 'host-sim')
    .action(async (name: string) => {
      if (name !== 'host-sim') throw new UsageError(`serve ${name}: only host-sim can be served (emulated boards start with --board)`);
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const { startHostSim } = require('./board/hostsim') as typeof import('./board/hostsim');
      const sim = await startHostSim();
      process.stdout.write(`host-sim serving on ${sim.port} (pid ${sim.pid}); Ctrl-C to stop\n`);
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
      await sim.stop();
    });

  program
    .command('ports')
    .description('list serial ports and what is known of them')
    .action(async () => {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const { listPorts } = require('./board/ports') as typeof import('./board/ports');
      const ports = await listPorts();
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
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
    if (err.code?.startsWith('commander.')) return err.exitCode ?? 2;
    if (err instanceof ConfigError || err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`error: ${err.message}\n`);
    if (process.env.TINYHIL_DEBUG) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}
