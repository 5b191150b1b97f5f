// qemu.ts - starts an emulated board (qemu-m4, qemu-m7, qemu-rv32) with its firmware and hands back the pty.
//
// The firmware's counter relies on QEMU's -icount: on the MPS2 boards the shift must equal the
// TH_ICOUNT_SHIFT the firmware was built with (firmware/boards/qemu-m*/board.cmake), on RISC-V
// it must be 0 so that minstret counts instructions. See docs/boards.md.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export type QemuBoardName = 'qemu-m4' | 'qemu-m7' | 'qemu-rv32';

export interface QemuBoardSpec {
  binary: string;          // qemu-system-* executable
  debianPackage: string;   // where the binary comes from on Debian
  machine: string[];       // machine selection arguments
  icountShift: number;     // -icount shift=N
  toolchain: string;       // cross compiler the firmware needs
}

export const QEMU_BOARDS: Record<QemuBoardName, QemuBoardSpec> = {
  'qemu-m4': { binary: 'qemu-system-arm', debianPackage: 'qemu-system-arm', machine: ['-M', 'mps2-an386'], icountShift: 7, toolchain: 'arm-none-eabi-gcc' },
  'qemu-m7': { binary: 'qemu-system-arm', debianPackage: 'qemu-system-arm', machine: ['-M', 'mps2-an500'], icountShift: 7, toolchain: 'arm-none-eabi-gcc' },
  'qemu-rv32': { binary: 'qemu-system-riscv32', debianPackage: 'qemu-system-misc', machine: ['-M', 'virt', '-m', '128M', '-bios', 'none'], icountShift: 0, toolchain: 'riscv64-unknown-elf-gcc' },
};

export function isQemuBoard(name: string): name is QemuBoardName {
  return Object.prototype.hasOwnProperty.call(QEMU_BOARDS, name);
}

function spec(board: string): QemuBoardSpec {
  if (!isQemuBoard(board)) throw new RangeError(`board "${board}" is not an emulated board; expected one of ${Object.keys(QEMU_BOARDS).join(', ')}`);
  return QEMU_BOARDS[board];
}

/** Repository root: this file sits in src/board/ (ts-node) or dist/board/ (compiled). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** Where scripts/build-firmware.js puts a board's images: the protocol firmware or the counter calibration one. */
export function firmwarePath(board: string, kind: 'firmware' | 'calib' = 'firmware', variant = ''): string {
  const dir = path.join(REPO_ROOT, 'build', `fw-${board}${variant}`);
  return path.join(dir, kind === 'calib' ? `tinyhil-${board}-calib.elf` : `tinyhil-${board}.elf`);
}

/** First match of an executable on PATH, or null. */
export function which(exe: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
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

/** Why a board cannot run here (null when it can): QEMU missing, firmware not built. For tests' skip reasons. */
export function qemuUnavailable(board: string, elf = firmwarePath(board)): string | null {
  const s = spec(board);
  if (!which(s.binary)) return `${s.binary} not found on PATH (Debian: apt-get install ${s.debianPackage})`;
  if (!fs.existsSync(elf)) {
    if (!which(s.toolchain)) return `${board} firmware not built and ${s.toolchain} is not installed`;
    return `${board} firmware not built: run npm run build:firmware -- --board ${board} (no ${path.relative(process.cwd(), elf)})`;
  }
  return null;
}

export interface StartQemuOptions {
  /** Firmware ELF; default build/fw-<board>/tinyhil-<board>.elf. */
  elf?: string;
  /** Start without any image (a debugger loads one): implies paused unless paused is false. */
  noImage?: boolean;
  /** Open QEMU's gdbstub on this TCP port (127.0.0.1); 0 picks a free one. */
  gdbPort?: number;
  /** Start halted (-S) until a debugger continues. */
  paused?: boolean;
  /** Milliseconds to wait for QEMU to print its pty (default 10000). */
  startTimeoutMs?: number;
  /** qemu-rv32 only: harts QEMU starts (-smp N, 1..8; default 1), the cores a kernel may be split over. */
  harts?: number;
  /** Extra QEMU arguments, appended. */
  extraArgs?: string[];
  /** qemu-m4 only: load the Cortex-M4 timing-model plugin (tools/m4-timing), which appends one line per
   * RUN ("cycles (M4 timing model)" and the instruction mix) to this file; read it with
   * readM4TimingWindows (src/board/m4timing.ts). The firmware's instruction counter stays exact. */
  timingModel?: string;
}

export interface QemuBoardHandle {
  board: QemuBoardName;
  /** The board's UART: a pseudo-terminal path such as /dev/pts/3. */
  port: string;
  pid: number;
  elf: string | null;
  /** gdbstub address "127.0.0.1:PORT" when asked for. */
  gdbRemote?: string;
  /** The full QEMU command line, for messages. */
  command: string[];
  /** QEMU's stdout + stderr so far. */
  output(): string;
  /** Resolves with QEMU's exit code (or the signal name) when it ends. */
  exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after 2 s; resolves when QEMU is gone. Idempotent. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = () => {
    for (const c of live) {
      try {
        c.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
  };
  // A test that fails or a script that exits must not leave QEMU running.
  process.on('exit', killAll);
  // Signals skip 'exit' handlers: kill QEMU, then let the signal do what it would have done
  // (re-raised only when nobody else handles it, so other handlers keep their behaviour).
  // When another handler takes the signal (the CLI stops a sweep gracefully and closes its boards),
  // QEMU is left to it.
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      if (process.listenerCount(sig) > 1) return;
      killAll();
      process.removeListener(sig, onSignal);
      process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

/** A TCP port free right now on 127.0.0.1 (for the gdbstub). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

const PTY_RE = /char device redirected to (\/dev\/[^\s]+) \(label serial0\)/;

export async function startQemuBoard(board: QemuBoardName, opts: StartQemuOptions = {}): Promise<QemuBoardHandle> {
  const s = spec(board);
  const bin = which(s.binary);
  if (!bin) throw new Error(`${board} needs ${s.binary}, which is not on PATH (Debian: apt-get install ${s.debianPackage})`);
  let elf: string | null = null;
  if (!opts.noImage) {
    elf = path.resolve(opts.elf ?? firmwarePath(board));
    if (!fs.existsSync(elf)) {
      throw new Error(
        opts.elf
          ? `${board} firmware ELF not found: ${elf}`
          : `${board} firmware not built: run npm run build:firmware -- --board ${board} (no ${elf})`,
      );
    }
  }
  const args = [...s.machine, '-display', 'none', '-monitor', 'none', '-serial', 'pty', '-icount', `shift=${s.icountShift}`];
  if (opts.harts !== undefined) {
    if (!Number.isInteger(opts.harts) || opts.harts < 1 || opts.harts > 8) throw new RangeError(`${board}: harts ${opts.harts} outside 1..8`);
    if (opts.harts > 1 && board !== 'qemu-rv32') throw new RangeError(`${board} has one core; only qemu-rv32 runs several harts (asked for ${opts.harts})`);
    // Under -icount QEMU runs the harts round-robin in one thread: each hart's minstret is exact.
    if (opts.harts > 1) args.push('-smp', String(opts.harts));
  }
  if (elf) args.push('-kernel', elf);
  let gdbRemote: string | undefined;
  if (opts.gdbPort !== undefined) {
    const port = opts.gdbPort === 0 ? await freePort() : opts.gdbPort;
    gdbRemote = `127.0.0.1:${port}`;
    args.push('-gdb', `tcp:${gdbRemote}`);
  }
  if (opts.paused ?? opts.noImage) args.push('-S');
  if (opts.extraArgs) args.push(...opts.extraArgs);
  if (opts.timingModel) {
    if (board !== 'qemu-m4') {
      throw new Error(`${board}: the timing-model plugin models a Cortex-M4 only (qemu-m4); a Cortex-M7 (dual issue, branch prediction, caches) needs its own model`);
    }
    if (!elf) throw new Error(`${board}: the timing model needs the firmware image (its symbols mark the RUN windows)`);
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { buildM4TimingPlugin } = require(path.join(REPO_ROOT, 'tools', 'm4-timing', 'build.js')) as { buildM4TimingPlugin(): string };
    // The window: from the first hal_counter() after hal_trigger(1) to the next hal_counter() (th_run.c).
    args.push('-plugin', `${buildM4TimingPlugin()},elf=${elf},arm=hal_trigger,mark=hal_counter,out=${path.resolve(opts.timingModel)}`);
  }

  installExitHook();
  // Own process group: a Ctrl-C in the terminal reaches this process only, which finishes the
  // points in flight and then stops the board (exit hooks stop it if this process dies).
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  live.add(child);
  let out = '';
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve(code ?? signal ?? 'unknown');
    });
  });

  const port = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${board}: QEMU printed no pty within ${opts.startTimeoutMs ?? 10000} ms (${[bin, ...args].join(' ')}); output: ${out.trim() || '(none)'}`));
    }, opts.startTimeoutMs ?? 10000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = PTY_RE.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${board}: cannot start ${bin}: ${e.message}`));
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${board}: QEMU exited (${code}) before opening its pty (${[bin, ...args].join(' ')}): ${out.trim() || '(no output)'}`));
    });
  });

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    if (!stopping) {
      stopping = (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 2000);
        await exited;
        clearTimeout(killer);
      })();
    }
    return stopping;
  };

  return { board, port, pid: child.pid!, elf, gdbRemote, command: [bin, ...args], output: () => out, exited, stop };
}

/** Version line of a QEMU binary ("QEMU emulator version 7.2.x"), or null when absent. */
export function qemuVersion(board: QemuBoardName): string | null {
  const bin = which(spec(board).binary);
  if (!bin) return null;
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n')[0] : null;
}
