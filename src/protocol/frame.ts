// Frames (type, seq, payload, CRC-32, COBS + 0x00 on the wire) and the typed messages of docs/protocol.md.

import { cobsEncode } from './cobs';
import { crc32 } from './crc32';
import { CRC_BYTES, GRAPH_HDR_BYTES, GRAPH_MAX_NODES, HEADER_BYTES, HelloExt, MAX_CONSTS, MAX_RQ, RUN_WAITS } from './constants';
import { BoardError, ProtocolError } from './errors';

export interface Frame {
  type: number;
  seq: number;
  payload: Uint8Array;
}

/** Decoded frame bytes: header, payload, CRC. */
export function buildFrame(type: number, seq: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + payload.length + CRC_BYTES);
  const dv = new DataView(out.buffer);
  out[0] = type;
  dv.setUint16(1, seq, true);
  out.set(payload, HEADER_BYTES);
  dv.setUint32(HEADER_BYTES + payload.length, crc32(out.subarray(0, HEADER_BYTES + payload.length)), true);
  return out;
}

/** Wire bytes of a frame: COBS-encoded, then one 0x00. */
export function encodeFrame(type: number, seq: number, payload?: Uint8Array): Uint8Array {
  const enc = cobsEncode(buildFrame(type, seq, payload));
  const out = new Uint8Array(enc.length + 1);
  out.set(enc);
  return out;
}

export type ParsedFrame = { ok: true; frame: Frame } | { ok: false; reason: 'short' | 'crc'; seq?: number };

/** Checks a decoded frame's length and CRC. */
export function parseFrame(dec: Uint8Array): ParsedFrame {
  if (dec.length < HEADER_BYTES + CRC_BYTES) {
    return dec.length >= HEADER_BYTES ? { ok: false, reason: 'short', seq: dec[1] | (dec[2] << 8) } : { ok: false, reason: 'short' };
  }
  const body = dec.length - CRC_BYTES;
  const dv = new DataView(dec.buffer, dec.byteOffset, dec.byteLength);
  const seq = dv.getUint16(1, true);
  if (dv.getUint32(body, true) !== crc32(dec.subarray(0, body))) return { ok: false, reason: 'crc', seq };
  return { ok: true, frame: { type: dec[0], seq, payload: dec.slice(HEADER_BYTES, body) } };
}

/** Little-endian reader that names what was truncated. */
export class Reader {
  private dv: DataView;
  pos = 0;
  constructor(
    private buf: Uint8Array,
    private what: string,
  ) {
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  private need(n: number, field: string): void {
    if (this.pos + n > this.buf.length) {
      throw new ProtocolError(`${this.what} truncated at ${field}: needs ${this.pos + n} bytes, has ${this.buf.length}`);
    }
  }
  u8(field: string): number {
    this.need(1, field);
    return this.dv.getUint8(this.pos++);
  }
  u16(field: string): number {
    this.need(2, field);
    const v = this.dv.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  u32(field: string): number {
    this.need(4, field);
    const v = this.dv.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  u64(field: string): number {
    this.need(8, field);
    const v = this.dv.getBigUint64(this.pos, true);
    this.pos += 8;
    return Number(v);
  }
  bytes(n: number, field: string): Uint8Array {
    this.need(n, field);
    const v = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  str(field: string): string {
    const n = this.u8(`${field} length`);
    return Buffer.from(this.bytes(n, field)).toString('latin1');
  }
  get rest(): number {
    return this.buf.length - this.pos;
  }
}

/** Little-endian writer with a fixed size. */
export class Writer {
  readonly buf: Uint8Array;
  private dv: DataView;
  pos = 0;
  constructor(size: number) {
    this.buf = new Uint8Array(size);
    this.dv = new DataView(this.buf.buffer);
  }
  u8(v: number): this {
    this.dv.setUint8(this.pos++, v);
    return this;
  }
  u16(v: number): this {
    this.dv.setUint16(this.pos, v, true);
    this.pos += 2;
    return this;
  }
  u32(v: number): this {
    this.dv.setUint32(this.pos, v >>> 0, true);
    this.pos += 4;
    return this;
  }
  i32(v: number): this {
    this.dv.setInt32(this.pos, v | 0, true);
    this.pos += 4;
    return this;
  }
  u64(v: number): this {
    this.dv.setBigUint64(this.pos, BigInt(v), true);
    this.pos += 8;
    return this;
  }
  bytes(b: Uint8Array): this {
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }
  str(s: string): this {
    const b = Buffer.from(s, 'latin1');
    if (b.length > 255) throw new RangeError(`string "${s.slice(0, 20)}…" is ${b.length} bytes, max 255`);
    return this.u8(b.length).bytes(b);
  }
}

// ---- HELLO ----

export interface HelloInfo {
  protocolVersion: number;
  counterKind: number;
  nCores: number;
  maxFrame: number;
  arenaBytes: number;
  clockHz: number;
  board: string;
  cpu: string;
  counterUnit: string;
  firmwareVersion: string;
  kernels: { id: number; name: string }[];
  /** Largest RUN repeat (extension field MAX_REPEAT); undefined when the board does not say. */
  maxRepeat?: number;
  /** Clock the board reached and its source (extension CLOCK: STM32 boards). */
  clock?: { hz: number; source: string };
  /** Main stack size and its high-water mark so far, bytes (extension STACK). */
  stack?: { bytes: number; used: number };
}

export function helloRequest(hostMaxFrame: number): Uint8Array {
  return new Writer(4).u32(hostMaxFrame).buf;
}

export function parseHello(payload: Uint8Array, what = 'HELLO reply'): HelloInfo {
  const r = new Reader(payload, what);
  const protocolVersion = r.u8('protocol version');
  const counterKind = r.u8('counter kind');
  const nCores = r.u8('n_cores');
  const nKernels = r.u8('n_kernels');
  const maxFrame = r.u32('max_frame');
  const arenaBytes = r.u32('arena_bytes');
  const clockHz = r.u32('clock_hz');
  const board = r.str('board name');
  const cpu = r.str('cpu');
  const counterUnit = r.str('counter unit');
  const firmwareVersion = r.str('firmware version');
  const kernels: { id: number; name: string }[] = [];
  for (let i = 0; i < nKernels; i++) kernels.push({ id: r.u8(`kernel ${i} id`), name: r.str(`kernel ${i} name`) });
  const info: HelloInfo = { protocolVersion, counterKind, nCores, maxFrame, arenaBytes, clockHz, board, cpu, counterUnit, firmwareVersion, kernels };
  // Extension block: (u8 tag, u8 length, data) fields; unknown tags are skipped.
  while (r.rest > 0) {
    const tag = r.u8('extension tag');
    const len = r.u8(`extension ${tag} length`);
    const data = r.bytes(len, `extension ${tag}`);
    if (tag === HelloExt.MAX_REPEAT) {
      if (len !== 4) throw new ProtocolError(`${what}: extension max_repeat has ${len} bytes, expected 4`);
      info.maxRepeat = new DataView(data.buffer, data.byteOffset, 4).getUint32(0, true);
    } else if (tag === HelloExt.CLOCK) {
      if (len < 4) throw new ProtocolError(`${what}: extension clock has ${len} bytes, expected at least 4`);
      const hz = new DataView(data.buffer, data.byteOffset, 4).getUint32(0, true);
      info.clock = { hz, source: Buffer.from(data.subarray(4)).toString('latin1') };
    } else if (tag === HelloExt.STACK) {
      if (len !== 8) throw new ProtocolError(`${what}: extension stack has ${len} bytes, expected 8`);
      const v = new DataView(data.buffer, data.byteOffset, 8);
      info.stack = { bytes: v.getUint32(0, true), used: v.getUint32(4, true) };
    }
  }
  return info;
}

/** HELLO reply payload (the fake boards in tests and the protocol docs use it). */
export function buildHello(h: HelloInfo): Uint8Array {
  const strs = [h.board, h.cpu, h.counterUnit, h.firmwareVersion];
  let size = 16 + strs.reduce((n, s) => n + 1 + Buffer.byteLength(s, 'latin1'), 0);
  size += h.kernels.reduce((n, k) => n + 2 + Buffer.byteLength(k.name, 'latin1'), 0);
  if (h.maxRepeat !== undefined) size += 6;
  const clockText = h.clock ? Buffer.from(h.clock.source, 'latin1') : null;
  if (clockText) size += 6 + clockText.length;
  if (h.stack) size += 10;
  const w = new Writer(size)
    .u8(h.protocolVersion)
    .u8(h.counterKind)
    .u8(h.nCores)
    .u8(h.kernels.length)
    .u32(h.maxFrame)
    .u32(h.arenaBytes)
    .u32(h.clockHz);
  for (const s of strs) w.str(s);
  for (const k of h.kernels) w.u8(k.id).str(k.name);
  if (h.maxRepeat !== undefined) w.u8(HelloExt.MAX_REPEAT).u8(4).u32(h.maxRepeat);
  if (clockText) w.u8(HelloExt.CLOCK).u8(4 + clockText.length).u32(h.clock!.hz).bytes(clockText);
  if (h.stack) w.u8(HelloExt.STACK).u8(8).u32(h.stack.bytes).u32(h.stack.used);
  return w.buf;
}

// ---- WRITE / READ / CRC ----

export function writeRequest(offset: number, data: Uint8Array): Uint8Array {
  return new Writer(4 + data.length).u32(offset).bytes(data).buf;
}

export function parseWriteReply(payload: Uint8Array): { offset: number; length: number } {
  const r = new Reader(payload, 'WRITE reply');
  return { offset: r.u32('offset'), length: r.u32('length') };
}

/** READ and CRC requests share this payload. */
export function regionRequest(offset: number, length: number): Uint8Array {
  return new Writer(8).u32(offset).u32(length).buf;
}

export function parseCrcReply(payload: Uint8Array): number {
  return new Reader(payload, 'CRC reply').u32('crc');
}

// ---- RUN ----

export interface RunParams {
  kernelId: number;
  nCores: number;
  split: number;
  shape: { S: number; E: number; P: number; H: number; T?: number };
  rq: Array<[number, number]>;
  consts: number[];
  repeat: number;
  inputOffsets: number[];
  outputOffset: number;
  scratchOffset: number;
  scratchBytes: number;
}

export function runRequest(p: RunParams): Uint8Array {
  if (p.rq.length > MAX_RQ) throw new RangeError(`rq has ${p.rq.length} pairs, max ${MAX_RQ}`);
  if (p.consts.length > MAX_CONSTS) throw new RangeError(`consts has ${p.consts.length} values, max ${MAX_CONSTS}`);
  const n = p.inputOffsets.length;
  const w = new Writer(4 + 5 * 4 + MAX_RQ * 8 + MAX_CONSTS * 4 + 4 + n * 4 + 12);
  w.u8(p.kernelId).u8(p.nCores).u8(p.split).u8(n);
  const s = p.shape;
  w.u32(s.S).u32(s.E).u32(s.P).u32(s.H).u32(s.T ?? 0);
  for (let i = 0; i < MAX_RQ; i++) {
    const [mul, div] = p.rq[i] ?? [0, 0];
    w.i32(mul).i32(div);
  }
  for (let i = 0; i < MAX_CONSTS; i++) w.i32(p.consts[i] ?? 0);
  w.u32(p.repeat);
  for (const off of p.inputOffsets) w.u32(off);
  w.u32(p.outputOffset).u32(p.scratchOffset).u32(p.scratchBytes);
  return w.buf;
}

/** Decodes a RUN request (used by fake boards in tests). */
export function parseRunRequest(payload: Uint8Array): RunParams {
  const r = new Reader(payload, 'RUN request');
  const kernelId = r.u8('kernel id');
  const nCores = r.u8('n_cores');
  const split = r.u8('split');
  const n = r.u8('n_inputs');
  const shape = { S: r.u32('S'), E: r.u32('E'), P: r.u32('P'), H: r.u32('H'), T: r.u32('T') };
  const rq: Array<[number, number]> = [];
  const i32 = (f: string) => r.u32(f) | 0;
  for (let i = 0; i < MAX_RQ; i++) rq.push([i32(`rq${i} mul`), i32(`rq${i} div`)]);
  const consts: number[] = [];
  for (let i = 0; i < MAX_CONSTS; i++) consts.push(i32(`const ${i}`));
  const repeat = r.u32('repeat');
  const inputOffsets: number[] = [];
  for (let i = 0; i < n; i++) inputOffsets.push(r.u32(`input ${i} offset`));
  const outputOffset = r.u32('output offset');
  const scratchOffset = r.u32('scratch offset');
  const scratchBytes = r.u32('scratch bytes');
  if (r.rest !== 0) throw new ProtocolError(`RUN request has ${r.rest} trailing bytes`);
  return { kernelId, nCores, split, shape, rq, consts, repeat, inputOffsets, outputOffset, scratchOffset, scratchBytes };
}

export interface RunReply {
  status: number;
  nCores: number;
  repeat: number;
  /** One run (total / repeat). */
  counter: number;
  outputBytes: number;
  outputCrc: number;
  perCore: number[];
  /** Per-core wait at barriers and the critical path (boards that measure them: flag RUN_WAITS). */
  perCoreWait?: number[];
  criticalPath?: number;
}

export function parseRunReply(payload: Uint8Array, what = 'RUN reply'): RunReply {
  const r = new Reader(payload, what);
  const status = r.u8('th_status');
  const nCores = r.u8('n_cores');
  const flags = r.u16('flags');
  if (flags & ~RUN_WAITS) throw new ProtocolError(`${what}: unknown flags 0x${flags.toString(16)}`);
  const repeat = r.u32('repeat');
  const counter = r.u64('counter');
  const outputBytes = r.u32('output bytes');
  const outputCrc = r.u32('output crc');
  const perCore: number[] = [];
  for (let i = 0; i < nCores; i++) perCore.push(r.u64(`core ${i} counter`));
  const reply: RunReply = { status, nCores, repeat, counter, outputBytes, outputCrc, perCore };
  if (flags & RUN_WAITS) {
    reply.perCoreWait = [];
    for (let i = 0; i < nCores; i++) reply.perCoreWait.push(r.u64(`core ${i} wait`));
    reply.criticalPath = r.u64('critical path');
  }
  if (r.rest !== 0) throw new ProtocolError(`${what} has ${r.rest} trailing bytes`);
  return reply;
}

// ---- GRAPH ----

/**
 * A GRAPH request: `nodes` run in order on the board, the whole list `repeat` times.
 * Each node is a RUN request whose own repeat must be 1 (it is sent as 1 when omitted here).
 */
export interface GraphParams {
  nodes: Array<Omit<RunParams, 'repeat'> & { repeat?: number }>;
  repeat: number;
}

/** Decoded GRAPH reply: the whole list's counter and one RUN-reply-shaped entry per node run. */
export interface GraphReply {
  /** 0, or the th_status of the node that refused (the list stopped there). */
  status: number;
  repeat: number;
  /** One pass of the whole list (counter read before the first node and after the last, CRC time excluded). */
  counter: number;
  /** One entry per node that ran, in order: counter, per-core counters, output bytes and CRC-32. */
  nodes: RunReply[];
}

export function graphRequest(g: GraphParams): Uint8Array {
  if (g.nodes.length < 1 || g.nodes.length > GRAPH_MAX_NODES) {
    throw new RangeError(`GRAPH carries 1..${GRAPH_MAX_NODES} nodes, got ${g.nodes.length}`);
  }
  const parts = g.nodes.map((n) => runRequest({ ...n, repeat: n.repeat ?? 1 }));
  const w = new Writer(GRAPH_HDR_BYTES + parts.reduce((a, b) => a + b.length, 0));
  w.u8(g.nodes.length).u8(0).u16(0).u32(g.repeat);
  for (const b of parts) w.bytes(b);
  return w.buf;
}

/** Decodes a GRAPH request (fake boards in tests); each node is checked to end where the next starts. */
export function parseGraphRequest(payload: Uint8Array): GraphParams & { reserved: number } {
  const r = new Reader(payload, 'GRAPH request');
  const n = r.u8('n_nodes');
  const reserved = r.u8('reserved') | (r.u16('reserved') << 8);
  const repeat = r.u32('repeat');
  const nodes: RunParams[] = [];
  for (let i = 0; i < n; i++) {
    const at = r.pos;
    if (r.rest < 4) throw new ProtocolError(`GRAPH request truncated at node ${i}`);
    const len = 100 + 4 * payload[at + 3];
    nodes.push(parseRunRequest(r.bytes(len, `node ${i}`)));
  }
  if (r.rest !== 0) throw new ProtocolError(`GRAPH request has ${r.rest} trailing bytes`);
  return { nodes, repeat, reserved };
}

export function parseGraphReply(payload: Uint8Array, what = 'GRAPH reply'): GraphReply {
  const r = new Reader(payload, what);
  const status = r.u8('status');
  const n = r.u8('n_nodes');
  r.u16('reserved');
  const repeat = r.u32('repeat');
  const counter = r.u64('counter');
  const nodes: RunReply[] = [];
  for (let i = 0; i < n; i++) {
    const at = r.pos;
    const cores = r.rest >= 2 ? payload[at + 1] : 0;
    nodes.push(parseRunReply(r.bytes(24 + 8 * cores, `node ${i} entry`), `${what} node ${i}`));
  }
  if (r.rest !== 0) throw new ProtocolError(`${what} has ${r.rest} trailing bytes`);
  return { status, repeat, counter, nodes };
}

export function buildGraphReply(g: GraphReply): Uint8Array {
  const entries = g.nodes.map(buildRunReply);
  const w = new Writer(16 + entries.reduce((a, b) => a + b.length, 0));
  w.u8(g.status).u8(g.nodes.length).u16(0).u32(g.repeat).u64(g.counter);
  for (const e of entries) w.bytes(e);
  return w.buf;
}

export function buildRunReply(r: RunReply): Uint8Array {
  const waits = r.perCoreWait !== undefined;
  const w = new Writer(24 + 8 * r.perCore.length + (waits ? 8 * r.perCore.length + 8 : 0));
  w.u8(r.status).u8(r.perCore.length).u16(waits ? RUN_WAITS : 0).u32(r.repeat).u64(r.counter).u32(r.outputBytes).u32(r.outputCrc);
  for (const c of r.perCore) w.u64(c);
  if (waits) {
    if (r.perCoreWait!.length !== r.perCore.length) throw new RangeError(`buildRunReply: ${r.perCoreWait!.length} waits for ${r.perCore.length} cores`);
    for (const c of r.perCoreWait!) w.u64(c);
    w.u64(r.criticalPath ?? 0);
  }
  return w.buf;
}

// ---- FAULT (board -> host) ----

export interface FaultInfo {
  /** ARMv7-M exception number: 3 HardFault, 4 MemManage, 5 BusFault, 6 UsageFault. */
  exception: number;
  arch: 'armv7m' | 'riscv' | number;
  /** Kernel running when it faulted, or null. */
  kernelId: number | null;
  kernel: string | null;
  pc: number; lr: number; psr: number; cfsr: number; hfsr: number; mmfar: number; bfar: number; sp: number;
}

export function parseFault(payload: Uint8Array): FaultInfo {
  const r = new Reader(payload, 'FAULT frame');
  const exception = r.u8('exception');
  const archCode = r.u8('arch');
  const kid = r.u16('kernel id');
  const f = { pc: r.u32('pc'), lr: r.u32('lr'), psr: r.u32('xpsr'), cfsr: r.u32('cfsr'), hfsr: r.u32('hfsr'), mmfar: r.u32('mmfar'), bfar: r.u32('bfar'), sp: r.u32('sp') };
  const name = r.str('kernel name');
  if (r.rest !== 0) throw new ProtocolError(`FAULT frame has ${r.rest} trailing bytes`);
  const arch = archCode === 0 ? 'armv7m' : archCode === 1 ? 'riscv' : archCode;
  return { exception, arch, kernelId: kid === 0xffff ? null : kid, kernel: kid === 0xffff ? null : name, ...f };
}

export function buildFault(f: FaultInfo): Uint8Array {
  const name = Buffer.from(f.kernel ?? '', 'latin1');
  const arch = f.arch === 'armv7m' ? 0 : f.arch === 'riscv' ? 1 : f.arch;
  return new Writer(36 + 1 + name.length)
    .u8(f.exception).u8(arch).u16(f.kernelId ?? 0xffff)
    .u32(f.pc).u32(f.lr).u32(f.psr).u32(f.cfsr).u32(f.hfsr).u32(f.mmfar).u32(f.bfar).u32(f.sp)
    .str(f.kernel ?? '').buf;
}

// ---- CALIBRATE ----

export interface CalibReply { n: number; d0: number; dn: number }

export function parseCalibReply(payload: Uint8Array): CalibReply {
  const r = new Reader(payload, 'CALIBRATE reply');
  const out = { n: r.u32('n'), d0: r.u64('d0'), dn: r.u64('dn') };
  if (r.rest !== 0) throw new ProtocolError(`CALIBRATE reply has ${r.rest} trailing bytes`);
  return out;
}

// ---- ERROR ----

export function parseError(payload: Uint8Array): BoardError {
  const r = new Reader(payload, 'ERROR reply');
  const code = r.u8('code');
  const requestType = r.u8('request type');
  const sub = r.u8('sub-code');
  r.u8('reserved');
  const detail = r.u32('detail');
  const text = Buffer.from(r.bytes(r.rest, 'message')).toString('latin1');
  return new BoardError(code, requestType, detail, text, sub);
}

export function buildError(code: number, requestType: number, detail: number, text: string, sub = 0): Uint8Array {
  const t = Buffer.from(text, 'latin1');
  return new Writer(8 + t.length).u8(code).u8(requestType).u8(sub).u8(0).u32(detail).bytes(t).buf;
}
