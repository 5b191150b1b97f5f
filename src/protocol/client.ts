// ProtocolClient: one outstanding request over a Transport, with retries, resync and BOOT handling.

import { EventEmitter } from 'node:events';
import type { Transport } from '../transport/types';
import { CobsDecoder } from './cobs';
import { crc32 } from './crc32';
import { DEFAULT_MAX_FRAME, ErrorCode, MIN_MAX_FRAME, FRAME_OVERHEAD, MAX_SEQ, MsgType, WRITE_HDR_BYTES, REPLY_BIT, msgTypeName } from './constants';
import { faultMessage } from './fault';
import { BoardFaultError, BoardResetError, LinkClosedError, LinkReopenedError, LinkTimeoutError, ProtocolError, RunAbortedError, VerifyError } from './errors';
import { ChunkSizer, RttEstimator } from './linefit';
import {
  CalibReply,
  FaultInfo,
  Frame,
  GraphParams,
  GraphReply,
  HelloInfo,
  RunParams,
  RunReply,
  buildFrame,
  encodeFrame,
  graphRequest,
  helloRequest,
  parseCrcReply,
  parseCalibReply,
  parseError,
  parseFault,
  parseFrame,
  parseGraphReply,
  parseHello,
  parseRunReply,
  parseWriteReply,
  regionRequest,
  runRequest,
  writeRequest,
} from './frame';

export interface ClientOptions {
  /** Longest wait for one reply, ms (default 1000); once round trips are measured the wait adapts below it. */
  timeoutMs?: number;
  /** Longest wait for one RUN reply, ms (default 30000). */
  runTimeoutMs?: number;
  /** Shortest adaptive wait for a reply, ms (default 50: event-loop stalls on a loaded host stay below it). */
  minTimeoutMs?: number;
  /** How long one request keeps being resent without a valid reply, ms (default 20000; RUN: plus runTimeoutMs). */
  budgetMs?: number;
  /** Also stop after this many resends (default: no count, the time budget decides). */
  retries?: number;
  /** Pause before resending after the third corrupted reply in a row, ms; doubles up to 8x while corruption repeats (default 2). */
  backoffMs?: number;
  /** Largest frame the host offers in HELLO (default 4096). */
  hostMaxFrame?: number;
  /** Largest WRITE/READ data per frame, below what the frame allows (the limit adapts below it). */
  maxChunk?: number;
  /** Smallest WRITE/READ data per frame the adaptation goes down to (default 16). */
  minChunk?: number;
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
  /** Times the transport was reopened under the client. */
  reopens: number;
  /** Wire bytes written and received. */
  bytesOut: number;
  bytesIn: number;
}

type Event = { kind: 'reply'; frame: Frame } | { kind: 'corrupt' } | { kind: 'timeout' };

interface Pending {
  seq: number;
  type: number;
  events: Event[];
  notify: (() => void) | null;
  fail: Error | null;
  /** abort() was called for it: ABORT sent (and resent by abort()), the request itself never resent. */
  aborting?: boolean;
  /** Resolves when the exchange ends (reply, error, close). */
  settled?: Promise<void>;
}

/** Requests a board stops on ABORT (RUN between repeats, GRAPH between nodes). */
const ABORTABLE = new Set<number>([MsgType.RUN, MsgType.GRAPH]);
/** Requests whose reply waits for kernels: their own timeout on top of the budget, and no line timing. */
const RUNS_KERNELS = new Set<number>([MsgType.RUN, MsgType.GRAPH]);
/** ABORT resend period while its RUN has not answered. */
const ABORT_RESEND_MS = 200;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Internal: a WRITE/READ frame is much longer than the line carries now; the caller re-chunks. */
class Oversized extends Error {}

interface ExchangeOptions {
  /** Data bytes of a WRITE/READ frame: its outcome adapts the chunk size, and it may be abandoned to be split. */
  chunk?: number;
  /** The frame is as long as the limits allow (not the short tail of a transfer). */
  full?: boolean;
  /** Reply payload bytes expected (READ), for the adaptive timeout. */
  replyBytes?: number;
}

export class ProtocolClient extends EventEmitter {
  /** Negotiated max frame (decoded bytes); 256 until HELLO. */
  maxFrame = DEFAULT_MAX_FRAME;
  /** Bumped on every BOOT frame: arena contents from before are gone. */
  resetCount = 0;
  /** The last FAULT frame the board sent, if any. */
  lastFault: FaultInfo | null = null;
  /** Board name for fault messages (RemoteBoard sets it after HELLO). */
  boardName = 'board';
  readonly stats: ClientStats = { requests: 0, resends: 0, timeouts: 0, corrupt: 0, ignored: 0, boots: 0, reopens: 0, bytesOut: 0, bytesIn: 0 };
  readonly opts: Required<ClientOptions>;
  /** Data bytes per WRITE/READ frame, adapted to the line (linefit.ts). */
  readonly chunks: ChunkSizer;
  /** Reply-time estimate behind the adaptive timeout. */
  readonly rtt: RttEstimator;
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
      minTimeoutMs: opts.minTimeoutMs ?? 50,
      budgetMs: opts.budgetMs ?? 20000,
      retries: opts.retries ?? Infinity,
      backoffMs: opts.backoffMs ?? 2,
      hostMaxFrame: opts.hostMaxFrame ?? 4096,
      maxChunk: opts.maxChunk ?? Infinity,
      minChunk: opts.minChunk ?? 16,
    };
    if (!(this.opts.hostMaxFrame >= MIN_MAX_FRAME)) {
      throw new RangeError(`hostMaxFrame ${this.opts.hostMaxFrame} is below the protocol minimum ${MIN_MAX_FRAME}`);
    }
    if (!(this.opts.maxChunk >= 1)) throw new RangeError(`maxChunk ${this.opts.maxChunk} must be at least 1`);
    if (!(this.opts.minChunk >= 1)) throw new RangeError(`minChunk ${this.opts.minChunk} must be at least 1`);
    this.chunks = new ChunkSizer(Math.min(this.opts.minChunk, this.opts.maxChunk), this.opts.maxChunk);
    this.rtt = new RttEstimator(Math.min(this.opts.minTimeoutMs, this.opts.timeoutMs), this.opts.timeoutMs);
    // Accept anything up to what we offer; the board never sends more than the negotiated size.
    this.decoder = new CobsDecoder(
      Math.max(this.opts.hostMaxFrame, DEFAULT_MAX_FRAME),
      (f) => this.onBlock(f),
      () => this.corrupt(),
    );
    transport.onData((chunk) => {
      this.stats.bytesIn += chunk.length;
      this.decoder.push(chunk);
    });
    transport.onClose((err) => this.onClosed(err));
    transport.onReopen?.(() => this.onReopened());
  }

  /** Data bytes per READ frame now: the frame limit and what the line carries. */
  get chunkLimit(): number {
    return Math.min(this.chunks.limit, this.maxFrame - FRAME_OVERHEAD);
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
    if (f.type === MsgType.FAULT) return this.onFault(f);
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

  /** The board faulted (its handler sent FAULT and resets; BOOT follows): fail the pending request. */
  private onFault(f: Frame): void {
    let fault: FaultInfo;
    try {
      fault = parseFault(f.payload);
    } catch (e) {
      this.stats.ignored++;
      this.emit('garbled-fault', e);
      return;
    }
    this.lastFault = fault;
    const pend = this.pending;
    if (pend && !pend.fail) {
      pend.fail = new BoardFaultError(fault, faultMessage(fault, this.boardName));
      pend.notify?.();
    }
    this.emit('fault', fault);
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

  /** The transport reconnected: whoever answers now may be a new board (arena gone, max_frame 256). */
  private onReopened(): void {
    this.stats.reopens++;
    this.maxFrame = DEFAULT_MAX_FRAME;
    const pend = this.pending;
    if (pend && !pend.fail) {
      pend.fail = new LinkReopenedError(msgTypeName(pend.type), this.description);
      pend.notify?.();
    }
    this.emit('reopen');
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
    return this.queue(type, payload, timeoutMs, {});
  }

  private queue(type: number, payload: Uint8Array, timeoutMs: number | undefined, x: ExchangeOptions): Promise<Frame> {
    const run = () => this.exchange(type, payload, timeoutMs ?? (type === MsgType.RUN || type === MsgType.GRAPH ? this.opts.runTimeoutMs : this.opts.timeoutMs), x);
    const r = this.chain.then(run, run);
    this.chain = r.catch(() => undefined);
    return r;
  }

  private async send(data: Uint8Array): Promise<void> {
    this.stats.bytesOut += data.length;
    await this.transport.write(data);
  }

  /**
   * One request until a valid reply: resent (same seq, after a 0x00 flush) at once after a corrupted
   * reply or a BAD_CRC error, after an adaptive timeout (doubling while replies stay away) when
   * nothing comes; given up when `budgetMs` passes without a valid reply. The board answers a
   * resent request from its reply cache, so a resend never runs anything twice.
   */
  private async exchange(type: number, payload: Uint8Array, maxWait: number, x: ExchangeOptions): Promise<Frame> {
    if (this.closedErr) throw this.closedErr;
    const name = msgTypeName(type);
    const size = buildFrame(type, 0, payload).length;
    if (size > this.maxFrame) {
      throw new RangeError(`${name} frame of ${size} bytes exceeds the negotiated max frame ${this.maxFrame}`);
    }
    const seq = this.nextSeq();
    const wire = encodeFrame(type, seq, payload);
    const p: Pending = { seq, type, events: [], notify: null, fail: null };
    let settle = (): void => undefined;
    p.settled = new Promise<void>((r) => (settle = r));
    this.pending = p;
    this.stats.requests++;
    const started = Date.now();
    const budget = this.opts.budgetMs + (RUNS_KERNELS.has(type) ? maxWait : 0);
    const expect = wire.length + 2 * FRAME_OVERHEAD + 12 + (x.replyBytes ?? 16);
    let wait = Math.min(maxWait, this.rtt.timeout(expect));
    let tries = 0;
    let corruptRun = 0;
    let tooLarge = 0;
    let failures = 0;
    const failed = () => {
      // A full frame's failure speaks for the limit; a shorter tail's only once it fails again.
      if (x.chunk !== undefined && (x.full || ++failures >= 2)) this.chunks.failed(x.chunk);
    };
    try {
      for (;;) {
        if (p.aborting) {
          // abort() resends ABORT, which the board answers with this request's reply: never resend
          // the request itself (a RUN the board never got would start).
          const e = await this.next(p, ABORT_RESEND_MS);
          if (e.kind === 'reply') {
            const got = this.accept(p, e.frame, size, () => ++tooLarge);
            if (got) return got;
          }
          continue;
        }
        if (tries > 0) {
          if (corruptRun > 2) {
            // Damage keeps coming: pause a little (a valid reply behind the garbage still counts). The
            // first two resends go at once: a late reply to any try of this seq is accepted anyway.
            const until = Date.now() + Math.min(wait, this.opts.backoffMs * 2 ** Math.min(corruptRun - 3, 3));
            for (let left = until - Date.now(); left > 0; left = until - Date.now()) {
              const e = await this.next(p, left);
              if (e.kind === 'reply') {
                const got = this.accept(p, e.frame, size, () => ++tooLarge);
                if (got) return got;
              }
              if (e.kind === 'timeout') break;
            }
            p.events = p.events.filter((e) => e.kind === 'reply');
          }
          if (x.chunk !== undefined && this.chunks.oversized(x.chunk)) throw new Oversized();
          const spent = Date.now() - started;
          if (tries > this.opts.retries || spent >= budget) {
            throw new LinkTimeoutError(name, tries, this.description, Number.isFinite(this.opts.retries) ? undefined : spent);
          }
          this.stats.resends++;
          await this.send(Uint8Array.of(0));
        }
        tries++;
        const sentAt = Date.now();
        this.emit('send', type, seq, tries - 1);
        await this.send(wire);
        const e = await this.next(p, Math.max(1, Math.min(wait, budget - (sentAt - started))));
        if (e.kind === 'timeout') {
          this.stats.timeouts++;
          corruptRun = 0;
          wait = Math.min(maxWait, wait * 2);
          failed();
          continue;
        }
        if (e.kind === 'corrupt') {
          corruptRun++;
          failed();
          continue;
        }
        const got = this.accept(p, e.frame, size, () => ++tooLarge);
        if (got) {
          if (tries === 1) {
            // Karn: only a first try's reply times the line; RUN/GRAPH replies time the kernels, not the line.
            if (!RUNS_KERNELS.has(type)) this.rtt.sample(Date.now() - sentAt, wire.length + got.payload.length + FRAME_OVERHEAD + 2);
            if (x.chunk !== undefined && x.full) this.chunks.passed(x.chunk);
          }
          return got;
        }
        corruptRun++;
        failed();
      }
    } finally {
      if (this.pending === p) this.pending = null;
      settle();
    }
  }

  /**
   * Stops the RUN in flight: sends ABORT with its seq (after a 0x00), resent every 200 ms, until
   * the RUN settles or waitMs pass (then the RUN fails with RunAbortedError without its reply).
   * The RUN's own promise rejects with RunAbortedError (completed repeats), or resolves when its
   * reply won the race. Returns false when no RUN was in flight.
   */
  async abort(waitMs = 1000): Promise<boolean> {
    const p = this.pending;
    if (!p || !ABORTABLE.has(p.type) || this.closedErr) return false;
    p.aborting = true;
    const wire = encodeFrame(MsgType.ABORT, p.seq);
    const frame = new Uint8Array(wire.length + 1); // 0x00 first: flushes the board's decoder
    frame.set(wire, 1);
    let over = false;
    void p.settled!.then(() => (over = true));
    const end = Date.now() + waitMs;
    while (!over && !this.closedErr && Date.now() < end) {
      this.emit('send', MsgType.ABORT, p.seq, 0);
      await this.send(frame).catch(() => undefined);
      await Promise.race([p.settled, sleep(Math.min(ABORT_RESEND_MS, Math.max(0, end - Date.now())))]);
    }
    if (!over && !p.fail) {
      p.fail = new RunAbortedError(0, `${msgTypeName(p.type)}: no reply to ABORT within ${waitMs} ms (the board may still be running it)`, p.type);
      p.notify?.();
    }
    await p.settled;
    return true;
  }

  /**
   * The reply to p; null for TOO_LARGE of merged frames (a lost delimiter: resend); else throws.
   * TOO_LARGE naming our own frame's length, three times, means the board's max_frame shrank
   * (it restarted and its BOOT was lost): thrown, so the caller says HELLO again.
   */
  private accept(p: Pending, f: Frame, size: number, countTooLarge: () => number): Frame | null {
    if (f.type === (p.type | REPLY_BIT)) return f;
    if (f.type === MsgType.ERROR) {
      const err = parseError(f.payload);
      if (err.code === ErrorCode.TOO_LARGE && (err.detail !== size || countTooLarge() < 3)) return null;
      if (err.code === ErrorCode.ABORTED) throw new RunAbortedError(err.detail, err.text, err.requestType);
      throw err;
    }
    if (f.type === (MsgType.ABORT | REPLY_BIT) && p.aborting) {
      // The board has nothing under this seq: the RUN never reached it.
      throw new RunAbortedError(0, `${msgTypeName(p.type)} aborted: the board was not running it`, p.type);
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

  /** Data bytes one WRITE (hdr = 4) or READ (hdr = 0) frame carries now: the frame limit, and what the line carries. */
  private chunkFor(hdr: number): number {
    return Math.max(1, Math.min(this.maxFrame - FRAME_OVERHEAD - hdr, Math.floor(this.chunks.limit)));
  }

  /** Writes bytes at offset in frames that fit the negotiated size and the line, then checks the CRC of the whole region. */
  async write(offset: number, data: Uint8Array, verify = true): Promise<void> {
    for (let at = 0; at < data.length; ) {
      const full = this.chunkFor(WRITE_HDR_BYTES);
      const n = Math.min(full, data.length - at);
      const part = data.subarray(at, at + n);
      let f: Frame;
      try {
        f = await this.queue(MsgType.WRITE, writeRequest(offset + at, part), undefined, { chunk: n, full: n === full });
      } catch (e) {
        if (e instanceof Oversized) continue; // the same bytes again, in shorter frames (WRITE is idempotent)
        throw e;
      }
      const r = parseWriteReply(f.payload);
      if (r.offset !== offset + at || r.length !== part.length) {
        throw new ProtocolError(`WRITE reply says ${r.length} bytes at ${r.offset}, sent ${part.length} at ${offset + at}`);
      }
      at += n;
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

  /** Reads len bytes at offset in replies that fit the negotiated size and the line (each frame CRC-checked). */
  async read(offset: number, len: number): Promise<Uint8Array> {
    const out = new Uint8Array(len);
    for (let at = 0; at < len; ) {
      const full = this.chunkFor(0);
      const n = Math.min(full, len - at);
      let f: Frame;
      try {
        f = await this.queue(MsgType.READ, regionRequest(offset + at, n), undefined, { chunk: n, full: n === full, replyBytes: n });
      } catch (e) {
        if (e instanceof Oversized) continue;
        throw e;
      }
      if (f.payload.length !== n) {
        throw new ProtocolError(`READ of ${n} bytes at ${offset + at} returned ${f.payload.length}`);
      }
      out.set(f.payload, at);
      at += n;
    }
    return out;
  }

  /** Halves the data per WRITE/READ frame (not below `min`), e.g. after a transfer that failed outright. Returns the new limit. */
  shrinkChunks(min = this.chunks.min): number {
    const now = Math.min(this.chunks.limit, this.maxFrame - FRAME_OVERHEAD);
    this.chunks.limit = Math.max(min, Math.floor(now / 2));
    return this.chunks.limit;
  }

  async crc(offset: number, len: number): Promise<number> {
    const f = await this.request(MsgType.CRC, regionRequest(offset, len));
    return parseCrcReply(f.payload);
  }

  async run(p: RunParams, timeoutMs?: number): Promise<RunReply> {
    const f = await this.request(MsgType.RUN, runRequest(p), timeoutMs);
    return parseRunReply(f.payload);
  }

  /**
   * GRAPH: runs `nodes` (RUN parameters with arena offsets; tensors already written) in order
   * on the board in one request, the whole list `repeat` times (default 1), and returns the
   * list's counter and each node's counters and output CRC-32 (taken right after that node ran).
   * A bad node is refused before anything runs: BoardError BAD_GRAPH with `node` = its index
   * and `nodeCodeName` = what a RUN of it would have got. Timeout: the RUN timeout.
   */
  async runGraph(nodes: GraphParams['nodes'], repeat = 1, timeoutMs?: number): Promise<GraphReply> {
    const f = await this.request(MsgType.GRAPH, graphRequest({ nodes, repeat }), timeoutMs);
    const r = parseGraphReply(f.payload);
    if (r.nodes.length > nodes.length || (r.status === 0 && r.nodes.length !== nodes.length)) {
      throw new ProtocolError(`GRAPH reply has ${r.nodes.length} node entries for ${nodes.length} nodes (status ${r.status})`);
    }
    return r;
  }

  /** CALIBRATE: counter deltas around the board's known-length loop with 0 and n iterations. */
  async calibrate(n: number): Promise<CalibReply> {
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`calibrate: n ${n} is not a u32`);
    const payload = new Uint8Array(4);
    new DataView(payload.buffer).setUint32(0, n, true);
    const f = await this.request(MsgType.CALIBRATE, payload, this.opts.runTimeoutMs);
    return parseCalibReply(f.payload);
  }

  /** TEST_FAULT (test firmware only): kind 1 bus error, 2 undefined instruction, 3 divide by zero,
   * 4 stack overflow; `inNextRun` arms it inside the next RUN's kernel, else it faults now (no reply:
   * the returned promise rejects with BoardFaultError). */
  async testFault(kind: number, inNextRun: boolean): Promise<void> {
    await this.request(MsgType.TEST_FAULT, Uint8Array.of(kind, inNextRun ? 1 : 0));
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
