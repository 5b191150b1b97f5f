// fault-relay-start.js - starts tools/fault-relay.js as its own process (as a user would) and reads back
// its pty and, when it stops, its counts. Used by test/link-noisy.test.ts and bench/link.js.
'use strict';
const { execFileSync, spawn } = require('child_process');
const path = require('path');

const TOOL = path.join(__dirname, 'fault-relay.js');

/** Why the relay cannot run here (false when it can): it serves its pty through socat. */
function socatMissing() {
  try {
    execFileSync('socat', ['-V'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'socat not installed (apt-get install socat): tools/fault-relay.js serves its pty through it';
  }
}

/**
 * Runs `node tools/fault-relay.js ARGS`; resolves once it prints its pty.
 * @returns {Promise<{ port: string, pid: number, child: import('child_process').ChildProcess, stop: () => Promise<object|null> }>}
 */
function startRelay(args, timeoutMs = 20000) {
  const child = spawn(process.execPath, [TOOL, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d.toString()));
  const exited = new Promise((r) => child.once('exit', () => r()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`fault-relay printed no PTY line in ${timeoutMs} ms: ${err}`));
    }, timeoutMs);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`fault-relay exited before serving: ${err}`));
    });
    child.stdout.on('data', (d) => {
      out += d.toString();
      const m = /^PTY (\S+)$/m.exec(out);
      if (!m) return;
      clearTimeout(timer);
      resolve({
        port: m[1],
        pid: child.pid,
        child,
        /** SIGTERM; resolves with the counts it prints ('stats {json}'). */
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
          const s = /^stats (.*)$/m.exec(err);
          return s ? JSON.parse(s[1]) : null;
        },
      });
    });
  });
}

/** Faults injected (both directions) and bytes carried, from a relay's counts. */
function injected(s) {
  const d = [s.toBoard, s.toHost];
  return { faults: d.reduce((n, x) => n + x.dropped + x.duplicated + x.flipped, 0), bytes: d.reduce((n, x) => n + x.bytes, 0) };
}

module.exports = { socatMissing, startRelay, injected };
