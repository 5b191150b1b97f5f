// tinyhil-host-sim (built with ASan + UBSan) end to end over its pty: BOOT, HELLO, WRITE, CRC, RUN,
// READ, frame limits, lost-reply repeats, client re-open, clean exit on SIGTERM. Its own tiny codec,
// so the board is checked against docs/protocol.md, not against src/protocol.
import t, { Test } from 'tap';
import fc from 'fast-check';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { constants, existsSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as tty from 'node:tty';
import './lib/fcSeed';

const root = join(__dirname, '..');
const outDir = join(root, 'build', 'fw-test', 'hostsim');
const bin = join(outDir, 'tinyhil-host-sim-asan');

// ---- codec (docs/protocol.md) ----

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) c = CRC_TABLE[(c ^ x) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function cobsEncode(b: Uint8Array): Buffer {
  const out: number[] = [];
  let blk: number[] = [];
  const flush = () => { out.push(blk.length + 1, ...blk); blk = []; };
  for (const x of b) {
    if (x === 0) flush();
    else { blk.push(x); if (blk.length === 254) { out.push(0xff, ...blk); blk = []; } }
  }
  flush();
  return Buffer.from(out);
}
function cobsDecode(e: Buffer): Buffer {
  const out: number[] = [];
  for (let i = 0; i < e.length; ) {
    const c = e[i];
    out.push(...e.subarray(i + 1, i + c));
    i += c;
    if (c < 0xff && i < e.length) out.push(0);
  }
  return Buffer.from(out);
}
/** Wire bytes of one frame. */
function frame(type: number, seq: number, payload: Buffer = Buffer.alloc(0), badCrc = false): Buffer {
  const f = Buffer.concat([Buffer.from([type, seq & 0xff, seq >> 8]), payload, Buffer.alloc(4)]);
  f.writeUInt32LE((crc32(f.subarray(0, f.length - 4)) ^ (badCrc ? 1 : 0)) >>> 0, f.length - 4);
  return Buffer.concat([cobsEncode(f), Buffer.from([0])]);
}
const u32 = (...v: number[]) => { const b = Buffer.alloc(4 * v.length); v.forEach((x, i) => b.writeUInt32LE(x >>> 0, 4 * i)); return b; };
const i32 = (...v: number[]) => { const b = Buffer.alloc(4 * v.length); v.forEach((x, i) => b.writeInt32LE(x | 0, 4 * i)); return b; };

interface Reply { type: number; seq: number; payload: Buffer; raw: Buffer }

/** A client on the pty slave: raw mode, frames in, frames out. */
class Link {
  private rs: tty.ReadStream;
  private ws: tty.WriteStream;
  private buf = Buffer.alloc(0);
  private frames: Reply[] = [];
  private wake: (() => void) | null = null;
  seq = 0;
  constructor(path: string) {
    this.rs = new tty.ReadStream(openSync(path, constants.O_RDWR | constants.O_NOCTTY));
    this.rs.setRawMode(true);
    this.ws = new tty.WriteStream(openSync(path, constants.O_RDWR | constants.O_NOCTTY));
    this.rs.on('data', (chunk: Buffer) => {
      this.buf = Buffer.concat([this.buf, chunk]);
      let i;
      while ((i = this.buf.indexOf(0)) >= 0) {
        const enc = this.buf.subarray(0, i);
        this.buf = this.buf.subarray(i + 1);
        if (enc.length === 0) continue;
        const raw = cobsDecode(enc);
        const crcOk = raw.length >= 7 && raw.readUInt32LE(raw.length - 4) === crc32(raw.subarray(0, raw.length - 4));
        if (!crcOk) throw new Error(`board sent a frame with a bad CRC: ${raw.toString('hex')}`);
        this.frames.push({ type: raw[0], seq: raw.readUInt16LE(1), payload: raw.subarray(3, raw.length - 4), raw });
      }
      this.wake?.();
    });
  }
  async next(timeoutMs = 5000): Promise<Reply> {
    const end = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (Date.now() > end) throw new Error('no reply within ' + timeoutMs + ' ms');
      await new Promise<void>((res) => { this.wake = res; setTimeout(res, 50); });
    }
    return this.frames.shift()!;
  }
  send(bytes: Buffer): Promise<void> {
    return new Promise((res, rej) => this.ws.write(bytes, (e) => (e ? rej(e) : res())));
  }
  /** One request, its reply (ERROR replies included). */
  async req(type: number, payload: Buffer = Buffer.alloc(0)): Promise<Reply> {
    this.seq = (this.seq % 65535) + 1;
    await this.send(frame(type, this.seq, payload));
    const r = await this.next();
    if (r.seq !== this.seq) throw new Error(`reply seq ${r.seq}, sent ${this.seq}`);
    return r;
  }
  /** A request that must succeed; returns the reply payload. */
  async ok(type: number, payload: Buffer = Buffer.alloc(0)): Promise<Buffer> {
    const r = await this.req(type, payload);
    if (r.type !== (type | 0x80)) {
      throw new Error(`type 0x${type.toString(16)}: reply 0x${r.type.toString(16)} code ${r.payload[0]} ${r.payload.subarray(8).toString()}`);
    }
    return r.payload;
  }
  close(): void {
    this.rs.destroy();
    this.ws.destroy();
  }
}

function parseHello(p: Buffer) {
  let i = 16;
  const str = () => { const n = p[i]; const s = p.subarray(i + 1, i + 1 + n).toString('latin1'); i += 1 + n; return s; };
  const h = { version: p[0], kind: p[1], cores: p[2], maxFrame: p.readUInt32LE(4), arena: p.readUInt32LE(8), clock: p.readUInt32LE(12), board: str(), cpu: str(), unit: str(), fw: str(), kernels: [] as Array<[number, string]> };
  for (let k = 0; k < p[3]; k++) { const id = p[i++]; h.kernels.push([id, str()]); }
  // Extension block: u8 tag, u8 length, data; tag 1 = u32 max_repeat.
  let maxRepeat: number | undefined;
  while (i + 2 <= p.length) {
    const [tag, len] = [p[i], p[i + 1]];
    if (tag === 1 && len === 4) maxRepeat = p.readUInt32LE(i + 2);
    i += 2 + len;
  }
  t.equal(i, p.length, 'HELLO payload fully consumed');
  return { ...h, maxRepeat };
}

// ---- the board process ----

function newestSource(): number {
  let m = 0;
  for (const dir of ['firmware/core', 'firmware/boards/host-sim', 'firmware/test', 'kernels/src', 'kernels/include']) {
    const d = join(root, dir);
    if (existsSync(d)) for (const f of readdirSync(d)) if (/\.(c|h|sh)$/.test(f)) m = Math.max(m, statSync(join(d, f)).mtimeMs);
  }
  return m;
}

interface Sim { proc: ChildProcess; path: string; stderr: () => string; exit: Promise<[number | null, string | null]> }

function startSim(args: string[] = []): Promise<Sim> {
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  const exit = new Promise<[number | null, string | null]>((res) => proc.on('exit', (c, s) => res([c, s])));
  return new Promise((res, rej) => {
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /^PTY (\S+)\n/.exec(out);
      if (m) res({ proc, path: m[1], stderr: () => err, exit });
    });
    proc.on('exit', (c) => rej(new Error(`host-sim exited ${c} before its PTY line: ${err}`)));
  });
}

async function stopSim(t: Test, sim: Sim): Promise<void> {
  sim.proc.kill('SIGTERM');
  const timer = setTimeout(() => sim.proc.kill('SIGKILL'), 3000);
  const [code, sig] = await sim.exit;
  clearTimeout(timer);
  t.same([code, sig], [0, null], 'exits 0 on SIGTERM');
  t.equal(sim.stderr(), '', 'nothing on stderr (no sanitizer report)');
}

// ---- linear_qk reference (docs/kernels.md) ----

function linearQk(S: number, E: number, P: number, H: number, I: Int8Array, W: Int8Array, B: Int16Array, mul: number, div: number): Int8Array {
  const O = new Int8Array(H * S * P);
  for (let h = 0; h < H; h++)
    for (let s = 0; s < S; s++)
      for (let p = 0; p < P; p++) {
        let acc = B[h * P + p];
        for (let e = 0; e < E; e++) acc += I[s * E + e] * W[(h * P + p) * E + e];
        O[(h * S + s) * P + p] = Math.max(-128, Math.min(127, Math.floor((acc * mul) / 2 ** div)));
      }
  return O;
}

function runPayload(o: { id: number; cores: number; dims: number[]; rq: [number, number]; repeat: number; inputs: number[]; out: number; scr?: number; scrLen?: number }): Buffer {
  return Buffer.concat([
    Buffer.from([o.id, o.cores, 0, o.inputs.length]),
    u32(...o.dims, 0),
    i32(o.rq[0], o.rq[1], ...new Array(10).fill(0)),
    i32(0, 0, 0),
    u32(o.repeat, ...o.inputs, o.out, o.scr ?? 0, o.scrLen ?? 0),
  ]);
}

const hasCc = spawnSync(process.env.CC ?? 'gcc', ['--version']).status === 0;
const skip = process.platform !== 'linux' ? 'host-sim needs Linux ptys' : !hasCc ? 'no C compiler on PATH' : false;

t.test('host-sim over its pty', { skip }, async (t) => {
  if (!existsSync(bin) || statSync(bin).mtimeMs < newestSource()) {
    const b = spawnSync('sh', [join(root, 'firmware/test/build.sh'), outDir, 'host-sim'], { encoding: 'utf8' });
    t.equal(b.status, 0, `build.sh exits 0${b.status ? `: ${b.stderr.slice(-2000)}` : ''}`);
    if (b.status !== 0) return;
  }
  const sim = await startSim();
  t.match(sim.path, /^\/dev\/pts\/\d+$/, 'prints PTY <slave path>');
  let link = new Link(sim.path);

  await t.test('BOOT then HELLO', async (t) => {
    const boot = await link.next();
    t.same([boot.type, boot.seq], [0xc0, 0], 'BOOT, seq 0');
    const b = parseHello(boot.payload);
    t.equal(b.maxFrame, 256, 'BOOT says max_frame 256');
    const h = parseHello(await link.ok(0x01, u32(1 << 20)));
    t.same(
      { version: h.version, kind: h.kind, cores: h.cores, maxFrame: h.maxFrame, arena: h.arena, clock: h.clock, board: h.board, unit: h.unit, fw: h.fw, maxRepeat: h.maxRepeat },
      { version: 1, kind: 2, cores: 8, maxFrame: 4096, arena: 8 << 20, clock: 0, board: 'host-sim', unit: 'ns (host)', fw: '0.1.0', maxRepeat: 1000000 },
    );
    t.equal(b.maxRepeat, 1000000, 'BOOT carries max_repeat too');
    t.match(h.cpu, / host$/, `cpu "${h.cpu}"`);
    t.equal(h.kernels.length, 14, '14 kernels');
    t.same(h.kernels[0], [0, 'linear_qk']);
    t.same(h.kernels[12], [12, 'add']);
    t.same(h.kernels[13], [13, 'linear']);
  });

  await t.test('linear_qk on random shapes and core counts matches the reference', async (t) => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ S: fc.integer({ min: 1, max: 9 }), E: fc.integer({ min: 1, max: 17 }), P: fc.integer({ min: 1, max: 6 }), H: fc.integer({ min: 1, max: 4 }), cores: fc.integer({ min: 1, max: 8 }), div: fc.integer({ min: 0, max: 12 }), seed: fc.integer({ min: 0, max: 1e9 }) }),
        async ({ S, E, P, H, cores, div, seed }) => {
          let x = seed;
          const rnd = () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
          const I = Int8Array.from({ length: S * E }, () => rnd() - 128);
          const W = Int8Array.from({ length: H * P * E }, () => rnd() - 128);
          const B = Int16Array.from({ length: H * P }, () => (rnd() << 3) - 1024);
          const offs = [0, 1024, 2048, 3072];
          for (const [k, arr] of [I, W, B].entries()) {
            const data = Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength);
            t.same([...(await link.ok(0x02, Buffer.concat([u32(offs[k]), data])))], [...u32(offs[k], data.length)]);
            t.equal((await link.ok(0x04, u32(offs[k], data.length))).readUInt32LE(0), crc32(data), 'CRC of the written tensor');
          }
          const r = await link.ok(0x05, runPayload({ id: 0, cores, dims: [S, E, P, H], rq: [385, div], repeat: 2, inputs: offs.slice(0, 3), out: offs[3] }));
          const want = Buffer.from(linearQk(S, E, P, H, I, W, B, 385, div).buffer);
          t.same([r[0], r[1], r.readUInt32LE(4), r.readUInt32LE(16), r.length], [0, cores, 2, want.length, 24 + 8 * cores], 'RUN reply fields');
          const got = await link.ok(0x03, u32(offs[3], want.length));
          t.equal(r.readUInt32LE(20), crc32(got), 'output CRC = CRC of the bytes read');
          t.same([...got], [...want], `S=${S} E=${E} P=${P} H=${H} cores=${cores}`);
          return true;
        },
      ),
      { numRuns: 25 },
    );
  });

  await t.test('frame limits after HELLO 4096', async (t) => {
    t.equal((await link.ok(0x03, u32(0, 4089))).length, 4089, 'READ of max_frame - 7');
    const e = await link.req(0x03, u32(0, 4090));
    t.same([e.type, e.payload[0], e.payload.readUInt32LE(4)], [0xff, 3, 4090], 'READ of 4090 → BAD_LENGTH 4090');
    const big = Buffer.alloc(4085, 0x5a);
    t.same([...(await link.ok(0x02, Buffer.concat([u32(100), big])))], [...u32(100, 4085)], 'WRITE filling a 4096-byte frame');
    const tl = await link.req(0x02, Buffer.concat([u32(100), big, Buffer.from([1])]));
    t.same([tl.type, tl.payload[0], tl.payload.readUInt32LE(4)], [0xff, 9, 4097], 'one more byte → TOO_LARGE 4097');
    const oa = await link.req(0x03, u32((8 << 20) - 2, 4));
    t.same([oa.type, oa.payload[0], oa.payload.readUInt32LE(4)], [0xff, 4, (8 << 20) + 2], 'READ past the arena → OUT_OF_ARENA');
  });

  await t.test('a repeated request gets the same reply without running again', async (t) => {
    link.seq++;
    const f = frame(0x05, link.seq, runPayload({ id: 0, cores: 4, dims: [8, 16, 4, 2], rq: [385, 8], repeat: 3, inputs: [0, 1024, 2048], out: 3072 }));
    await link.send(f);
    const a = await link.next();
    await link.send(Buffer.concat([Buffer.from([0]), f])); // lost reply: flush, resend
    const b = await link.next();
    t.equal(a.type, 0x85);
    t.same(b.raw, a.raw, 'byte-identical reply (same nanosecond counters: not re-run)');
    const bad = await link.req(0x07, Buffer.alloc(0));
    t.equal(bad.type, 0x87, 'RESET');
    const z = await link.ok(0x03, u32(0, 64));
    t.ok(z.every((x) => x === 0), 'arena zeroed');
  });

  await t.test('errors name the problem', async (t) => {
    link.seq++;
    await link.send(frame(0x03, link.seq, u32(0, 4), true));
    const c = await link.next();
    t.same([c.type, c.seq, c.payload[0]], [0xff, link.seq, 1], 'BAD_CRC with the frame seq');
    const k = await link.req(0x05, runPayload({ id: 42, cores: 1, dims: [1, 1, 1, 1], rq: [1, 0], repeat: 1, inputs: [0, 16, 32], out: 64 }));
    t.same([k.payload[0], k.payload.readUInt32LE(4)], [5, 42], 'BAD_KERNEL 42');
    t.equal(k.payload.subarray(8).toString(), 'RUN: unknown kernel id 42');
    const o = await link.req(0x05, runPayload({ id: 0, cores: 1, dims: [2, 2, 2, 2], rq: [1, 0], repeat: 1, inputs: [0, 16, 32], out: 20 }));
    t.same([o.payload[0], o.payload.readUInt32LE(4)], [10, 16], 'OVERLAP with W at 16');
    t.equal(o.payload.subarray(8).toString(), 'RUN linear_qk: output overlaps W at offset 16');
    const n = await link.req(0x05, runPayload({ id: 0, cores: 9, dims: [2, 2, 2, 2], rq: [1, 0], repeat: 1, inputs: [0, 16, 32], out: 64 }));
    t.same([n.payload[0], n.payload.readUInt32LE(4)], [11, 9], 'BAD_CORES 9');
  });

  // linear_qk S=32 E=64 P=32 H=4 (262144 MACs, ~0.1-1 ms a run): a million repeats would take minutes.
  const bigRun = (repeat: number) => runPayload({ id: 0, cores: 1, dims: [32, 64, 32, 4], rq: [385, 8], repeat, inputs: [0, 4096, 16384], out: 20480 });

  await t.test('a repeat above max_repeat is refused with the limit named', async (t) => {
    for (const repeat of [1000001, 0xffffffff]) {
      const e = await link.req(0x05, bigRun(repeat));
      t.same([e.type, e.payload[0], e.payload[1], e.payload.readUInt32LE(4)], [0xff, 13, 0x05, 1000000], `repeat ${repeat} → REPEAT_LIMIT, detail 1000000`);
      t.equal(e.payload.subarray(8).toString(), `RUN linear_qk: repeat ${repeat} above this board's limit of 1000000 (HELLO max_repeat)`);
    }
  });

  await t.test('ABORT stops a RUN of a million repeats within a second, naming what it completed', async (t) => {
    link.seq++;
    const seq = link.seq;
    await link.send(frame(0x05, seq, bigRun(1000000)));
    await new Promise((r) => setTimeout(r, 500));
    const sent = Date.now();
    await link.send(Buffer.concat([Buffer.from([0]), frame(0x08, seq)]));
    const e = await link.next(5000);
    const ms = Date.now() - sent;
    t.same([e.type, e.seq, e.payload[0], e.payload[1]], [0xff, seq, 14, 0x05], 'ERROR ABORTED for the RUN, with its seq');
    const done = e.payload.readUInt32LE(4);
    t.ok(done >= 1 && done < 1000000, `completed ${done} repeats`);
    t.equal(e.payload.subarray(8).toString(), `RUN linear_qk: aborted after ${done} of 1000000 repeats`);
    t.ok(ms < 1000, `reply ${ms} ms after ABORT`);
    await link.send(Buffer.concat([Buffer.from([0]), frame(0x08, seq)]));
    t.same((await link.next()).raw, e.raw, 'ABORT again once idle: the same reply (what it completed)');
    const idle = await link.req(0x08);
    t.same([idle.type, idle.seq, idle.payload.length], [0x88, link.seq, 0], 'ABORT of a seq that never ran: empty ABORT reply');
    const h = await link.req(0x01, u32(4096));
    t.equal(h.type, 0x81, 'the board answers as usual afterwards');
  });

  await t.test('a client can close and re-open the pty', async (t) => {
    link.close();
    await new Promise((r) => setTimeout(r, 100));
    link = new Link(sim.path);
    const h = parseHello(await link.ok(0x01, u32(2048)));
    t.equal(h.maxFrame, 2048, 'HELLO again after re-open');
    link.close();
  });

  await stopSim(t, sim);
});

t.test('options: --arena, --max-frame, bad arguments', { skip }, async (t) => {
  if (!existsSync(bin)) { t.fail(`${bin} was not built (the first test builds it)`); return; }
  const sim = await startSim(['--arena', '65536', '--max-frame', '1024']);
  const link = new Link(sim.path);
  await link.next(); // BOOT
  const h = parseHello(await link.ok(0x01, u32(4096)));
  t.same([h.arena, h.maxFrame], [65536, 1024]);
  link.close();
  await stopSim(t, sim);
  const bad = spawnSync(bin, ['--max-frame', '100'], { encoding: 'utf8' });
  t.equal(bad.status, 2);
  t.match(bad.stderr, /--max-frame 100: expected an integer in 256\.\.\d+/);
  const unk = spawnSync(bin, ['--bogus'], { encoding: 'utf8' });
  t.equal(unk.status, 2);
  t.match(unk.stderr, /unknown argument '--bogus'/);
});

t.test('SIGTERM in the middle of a long RUN: gone within a second', { skip }, async (t) => {
  if (!existsSync(bin)) { t.fail(`${bin} was not built (the first test builds it)`); return; }
  const sim = await startSim();
  const link = new Link(sim.path);
  await link.next(); // BOOT
  await link.send(frame(0x05, 1, runPayload({ id: 0, cores: 2, dims: [32, 64, 32, 4], rq: [385, 8], repeat: 1000000, inputs: [0, 4096, 16384], out: 20480 })));
  await new Promise((r) => setTimeout(r, 500));
  const sent = Date.now();
  sim.proc.kill('SIGTERM');
  const timer = setTimeout(() => sim.proc.kill('SIGKILL'), 5000);
  const [code, sig] = await sim.exit;
  clearTimeout(timer);
  const ms = Date.now() - sent;
  link.close();
  t.same([code, sig], [0, null], 'exits 0 (not killed)');
  t.ok(ms < 1000, `exited ${ms} ms after SIGTERM`);
  t.match(sim.stderr(), /stopping in the middle of a request/);
});

t.test('--exit-with-parent: the board stops when the process that started it dies', { skip }, async (t) => {
  if (!existsSync(bin)) { t.fail(`${bin} was not built (the first test builds it)`); return; }
  // sh starts the board in the background, prints its pid once the PTY line is out, then exits.
  const sh = spawnSync('sh', ['-c', `"$0" --exit-with-parent > /dev/null & pid=$!; sleep 1; echo $pid`, bin], { encoding: 'utf8' });
  const pid = Number(sh.stdout.trim());
  t.ok(pid > 0, `board pid ${pid}`);
  const alive = () => {
    try {
      return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); // a zombie has exited
    } catch {
      return false;
    }
  };
  const end = Date.now() + 5000;
  while (alive() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  t.notOk(alive(), 'gone after its parent exited');
  if (alive()) process.kill(pid, 'SIGKILL');
});
