// startHostSim: spawns build/…/tinyhil-host-sim, waits for its "PTY /dev/pts/N" line, stops it on demand or at exit.

import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const HOST_SIM_NAME = 'tinyhil-host-sim';
const REPO_ROOT = path.resolve(__dirname, '..', '..');

export interface HostSimOptions {
  /** Path of the binary (default: TINYHIL_HOST_SIM, else found under build/). */
  binary?: string;
  /** Arena size in bytes (host-sim --arena; its default is 8 MiB). */
  arenaBytes?: number;
  /** Largest frame offered in HELLO (host-sim --max-frame; default 4096). */
  maxFrame?: number;
  /** How long to wait for the PTY line, ms (default 5000). */
  startTimeoutMs?: number;
}

export interface HostSimHandle {
  /** The pty the board serves, e.g. /dev/pts/4. */
  port: string;
  pid: number;
  binary: string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>;
  /** SIGTERM, SIGKILL after 2 s; resolves when it is gone. Idempotent. */
  stop(): Promise<void>;
}

/** Finds the host-sim binary: $TINYHIL_HOST_SIM, then build/ (newest match, a few levels deep). */
export function findHostSim(): string | null {
  const env = process.env.TINYHIL_HOST_SIM;
  if (env) return fs.existsSync(env) ? env : null;
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isFile() && e.name === HOST_SIM_NAME) found.push(p);
      else if (e.isDirectory() && depth > 0 && e.name !== 'CMakeFiles' && e.name !== 'node_modules') walk(p, depth - 1);
    }
  };
  walk(path.join(REPO_ROOT, 'build'), 5);
  if (!found.length) return null;
  return found.sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
}

/** Why host-sim cannot start here (null when it can), for test skip reasons. */
export function hostSimUnavailable(): string | null {
  if (findHostSim()) return null;
  const env = process.env.TINYHIL_HOST_SIM;
  if (env) return `TINYHIL_HOST_SIM=${env} does not exist`;
  return `${HOST_SIM_NAME} is not built (nothing under ${path.join(REPO_ROOT, 'build')}): run \`npm install\``;
}

const live = new Set<ChildProcess>();
let exitHook = false;
function killAllAtExit(): void {
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const c of live) {
      try {
        c.kill('SIGKILL');
      } catch {
        /* gone */
      }
    }
  });
}

export async function startHostSim(opts: HostSimOptions = {}): Promise<HostSimHandle> {
  const binary = opts.binary ?? findHostSim();
  if (!binary) throw new Error(`${HOST_SIM_NAME} is not built (looked under ${path.join(REPO_ROOT, 'build')}): run \`npm install\``);
  if (!fs.existsSync(binary)) throw new Error(`${HOST_SIM_NAME} not found at ${binary}: run \`npm install\``);
  // The board stops with this process even when it dies without cleaning up (Linux).
  const args: string[] = process.platform === 'linux' ? ['--exit-with-parent'] : [];
  if (opts.arenaBytes !== undefined) args.push('--arena', String(opts.arenaBytes));
  if (opts.maxFrame !== undefined) args.push('--max-frame', String(opts.maxFrame));
  // Own process group: a Ctrl-C in the terminal reaches this process only, which finishes the
  // points in flight and then stops the board (exit hooks stop it if this process dies).
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  killAllAtExit();
  live.add(child);
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, sig) => {
      live.delete(child);
      resolve(code ?? sig ?? 'unknown');
    }),
  );
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(t);
    }
  };
  const port = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${binary} printed no PTY line within ${opts.startTimeoutMs ?? 5000} ms${err ? `: ${err.trim()}` : ''}`));
    }, opts.startTimeoutMs ?? 5000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^PTY (\S+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`Cannot start ${binary}: ${e.message}`));
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${binary} ${args.join(' ')} exited (${code}) before serving${err ? `: ${err.trim()}` : ''}`));
    });
  });
  // Keep draining stdout so the child never blocks on a full pipe.
  child.stdout!.resume();
  return { port, pid: child.pid!, binary, exited, stop };
}
