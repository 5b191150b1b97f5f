// ProtocolClient: one outstanding request over a Transport, with retries, resync and BOOT handling.

import { EventEmitter } from 'node:events';
import type { Transport } from '../transport/types';
import { CobsDecoder } from './cobs';
import { crc32 } from './crc32';
import { DEFAULT_MAX_FRAME, ErrorCode, MIN_MAX_FRAME, FRAME_OVERHEAD, MAX_SEQ, MsgType, WRITE_HDR_BYTES, REPLY_BIT, msgTypeName } from './constants';
import { BoardError, BoardResetError, LinkClosedError, LinkTimeoutError, ProtocolError, VerifyError } from './errors';
import {
  Frame,
  HelloInfo,
  RunParams,
  RunReply,
  buildFrame,
  encodeFrame,
  helloRequest,
  parseCrcReply,
  parseError,
  parseFrame,
  parseHello,
  parseRunReply,
  parseWriteReply,
  regionRequest,
  runRequest,
  writeRequest,
} from './frame';

export interface ClientOptions {
  /** Per-try reply timeout, ms (default 1000). */
  timeoutMs?: number;
  /** Per-try reply timeout of RUN, ms (default 30000). */
  runTimeoutMs?: number;
  /** Resends of the same frame after the first try (default 5). */
  retries?: number;
  /** First back-off before a resend, ms; doubles each resend (default 10). */
  backoffMs?: number;
  /** Largest frame the host offers in HELLO (default 4096). */
  hostMaxFrame?: number;
  /** Largest WRITE/READ data per frame, below what the frame allows (lossy links: shorter frames survive). */
  maxChunk?: number;
}

export interface ClientStats {
  requests: number;
  resends: number;
  timeouts: number;
  /** Blocks dropped: malformed COBS, oversize, bad CRC, too short. */
  corrupt: number;
  /** Valid frames ignored: wrong seq (late duplicates) or unsolicited. */
  ignored: number;
  boots: number;
}

type Event = { kind: 'reply'; frame: Frame } | { kind: 'corrupt' } | { kind: 'timeout' };

interface Pending {
  seq: number;
  type: number;
  events: Event[];
  notify: (() => void) | null;
  fail: Error | null;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class ProtocolClient extends EventEmitter {
  /** Negotiated max frame (decoded bytes); 256 until HELLO. */
  maxFrame = DEFAULT_MAX_FRAME;
  /** Bumped on every BOOT frame: arena contents from before are gone. */
  resetCount = 0;
  readonly stats: ClientStats = { requests: 0, resends: 0, timeouts: 0, corrupt: 0, ignored: 0, boots: 0 };
  readonly opts: Required<ClientOptions>;
  /** Data bytes per WRITE/READ frame at most (on top of the frame limit); see shrinkChunks(). */
  chunkLimit: number;
  private seq = 0;
  private pending: Pending | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private closedErr: Error | null = null;
  private decoder: CobsDecoder;

  constructor(
    readonly transport: Transport,
    opts: ClientOptions = {},
  ) {
    super();
    this.opts = {
      timeoutMs: opts.timeoutMs ?? 1000,
      runTimeoutMs: opts.runTimeoutMs ?? 30000,
      retries: opts.retries ?? 5,
      backoffMs: opts.backoffMs ?? 10,
      hostMaxFrame: opts.hostMaxFrame ?? 4096,
      maxChunk: opts.maxChunk ?? Infinity,
    };
    if (!(this.opts.hostMaxFrame >= MIN_MAX_FRAME)) {
      throw new RangeError(`hostMaxFrame ${this.opts.hostMaxFrame} is below the protocol minimum ${MIN_MAX_FRAME}`);
    }
    if (!(this.opts.maxChunk >= 1)) throw new RangeError(`maxChunk ${this.opts.maxChunk} must be at least 1`);
    this.chunkLimit = this.opts.maxChunk;
    // Accept anything up to what we offer; the board never sends more than the negotiated size.
    this.decoder = new CobsDecoder(
      Math.max(this.opts.hostMaxFrame, DEFAULT_MAX_FRAME),
      (f) => this.onBlock(f),
      () => this.corrupt(),
    );
    transport.onData((chunk) => this.decoder.push(chunk));
    transport.onClose((err) => this.onClosed(err));
  }

  get description(): string {
    return this.transport.description;
  }

  // ---- receiving ----

  private onBlock(dec: Uint8Array): void {
    const p = parseFrame(dec);
    if (!p.ok) return this.corrupt();
    const f = p.frame;
    if (f.type === MsgType.BOOT) return this.onBoot(f);
    const pend = this.pending;
    if (f.type === MsgType.ERROR && f.payload[0] === ErrorCode.BAD_CRC) {
      // The board saw a corrupted frame; its seq may be garbage too. Resend (idempotent).
      return this.corrupt();
    }
    if (!pend || f.seq !== pend.seq) {
      this.stats.ignored++;
      return;
    }
    this.push(pend, { kind: 'reply', frame: f });
  }

  /** Resend the pending request now instead of at its timeout (e.g. the link was just re-attached). */
  nudge(): void {
    if (this.pending) this.push(this.pending, { kind: 'corrupt' });
  }

  private corrupt(): void {
    this.stats.corrupt++;
    if (this.pending) this.push(this.pending, { kind: 'corrupt' });
  }

  private onBoot(f: Frame): void {
    this.stats.boots++;
    this.resetCount++;
    this.maxFrame = DEFAULT_MAX_FRAME;
    let info: HelloInfo | undefined;
    try {
      info = parseHello(f.payload, 'BOOT frame');
    } catch {
      info = undefined;
    }
    const pend = this.pending;
    // A pending HELLO survives: the reply can only come from the new board (the old one
    // would have answered before its BOOT), and a lost request is resent as usual.
    if (pend && !pend.fail && pend.type !== MsgType.HELLO) {
      pend.fail = new BoardResetError(msgTypeName(pend.type));
      pend.notify?.();
    }
    this.emit('reset', info);
  }

  private onClosed(err?: Error): void {
    if (this.closedErr) return;
    this.closedErr = new LinkClosedError(this.description, err);
    const pend = this.pending;
    if (pend && !pend.fail) {
      pend.fail = this.closedErr;
      pend.notify?.();
    }
    this.emit('close', err);
  }

  private push(p: Pending, e: Event): void {
    p.events.push(e);
    p.notify?.();
  }

  /** Next event for the pending request, or timeout after ms. Throws on reset/close. */
  private next(p: Pending, ms: number): Promise<Event> {
    return new Promise<Event>((resolve, reject) => {
      const take = () => {
        if (p.fail) return done(() => reject(p.fail));
        const e = p.events.shift();
        if (e) done(() => resolve(e));
      };
      const timer = setTimeout(() => done(() => resolve({ kind: 'timeout' })), ms);
      const done = (f: () => void) => {
        clearTimeout(timer);
        p.notify = null;
        f();
      };
      p.notify = take;
      take();
    });
  }

  // ---- sending ----

  private nextSeq(): number {
    this.seq = this.seq >= MAX_SEQ ? 1 : this.seq + 1;
    return this.seq;
  }

  /** Sends one request and returns its reply frame (never an ERROR: those throw BoardError). */
  request(type: number, payload: Uint8Array = new Uint8Array(0), timeoutMs?: number): Promise<Frame> {
    const run = () => this.exchange(type, payload, timeoutMs ?? (type === MsgType.RUN ? this.opts.runTimeoutMs : this.opts.timeoutMs));
    const r = this.chain.then(run, run);
    this.chain = r.catch(() => undefined);
    return r;
  }

  private async exchange(type: number, payload: Uint8Array, timeoutMs: number): Promise<Frame> {
    if (this.closedErr) throw this.closedErr;
    const name = msgTypeName(type);
    const size = buildFrame(type, 0, payload).length;
    if (size > this.maxFrame) {
      throw new RangeError(`${name} frame of ${size} bytes exceeds the negotiated max frame ${this.maxFrame}`);
    }
    const seq = this.nextSeq();
    const wire = encodeFrame(type, seq, payload);
    const p: Pending = { seq, type, events: [], notify: null, fail: null };
    this.pending = p;
    this.stats.requests++;
    try {
      let lastError: BoardError | null = null;
      for (let attempt = 0; attempt <= this.opts.retries; attempt++) {
        if (attempt > 0) {
          // Back off (a late reply still counts), then flush the board's decoder and resend.
          const waitUntil = Date.now() + this.opts.backoffMs * 2 ** (attempt - 1);
          for (let left = waitUntil - Date.now(); left > 0; left = waitUntil - Date.now()) {
            const e = await this.next(p, left);
            if (e.kind === 'reply') {
              const got = this.accept(p, e.frame);
              if (got) return got;
            }
            if (e.kind === 'timeout') break;
          }
          p.events = p.events.filter((e) => e.kind === 'reply');
          this.stats.resends++;
          await this.transport.write(Uint8Array.of(0));
        }
        this.emit('send', type, seq, attempt);
        await this.transport.write(wire);
        const e = await this.next(p, timeoutMs);
        if (e.kind === 'timeout') this.stats.timeouts++;
        if (e.kind !== 'reply') continue;
        const got = this.accept(p, e.frame);
        if (got) return got;
        lastError = parseError(e.frame.payload);
      }
      if (lastError) throw lastError;
      throw new LinkTimeoutError(name, this.opts.retries + 1, this.description);
    } finally {
      if (this.pending === p) this.pending = null;
    }
  }

  /** The reply to p; null for TOO_LARGE (merged frames after a lost delimiter: resend); else throws. */
  private accept(p: Pending, f: Frame): Frame | null {
    if (f.type === (p.type | REPLY_BIT)) return f;
    if (f.type === MsgType.ERROR) {
      const err = parseError(f.payload);
      if (err.code === ErrorCode.TOO_LARGE) return null;
      throw err;
    }
    throw new ProtocolError(`reply to ${msgTypeName(p.type)} seq ${p.seq} has type ${msgTypeName(f.type)}`);
  }

  // ---- typed requests ----

  /** HELLO: negotiates the max frame. A BOOT racing with it (board just started) is retried. */
  async hello(): Promise<HelloInfo> {
    for (let i = 0; ; i++) {
      try {
        const f = await this.request(MsgType.HELLO, helloRequest(this.opts.hostMaxFrame));
        const info = parseHello(f.payload);
        if (info.maxFrame < MIN_MAX_FRAME || info.maxFrame > this.opts.hostMaxFrame) {
          throw new ProtocolError(`board negotiated max frame ${info.maxFrame}, host offered ${this.opts.hostMaxFrame}`);
        }
        this.maxFrame = info.maxFrame;
        return info;
      } catch (e) {
        if (!(e instanceof BoardResetError) || i >= 2) throw e;
      }
    }
  }

  /** Writes bytes at offset in frames of the negotiated size, then checks the CRC of the whole region. */
  async write(offset: number, data: Uint8Array, verify = true): Promise<void> {
    const chunk = Math.min(this.maxFrame - FRAME_OVERHEAD - WRITE_HDR_BYTES, this.chunkLimit);
    for (let at = 0; at < data.length; at += chunk) {
      const part = data.subarray(at, Math.min(at + chunk, data.length));
      const f = await this.request(MsgType.WRITE, writeRequest(offset + at, part));
      const r = parseWriteReply(f.payload);
      if (r.offset !== offset + at || r.length !== part.length) {
        throw new ProtocolError(`WRITE reply says ${r.length} bytes at ${r.offset}, sent ${part.length} at ${offset + at}`);
      }
    }
    if (verify) {
      const want = crc32(data);
      const got = await this.crc(offset, data.length);
      if (got !== want) {
        throw new VerifyError(
          `WRITE of ${data.length} bytes at ${offset} did not verify: board CRC 0x${hex(got)}, host 0x${hex(want)}`,
        );
      }
    }
  }

  /** Reads len bytes at offset in frames of the negotiated size (each frame CRC-checked). */
  async read(offset: number, len: number): Promise<Uint8Array> {
    const out = new Uint8Array(len);
    const chunk = Math.min(this.maxFrame - FRAME_OVERHEAD, this.chunkLimit);
    for (let at = 0; at < len; at += chunk) {
      const n = Math.min(chunk, len - at);
      const f = await this.request(MsgType.READ, regionRequest(offset + at, n));
      if (f.payload.length !== n) {
        throw new ProtocolError(`READ of ${n} bytes at ${offset + at} returned ${f.payload.length}`);
      }
      out.set(f.payload, at);
    }
    return out;
  }

  /**
   * Halves the data per WRITE/READ frame (not below `min`): on a noisy link a long frame
   * rarely arrives intact, so after a failed transfer shorter frames get through. Returns the new limit.
   */
  shrinkChunks(min = 64): number {
    const now = Math.min(this.chunkLimit, this.maxFrame - FRAME_OVERHEAD);
    this.chunkLimit = Math.max(min, Math.floor(now / 2));
    return this.chunkLimit;
  }

  async crc(offset: number, len: number): Promise<number> {
    const f = await this.request(MsgType.CRC, regionRequest(offset, len));
    return parseCrcReply(f.payload);
  }

  async run(p: RunParams, timeoutMs?: number): Promise<RunReply> {
    const f = await this.request(MsgType.RUN, runRequest(p), timeoutMs);
    return parseRunReply(f.payload);
  }

  async counters(): Promise<RunReply> {
    const f = await this.request(MsgType.COUNTERS);
    return parseRunReply(f.payload, 'COUNTERS reply');
  }

  async reset(): Promise<void> {
    await this.request(MsgType.RESET);
  }

  async close(): Promise<void> {
    await this.transport.close();
  }
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}
