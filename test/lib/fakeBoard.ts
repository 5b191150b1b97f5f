// FakeBoard: an in-memory board that follows docs/protocol.md like firmware/core/th_fw.c, with toy
// kernels and fault hooks, so the host side can be tested without C (and faults can be staged).

import { CobsDecoder } from '../../src/protocol/cobs';
import { crc32 } from '../../src/protocol/crc32';
import { DEFAULT_MAX_FRAME, ErrorCode, FRAME_OVERHEAD, MIN_MAX_FRAME, MsgType, REPLY_BIT } from '../../src/protocol/constants';
import { HelloInfo, buildError, buildHello, buildRunReply, encodeFrame, parseRunRequest, RunReply, Writer } from '../../src/protocol/frame';
import type { Transport } from '../../src/transport/types';
import type { KernelCatalog } from '../../src/board/layout';
import type { Shape } from '../../src/board/types';

export interface ToyKernel {
  id: number;
  name: string;
  inputs: { name: string; dtype: 'i8' | 'u8' | 'i16'; bytes: (s: Shape) => number }[];
  output: (s: Shape) => number;
  scratch: (s: Shape, cores: number) => number;
  nRq: number;
  /** Computes the output; may use scratch. */
  run: (inputs: Uint8Array[], s: Shape, scratch: Uint8Array) => Uint8Array;
}

const n = (s: Shape) => s.S * s.E;

/** Toy kernels: xor (two u8 tensors), addb (i8 + i16 bias per row, wraps), rev (reverses through scratch). */
export const TOY_KERNELS: ToyKernel[] = [
  {
    id: 0,
    name: 'xor',
    inputs: [
      { name: 'A', dtype: 'u8', bytes: n },
      { name: 'B', dtype: 'u8', bytes: n },
    ],
    output: n,
    scratch: () => 0,
    nRq: 0,
    run: ([a, b]) => a.map((x, i) => x ^ b[i]),
  },
  {
    id: 1,
    name: 'addb',
    inputs: [
      { name: 'X', dtype: 'i8', bytes: n },
      { name: 'B', dtype: 'i16', bytes: (s) => 2 * s.S },
    ],
    output: n,
    scratch: () => 0,
    nRq: 1,
    run: ([x, b], s) => {
      const bias = new DataView(b.buffer, b.byteOffset, b.byteLength);
      return x.map((v, i) => (v + bias.getInt16(2 * Math.floor(i / s.E), true)) & 0xff);
    },
  },
  {
    id: 2,
    name: 'rev',
    inputs: [{ name: 'X', dtype: 'i8', bytes: n }],
    output: n,
    scratch: (s, cores) => n(s) * cores,
    nRq: 0,
    run: ([x], _s, scratch) => {
      scratch.set(x);
      return Uint8Array.from(scratch.subarray(0, x.length)).reverse();
    },
  },
];

/** KernelCatalog over toy kernels, for LinkBoard in tests. */
export function toyCatalog(kernels: ToyKernel[] = TOY_KERNELS): KernelCatalog {
  const get = (name: string) => {
    const k = kernels.find((x) => x.name === name);
    if (!k) throw new RangeError(`Unknown kernel "${name}"`);
    return k;
  };
  return {
    kernelInfo: (name) => {
      const k = get(name);
      return { id: k.id, name: k.name, inputs: k.inputs.map(({ name, dtype }) => ({ name, dtype })), outputType: 'u8', nRq: k.nRq, nConsts: 0, usesT: false };
    },
    kernelSizes: (name, s) => {
      const k = get(name);
      return { inputs: k.inputs.map((i) => i.bytes(s)), output: k.output(s) };
    },
    scratchBytes: (name, s, cores) => get(name).scratch(s, cores),
  };
}

export interface FakeBoardOptions {
  name?: string;
  arenaBytes?: number;
  /** The board's own frame limit (HELLO negotiates min(host, this)). */
  maxFrame?: number;
  nCores?: number;
  kernels?: ToyKernel[];
  /** Send 0x00 + BOOT at start (default true). */
  boot?: boolean;
}

export class FakeBoard {
  readonly arena: Uint8Array;
  /** Kernel executions (a repeated request must not add one). */
  kernelRuns = 0;
  /** Requests handled (not from the reply cache). */
  handled = 0;
  /** Replies served from the cache. */
  cached = 0;
  /** Replies to swallow (lost replies), and replies to corrupt (one bit flipped on the wire). */
  dropReplies = 0;
  corruptReplies = 0;
  /** Requests to ignore entirely (lost requests). */
  dropRequests = 0;
  /** Delay before each reply, ms. */
  replyDelayMs = 0;
  /** Called with each request's type before it is handled (tests stage resets here). */
  onRequest?: (type: number) => void;
  private maxFrame = DEFAULT_MAX_FRAME;
  private last: { seq: number; len: number; crc: number; reply: Uint8Array } | null = null;
  private lastRun: Uint8Array | null = null;
  private decoder: CobsDecoder;
  private readonly opts: Required<FakeBoardOptions>;

  constructor(
    private link: Transport,
    opts: FakeBoardOptions = {},
  ) {
    this.opts = {
      name: opts.name ?? 'fake',
      arenaBytes: opts.arenaBytes ?? 65536,
      maxFrame: opts.maxFrame ?? 4096,
      nCores: opts.nCores ?? 2,
      kernels: opts.kernels ?? TOY_KERNELS,
      boot: opts.boot ?? true,
    };
    this.arena = new Uint8Array(this.opts.arenaBytes);
    // Decode up to the board's buffer; the negotiated limit is checked per frame (TOO_LARGE).
    this.decoder = new CobsDecoder(this.opts.maxFrame, (f) => this.onFrame(f), (why) => this.onDrop(why));
    link.onData((c) => this.decoder.push(c));
    if (this.opts.boot) this.boot();
  }

  hello(maxFrame: number): HelloInfo {
    return {
      protocolVersion: 1,
      counterKind: 0,
      nCores: this.opts.nCores,
      maxFrame,
      arenaBytes: this.opts.arenaBytes,
      clockHz: 1000000,
      board: this.opts.name,
      cpu: 'TypeScript',
      counterUnit: 'cycles (fake)',
      firmwareVersion: '0.0.0-fake',
      kernels: this.opts.kernels.map((k) => ({ id: k.id, name: k.name })),
    };
  }

  /** Power-on: state cleared, arena zeroed, then 0x00 and BOOT. */
  boot(): void {
    this.reset();
    this.maxFrame = DEFAULT_MAX_FRAME;
    void this.link.write(Uint8Array.of(0));
    void this.link.write(encodeFrame(MsgType.BOOT, 0, buildHello(this.hello(DEFAULT_MAX_FRAME))));
  }

  /** A reset whose BOOT frame is lost: state gone, max_frame back to 256, nothing sent. */
  silentReset(): void {
    this.reset();
    this.maxFrame = DEFAULT_MAX_FRAME;
  }

  private reset(): void {
    this.arena.fill(0);
    this.last = null;
    this.lastRun = null;
    this.decoder.reset();
  }

  private onDrop(why: 'malformed' | 'oversize'): void {
    // Length unknown here for oversize; the firmware reports the decoded length.
    if (why === 'oversize') this.send(MsgType.ERROR, 0, buildError(ErrorCode.TOO_LARGE, 0, 0, 'frame too large'));
    else this.send(MsgType.ERROR, 0, buildError(ErrorCode.BAD_CRC, 0, 0, 'invalid COBS'));
  }

  private onFrame(f: Uint8Array): void {
    const seq = f.length >= 3 ? f[1] | (f[2] << 8) : 0;
    const type = f.length >= 3 ? f[0] : 0;
    if (f.length > this.maxFrame) {
      return this.send(MsgType.ERROR, seq, buildError(ErrorCode.TOO_LARGE, type, f.length, `frame of ${f.length} bytes, max ${this.maxFrame}`));
    }
    if (f.length < FRAME_OVERHEAD) return this.send(MsgType.ERROR, seq, buildError(ErrorCode.BAD_CRC, type, f.length, 'short frame'));
    const body = f.length - 4;
    const crc = new DataView(f.buffer, f.byteOffset).getUint32(body, true);
    if (crc !== crc32(f.subarray(0, body))) return this.send(MsgType.ERROR, seq, buildError(ErrorCode.BAD_CRC, type, crc, 'bad CRC'));
    if (this.dropRequests > 0) {
      this.dropRequests--;
      return;
    }
    if (this.last && this.last.seq === seq && this.last.len === f.length && this.last.crc === crc) {
      this.cached++;
      return this.sendRaw(this.last.reply);
    }
    this.onRequest?.(type);
    this.handled++;
    const [rtype, payload] = this.handle(type, f.subarray(3, body));
    const wire = encodeFrame(rtype, seq, payload);
    this.last = { seq, len: f.length, crc, reply: wire };
    if (type === MsgType.HELLO && rtype !== MsgType.ERROR) {
      this.maxFrame = new DataView(payload.buffer, payload.byteOffset).getUint32(4, true);
    }
    this.sendRaw(wire);
  }

  private handle(type: number, p: Uint8Array): [number, Uint8Array] {
    const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
    const err = (code: number, detail: number, msg: string): [number, Uint8Array] => [MsgType.ERROR, buildError(code, type, detail >>> 0, msg)];
    const ok = (b: Uint8Array = new Uint8Array(0)): [number, Uint8Array] => [type | REPLY_BIT, b];
    const region = (off: number, len: number): [number, Uint8Array] | null =>
      off + len > this.arena.length ? err(ErrorCode.OUT_OF_ARENA, Math.min(off + len, 0xffffffff), 'beyond arena') : null;
    switch (type) {
      case MsgType.HELLO: {
        if (p.length !== 4) return err(ErrorCode.BAD_LENGTH, p.length, 'HELLO payload');
        const host = dv.getUint32(0, true);
        if (host < MIN_MAX_FRAME) return err(ErrorCode.BAD_LENGTH, host, 'host max frame < 256');
        return ok(buildHello(this.hello(Math.min(host, this.opts.maxFrame))));
      }
      case MsgType.WRITE: {
        if (p.length < 4) return err(ErrorCode.BAD_LENGTH, p.length, 'WRITE payload');
        const off = dv.getUint32(0, true);
        const data = p.subarray(4);
        const bad = region(off, data.length);
        if (bad) return bad;
        this.arena.set(data, off);
        return ok(new Writer(8).u32(off).u32(data.length).buf);
      }
      case MsgType.READ:
      case MsgType.CRC: {
        if (p.length !== 8) return err(ErrorCode.BAD_LENGTH, p.length, 'region payload');
        const off = dv.getUint32(0, true);
        const len = dv.getUint32(4, true);
        if (type === MsgType.READ && len > this.maxFrame - FRAME_OVERHEAD) return err(ErrorCode.BAD_LENGTH, len, 'READ too long');
        const bad = region(off, len);
        if (bad) return bad;
        const bytes = this.arena.slice(off, off + len);
        return ok(type === MsgType.READ ? bytes : new Writer(4).u32(crc32(bytes)).buf);
      }
      case MsgType.RUN:
        return this.run(p, err, ok);
      case MsgType.COUNTERS:
        if (p.length) return err(ErrorCode.BAD_LENGTH, p.length, 'COUNTERS payload');
        return ok(this.lastRun ?? new Uint8Array(0));
      case MsgType.RESET:
        if (p.length) return err(ErrorCode.BAD_LENGTH, p.length, 'RESET payload');
        this.arena.fill(0);
        this.lastRun = null;
        return ok();
      default:
        return err(ErrorCode.UNKNOWN_TYPE, type, 'unknown type');
    }
  }

  private run(
    p: Uint8Array,
    err: (code: number, detail: number, msg: string) => [number, Uint8Array],
    ok: (b: Uint8Array) => [number, Uint8Array],
  ): [number, Uint8Array] {
    if (p.length < 100 || (p.length - 100) % 4 !== 0) return err(ErrorCode.BAD_LENGTH, p.length, 'RUN payload');
    const r = parseRunRequest(p);
    const k = this.opts.kernels.find((x) => x.id === r.kernelId);
    if (!k) return err(ErrorCode.BAD_KERNEL, r.kernelId, 'unknown kernel');
    if (r.inputOffsets.length !== k.inputs.length) return err(ErrorCode.BAD_KERNEL, r.inputOffsets.length, 'n_inputs');
    if (r.nCores < 1 || r.nCores > this.opts.nCores) return err(ErrorCode.BAD_CORES, r.nCores, 'n_cores');
    const s = r.shape;
    if (r.split > 1) return err(ErrorCode.BAD_SHAPE, r.split, 'split');
    if (r.repeat < 1) return err(ErrorCode.BAD_SHAPE, r.repeat, 'repeat');
    for (const v of [s.S, s.E, s.P, s.H]) if (v < 1 || v > 65535) return err(ErrorCode.BAD_SHAPE, v, 'shape');
    for (let i = 0; i < k.nRq; i++) if (r.rq[i][1] < 0 || r.rq[i][1] > 31) return err(ErrorCode.BAD_RQ, r.rq[i][1], 'div');
    const regions = k.inputs.map((inp, i) => [r.inputOffsets[i], inp.bytes(s)] as const);
    const out = [r.outputOffset, k.output(s)] as const;
    for (const [off, len] of [...regions, out, [r.scratchOffset, r.scratchBytes] as const]) {
      if (off + len > this.arena.length) return err(ErrorCode.OUT_OF_ARENA, off + len, 'beyond arena');
    }
    for (let i = 0; i < k.inputs.length; i++) {
      if (k.inputs[i].dtype === 'i16' && r.inputOffsets[i] % 2) return err(ErrorCode.BAD_ALIGN, r.inputOffsets[i], 'odd int16');
    }
    const need = k.scratch(s, r.nCores);
    if (r.scratchBytes < need) return err(ErrorCode.SCRATCH, need, 'scratch too small');
    const overlaps = (a: readonly [number, number], b: readonly [number, number]) => a[1] > 0 && b[1] > 0 && a[0] < b[0] + b[1] && b[0] < a[0] + a[1];
    for (const reg of [...regions, [r.scratchOffset, r.scratchBytes] as const]) {
      if (overlaps(out, reg)) return err(ErrorCode.OVERLAP, reg[0], 'output overlaps');
    }
    this.kernelRuns++;
    const inputs = regions.map(([off, len]) => this.arena.slice(off, off + len));
    const scratch = this.arena.subarray(r.scratchOffset, r.scratchOffset + r.scratchBytes);
    const output = k.run(inputs, s, scratch);
    this.arena.set(output, out[0]);
    const counter = 10 * out[1] + 7;
    const reply: RunReply = {
      status: 0,
      nCores: r.nCores,
      repeat: r.repeat,
      counter,
      outputBytes: out[1],
      outputCrc: crc32(output),
      perCore: Array.from({ length: r.nCores }, () => counter),
    };
    this.lastRun = buildRunReply(reply);
    return ok(this.lastRun);
  }

  private send(type: number, seq: number, payload: Uint8Array): void {
    this.sendRaw(encodeFrame(type, seq, payload));
  }

  private sendRaw(wire: Uint8Array): void {
    if (this.dropReplies > 0) {
      this.dropReplies--;
      return;
    }
    let bytes = wire;
    if (this.corruptReplies > 0) {
      this.corruptReplies--;
      bytes = Uint8Array.from(wire);
      bytes[Math.floor(bytes.length / 2)] ^= 0x10;
      if (bytes[Math.floor(bytes.length / 2)] === 0) bytes[Math.floor(bytes.length / 2)] = 0x55;
    }
    if (this.replyDelayMs) setTimeout(() => void this.link.write(bytes), this.replyDelayMs);
    else void this.link.write(bytes);
  }
}
