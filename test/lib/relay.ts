// Starts tools/fault-relay.js as its own process (as a user would) and reads back its pty and counts.
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as path from 'path';

export interface RelayStats {
  seed: number;
  rates: { flip: number; drop: number; dup: number };
  toBoard: { bytes: number; dropped: number; duplicated: number; flipped: number };
  toHost: { bytes: number; dropped: number; duplicated: number; flipped: number };
  boardReopens: number;
}

export interface Relay {
  /** The host-side pty. */
  port: string;
  pid: number;
  child: ChildProcess;
  /** SIGTERM; resolves with the counts it prints. */
  stop(): Promise<RelayStats | null>;
}

const TOOL = path.resolve(__dirname, '..', '..', 'tools', 'fault-relay.js');

export function socatMissing(): string | false {
  try {
    execFileSync('socat', ['-V'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'socat not installed (apt-get install socat): tools/fault-relay.js serves its pty through it';
  }
}

export function startRelay(args: string[]): Promise<Relay> {
  const child = spawn(process.execPath, [TOOL, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`fault-relay printed no PTY line in 20 s: ${err}`));
    }, 20000);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`fault-relay exited before serving: ${err}`));
    });
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^PTY (\S+)$/m.exec(out);
      if (!m) return;
      clearTimeout(timer);
      resolve({
        port: m[1],
        pid: child.pid!,
        child,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
          const s = /^stats (.*)$/m.exec(err);
          return s ? (JSON.parse(s[1]) as RelayStats) : null;
        },
      });
    });
  });
}

/** Faults injected (both directions) and bytes carried. */
export function injected(s: RelayStats): { faults: number; bytes: number } {
  const d = [s.toBoard, s.toHost];
  return { faults: d.reduce((n, x) => n + x.dropped + x.duplicated + x.flipped, 0), bytes: d.reduce((n, x) => n + x.bytes, 0) };
}
