// cli.ts - `run-hil.js model FILE.yml [--board …] [--cores N] [--repeat N] [--energy …] [--json …]
// [--results …] [--dump-dir …]`: loads the block, plans it against the board's arena, runs it and
// prints the per-layer table. Registered by src/cli.ts; exit 0 all layers bit-exact, 1 not, 2 bad input,
// 130 interrupted (the completed layers are printed and recorded).
import * as fs from 'node:fs';
import { Command, Option } from 'commander';
import type { Board } from '../board/types';
import type { EnergySource } from '../energy/types';
import { ModelError } from './errors';
import { runBlockGolden } from './golden';
import { loadModel } from './load';
import { ModelFitError } from './plan';
import { BlockResult, NodeResult, RunMode, runModel } from './run';
import { formatBlock } from './table';
import { blockRecords } from './records';

interface ModelOpts {
  board: string;
  port?: string;
  cores?: string;
  repeat?: string;
  energy?: string;
  json?: string;
  results?: string;
  dumpDir?: string;
  mode: RunMode | 'both';
  arena?: string;
  quiet?: boolean;
}

function intOpt(flag: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new ModelError('command line', flag, `expected an integer in ${min}..${max}, found ${JSON.stringify(v)}`);
  return n;
}

/** The JSON form of a block result (outputs as hex-free lengths: the bytes are in --dump-dir). */
export function blockJson(r: BlockResult): object {
  const { outputs, ...rest } = r;
  return { ...rest, outputs: Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, { bytes: v.length }])) };
}

async function modelCommand(file: string, o: ModelOpts, open: (name: string, port?: string, cores?: number) => Promise<Board>): Promise<number> {
  const m = loadModel(file);
  const cores = intOpt('--cores', o.cores, 1, 8) ?? 1;
  const repeat = intOpt('--repeat', o.repeat, 1, 1_000_000) ?? 1;
  const arenaBytes = intOpt('--arena', o.arena, 1, 2 ** 32 - 1);
  for (const n of m.notices) process.stderr.write(`notice: ${n}\n`);
  let energy: EnergySource | undefined;
  const e = o.energy ? await import('../energy') : undefined;
  if (e && o.energy && e.parseEnergySpec(o.energy).kind !== 'model') energy = await e.openEnergySource(o.energy, { name: o.board, clockHz: 0, counterKind: 'cycles' });
  let board: Board;
  try {
    board = await open(o.board, o.port, cores);
  } catch (err) {
    await energy?.close();
    throw err;
  }
  const results: BlockResult[] = [];
  // Ctrl-C: ABORT the RUN in flight, stop before the next layer, keep and print what completed (exit 130);
  // a second Ctrl-C stops at once.
  let interrupted = false;
  const onSigint = (): void => {
    if (interrupted) {
      process.stderr.write('\ninterrupted twice: stopping now\n');
      process.exit(130);
    }
    interrupted = true;
    process.stderr.write('\ninterrupted: aborting the layer in flight (layers done so far are kept; Ctrl-C again to stop now)\n');
    void board.abort?.().catch(() => undefined);
  };
  process.on('SIGINT', onSigint);
  try {
    if (e && o.energy && !energy) energy = await e.openEnergySource(o.energy, board.info);
    if (!o.quiet) process.stderr.write(`board ${board.info.name}: ${board.info.cpu}, counter ${board.info.counterUnit}, arena ${board.info.arenaBytes || 'n/a'} bytes, firmware ${board.info.firmwareVersion}\n`);
    const modes: RunMode[] = o.mode === 'both' ? ['layers', 'graph'] : [o.mode];
    for (const mode of modes) {
      // Layer-by-layer progress on stderr (stdout keeps the table alone).
      const onNode = o.quiet ? undefined : (n: NodeResult) => process.stderr.write(`layer ${n.index + 1}/${m.nodes.length} ${n.name} ${n.kernel} ${n.bitExact ? '✓' : '✗'} ${n.counter.toLocaleString('en-US')} ${board.info.counterUnit}\n`);
      const r = await runModel(board, m, { cores, repeat, mode, arenaBytes, energy, onNode, stopped: () => interrupted });
      results.push(r);
      process.stdout.write(formatBlock(r, r.energy) + '\n');
      if (r.interrupted) break;
    }
    if (results.length === 2 && !interrupted) {
      const [a, b] = results;
      const same = Object.keys(a.outputs).every((k) => Buffer.compare(Buffer.from(a.outputs[k]), Buffer.from(b.outputs[k])) === 0);
      process.stdout.write(`one request vs layer by layer: ${same ? 'same bytes' : 'DIFFERENT bytes'}; host wall time ${b.wallMs} ms vs ${a.wallMs} ms\n`);
      if (!same) return 1;
    }
  } finally {
    process.removeListener('SIGINT', onSigint);
    await energy?.close().catch(() => undefined);
    await board.close().catch(() => undefined);
  }
  if (o.json) {
    fs.writeFileSync(o.json, JSON.stringify(results.length === 1 ? blockJson(results[0]) : results.map(blockJson), null, 2) + '\n');
    process.stderr.write(`results written to ${o.json}\n`);
  }
  if (o.results) {
    fs.appendFileSync(o.results, results.flatMap((r) => blockRecords(r)).map((x) => JSON.stringify(x)).join('\n') + '\n');
    process.stderr.write(`per-layer records appended to ${o.results} (bar chart: node run-hil.js report ${o.results} --format html)\n`);
  }
  if (o.dumpDir && results[0]?.interrupted) process.stderr.write(`no dump in ${o.dumpDir}: the block did not complete\n`);
  else if (o.dumpDir) {
    const { dumpBlock } = await import('./dump');
    const d = dumpBlock(o.dumpDir, m, runBlockGolden(m, {}, 'addon'), results[0]);
    process.stderr.write(`tensors, golden and board outputs as .npy in ${d} (check: python3 tools/check_dump.py ${d})\n`);
  }
  if (interrupted) return 130;
  return results.every((r) => r.bitExact) ? 0 : 1;
}

/** Adds the `model` command to the program; `open` opens a board by name (and port). */
export function addModelCommand(program: Command, open: (name: string, port?: string, cores?: number) => Promise<Board>): void {
  program
    .command('model')
    .description('run an encoder block (model file, docs/models.md) on a board: per-layer bit-exactness, counters, memory')
    .argument('<file>', 'model file (.yml)')
    .option('-b, --board <name>', 'board: host, host-sim, qemu-m4, qemu-m7, qemu-rv32, stm32h7, stm32l4, gap9', 'host-sim')
    .option('-p, --port <url>', 'board link: /dev/ttyACM0, a pty, tcp://host:port, rfc2217://host:port')
    .option('--cores <n>', 'cores per kernel (1..8, up to the board\'s)')
    .option('--repeat <n>', 'runs of each node per RUN (counters are per run)')
    .option('--energy <source>', 'energy per block: model, lpm01a:PORT or ppk2:PORT')
    .option('--json <file>', 'write the block result as JSON')
    .option('--results <file>', 'append one JSON line per layer (report draws a per-layer bar chart)')
    .option('--dump-dir <dir>', 'write every tensor, golden and board output as .npy plus model.json')
    .addOption(new Option('--mode <mode>', 'layers: one RUN per node; graph: the whole block in one request; both: compare').choices(['layers', 'graph', 'both']).default('layers'))
    .option('--arena <bytes>', 'plan against an arena of this many bytes (a smaller board\'s)')
    .option('-q, --quiet', 'no board banner')
    .action(async (file: string, o: ModelOpts) => {
      try {
        process.exitCode = await modelCommand(file, o, open);
      } catch (err) {
        if (err instanceof ModelError || err instanceof ModelFitError) {
          process.stderr.write(`error: ${err.message}\n`);
          process.exitCode = 2;
          return;
        }
        throw err;
      }
    });
}
