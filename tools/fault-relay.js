#!/usr/bin/env node
// fault-relay.js - a seeded damaging line between a host and a board: serves a new pty for the host,
// forwards to the board's port (pty, device, tcp://, rfc2217://), and drops, duplicates or flips
// bytes in both directions. The board side is reopened (same path) whenever it closes, so a board
// restarted behind the relay (serve host-sim --link PATH) rejoins. docs/lab.md §5 describes it.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const path = require('path');

const USAGE = `usage: node tools/fault-relay.js --board-port PORT [--seed N] [--flip R] [--drop R] [--dup R] [--link PATH]
  Serves a new pseudo-terminal for the host and prints 'PTY <path>' on stdout when ready.
  Every byte, each direction on its own seeded stream, is dropped with probability --drop,
  else sent twice with --dup, else sent with one random bit flipped with --flip (0..1, default 0).
  --board-port PORT  the board's link: a pty or device path, tcp://host:port or rfc2217://host:port;
                     must open at start; reopened with back-off whenever it closes later
                     (a board restarted on the same path)
  --seed N           uint32 seed (default 1): host→board uses N, board→host N+1 (mulberry32)
  --link PATH        also make PATH a symlink to the host pty
  --quiet            no reopen notices on stderr
  SIGUSR1 prints the counts on stderr; SIGTERM/SIGINT print them ('stats {json}') and stop.`;

function parseArgs(argv) {
  const o = { seed: 1, flip: 0, drop: 0, dup: 0, boardPort: '', link: '', quiet: false };
  const rate = (name, v) => {
    const x = Number(v);
    if (v === undefined || v === '' || !Number.isFinite(x) || x < 0 || x > 1) throw new Error(`${name} ${v}: expected a probability in 0..1`);
    return x;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--seed') {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`--seed ${v}: expected an integer in 0..4294967295`);
      o.seed = n;
      i++;
    } else if (a === '--flip' || a === '--drop' || a === '--dup') {
      o[a.slice(2)] = rate(a, v);
      i++;
    } else if (a === '--board-port') {
      if (!v) throw new Error('--board-port needs a value');
      o.boardPort = v;
      i++;
    } else if (a === '--link') {
      if (!v) throw new Error('--link needs a value');
      o.link = v;
      i++;
    } else if (a === '--quiet') o.quiet = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else throw new Error(`unknown argument '${a}'`);
  }
  if (!o.boardPort) throw new Error('--board-port is required');
  if (o.flip + o.drop + o.dup > 1) throw new Error(`--drop + --dup + --flip = ${o.flip + o.drop + o.dup}: must not exceed 1`);
  return o;
}

/** The compiled library (dist/, built by `npm install` / `npm run build`). */
function lib(mod) {
  const root = path.resolve(__dirname, '..');
  if (!fs.existsSync(path.join(root, 'dist', 'transport', 'index.js'))) throw new Error(`${path.join(root, 'dist')} is not built: run \`npm run build\``);
  return require(path.join(root, 'dist', mod));
}

/**
 * The host side: `socat pty,raw,echo=0 STDIO` owns the pty master and pipes it to us. We also hold
 * the slave open ourselves, so a host closing and reopening the pty does not hang it up
 * (a master whose last slave closed reads EIO, and socat would exit).
 */
function servePty() {
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'STDIO'], { stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (e) {
      reject(new Error(`cannot start socat (apt-get install socat): ${e.message}`));
      return;
    }
    let err = '';
    const timer = setTimeout(() => fail(new Error(`socat printed no pty within 5 s: ${err.trim()}`)), 5000);
    const fail = (e) => {
      clearTimeout(timer);
      child.kill();
      reject(e);
    };
    child.on('error', (e) => fail(new Error(`cannot start socat (apt-get install socat): ${e.message}`)));
    child.stderr.on('data', (d) => {
      err += d.toString();
      const m = /PTY is (\S+)/.exec(err);
      if (!m) return;
      clearTimeout(timer);
      const keep = fs.openSync(m[1], fs.constants.O_RDWR | fs.constants.O_NOCTTY | fs.constants.O_NONBLOCK);
      resolve({ path: m[1], child, keep });
    });
  });
}

async function main() {
  let o;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`fault-relay: ${e.message}\n${USAGE}\n`);
    process.exit(2);
  }
  const { FaultInjector } = lib('transport/faults');
  const { openTransport } = lib('transport');
  const toBoard = new FaultInjector({ seed: o.seed, flip: o.flip, drop: o.drop, dup: o.dup });
  const toHost = new FaultInjector({ seed: (o.seed + 1) >>> 0, flip: o.flip, drop: o.drop, dup: o.dup });
  const note = (s) => o.quiet || process.stderr.write(`fault-relay: ${s}\n`);

  const host = await servePty();
  let board = null;
  let stopping = false;
  let reopens = 0;

  // Board side: open (a wrong path fails at once), forward, reopen with back-off (50 ms doubling
  // to 1 s) whenever it closes.
  const connect = async (first) => {
    let wait = 50;
    let lastErr = '';
    while (!stopping) {
      try {
        const t = await openTransport(o.boardPort);
        t.onData((c) => host.child.stdin.write(toHost.apply(c)));
        t.onClose((e) => {
          if (board !== t) return;
          board = null;
          if (stopping) return;
          note(`board link ${o.boardPort} closed${e ? ` (${e.message})` : ''}; reopening`);
          reopens++;
          void connect();
        });
        board = t;
        if (lastErr) note(`board link ${o.boardPort} reopened`);
        return;
      } catch (e) {
        if (first) throw e;
        if (e.message !== lastErr) note(`${e.message}; retrying`);
        lastErr = e.message;
        await new Promise((r) => setTimeout(r, wait));
        wait = Math.min(1000, wait * 2);
      }
    }
  };
  try {
    await connect(true);
  } catch (e) {
    host.child.kill();
    throw e;
  }
  // Bytes from the host while the board is away are lost, as on a line with nobody at the far end.
  host.child.stdout.on('data', (c) => {
    const out = toBoard.apply(c);
    if (board && out.length) board.write(out).catch(() => undefined);
  });

  if (o.link) {
    try {
      fs.unlinkSync(o.link);
    } catch {
      /* none yet */
    }
    fs.symlinkSync(host.path, o.link);
  }
  const stats = () => JSON.stringify({ seed: o.seed, rates: { flip: o.flip, drop: o.drop, dup: o.dup }, toBoard: toBoard.stats, toHost: toHost.stats, boardReopens: reopens });
  const stop = async (code) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`stats ${stats()}\n`);
    if (o.link) fs.rmSync(o.link, { force: true });
    if (board) await board.close().catch(() => undefined);
    fs.closeSync(host.keep);
    host.child.kill();
    process.exit(code);
  };
  host.child.on('exit', (code) => {
    if (!stopping) process.stderr.write(`fault-relay: socat exited (${code})\n`);
    void stop(1);
  });
  process.on('SIGTERM', () => void stop(0));
  process.on('SIGINT', () => void stop(0));
  process.on('SIGUSR1', () => process.stderr.write(`stats ${stats()}\n`));
  process.stdout.write(`PTY ${host.path}\n`);
}

main().catch((e) => {
  process.stderr.write(`fault-relay: ${e.message}\n`);
  process.exit(1);
});
