// LinkBoard: a board behind a link — the Board API over the link protocol (host-sim, QEMU, real boards), verified end to end.

import { crc32 } from '../protocol/crc32';
import { ProtocolClient, ClientOptions } from '../protocol/client';
import { CounterKindCode, ErrorCode, MsgType, SPLIT_HEADS, SPLIT_ROWS } from '../protocol/constants';
import { BoardError, BoardFaultError, BoardResetError, LinkReopenedError, LinkTimeoutError, ProtocolError, RunAbortedError, VerifyError } from '../protocol/errors';
import type { HelloInfo } from '../protocol/frame';
import type { Transport } from '../transport/types';
import { GraphNode, GraphNodeResult, GraphResult, chunkNodes, nodeParams, nodeResult } from './graph';
import { ArenaLayout, KernelCatalog, layoutArena, shapeText } from './layout';
import { checkCores, checkInputs, checkOnBoard, checkRepeat, checkRqConsts } from './requestChecks';
import type { Board, BoardInfo, CounterKind, RunRequest, RunResult } from './types';

export interface LinkBoardOptions extends ClientOptions {
  /** Name in BoardInfo (default: the name the board reports). */
  name?: string;
  /** Kernel sizes and scratch (default: src/native.ts). */
  catalog?: KernelCatalog;
  /** Whole-run attempts when the board resets or a request gets no answer mid-run (default 3); a reopened link does not count. */
  runAttempts?: number;
  /** Give up retrying a run after this long, ms, even on reopened links (default 60000). */
  runBudgetMs?: number;
  /** Called by close() after the link is closed (e.g. stops a host-sim it started). */
  onClose?: () => Promise<void>;
}

const COUNTER_KINDS: Record<number, CounterKind> = {
  [CounterKindCode.CYCLES]: 'cycles',
  [CounterKindCode.INSTRUCTIONS]: 'instructions',
  [CounterKindCode.NANOSECONDS]: 'nanoseconds',
};

export function boardInfoFromHello(h: HelloInfo, name?: string): BoardInfo {
  const counterKind = COUNTER_KINDS[h.counterKind];
  if (!counterKind) throw new ProtocolError(`board ${h.board} reports counter kind ${h.counterKind}, known: 0 cycles, 1 instructions, 2 nanoseconds`);
  return {
    name: name ?? h.board,
    cpu: h.cpu,
    // The clock the board reports having reached (CLOCK extension) over the nominal one.
    clockHz: h.clock?.hz ?? h.clockHz,
    ...(h.clock ? { clockSource: h.clock.source } : {}),
    ...(h.stack ? { stack: { ...h.stack } } : {}),
    counterKind,
    counterUnit: h.counterUnit,
    arenaBytes: h.arenaBytes,
    maxFrame: h.maxFrame,
    nCores: h.nCores,
    protocolVersion: h.protocolVersion,
    firmwareVersion: h.firmwareVersion,
    kernels: h.kernels.map((k) => ({ ...k })),
    ...(h.maxRepeat !== undefined ? { maxRepeat: h.maxRepeat } : {}),
  };
}

/** Failures after which a fresh HELLO and a full re-send may succeed. */
function retriable(e: unknown): boolean {
  return (
    e instanceof BoardResetError ||
    e instanceof LinkReopenedError ||
    e instanceof LinkTimeoutError ||
    e instanceof VerifyError ||
    e instanceof ProtocolError ||
    // A board that reset without us seeing BOOT is back at max_frame 256.
    (e instanceof BoardError && e.code === ErrorCode.TOO_LARGE)
  );
}

export class LinkBoard implements Board {
  info: BoardInfo;
  /** Whole-run retries done so far (after resets or link failures). */
  runRetries = 0;
  private needHello = false;
  private catalogCache?: KernelCatalog;
  /** Bumped by abort(): a run() begun before it sends no RUN after it. */
  private abortEpoch = 0;

  private constructor(
    readonly client: ProtocolClient,
    hello: HelloInfo,
    private opts: LinkBoardOptions,
  ) {
    this.info = boardInfoFromHello(hello, opts.name);
    client.boardName = this.info.name;
    client.on('reset', () => {
      this.needHello = true;
    });
    client.on('reopen', () => {
      this.needHello = true;
    });
  }

  static async connect(transport: Transport, opts: LinkBoardOptions = {}): Promise<LinkBoard> {
    const client = new ProtocolClient(transport, opts);
    let hello: HelloInfo;
    try {
      hello = await client.hello();
    } catch (e) {
      await client.close().catch(() => undefined);
      throw new Error(`No tinyhil board answered HELLO on ${transport.description}: ${(e as Error).message}`);
    }
    return new LinkBoard(client, hello, opts);
  }

  private get catalog(): KernelCatalog {
    if (!this.catalogCache) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      this.catalogCache = this.opts.catalog ?? (require('../native') as KernelCatalog);
    }
    return this.catalogCache;
  }

  /** HELLO again (after a reset) and refresh info. */
  async rehello(): Promise<void> {
    const h = await this.client.hello();
    this.info = boardInfoFromHello(h, this.opts.name);
    this.needHello = false;
  }

  /** Checks the request and lays out the arena; throws before anything is sent. */
  plan(req: RunRequest): { layout: ArenaLayout; kernelId: number; cores: number } {
    const k = this.catalog.kernelInfo(req.kernel);
    const label = `run ${req.kernel}`;
    checkOnBoard(label, req.kernel, k.id, this.info);
    const cores = checkCores(label, req.cores, this.info);
    checkRepeat(label, req.repeat, this.info);
    checkRqConsts(label, req.kernel, k, req.rq, req.consts);
    const shape = k.usesT ? { ...req.shape, T: req.shape.T ?? req.shape.S } : req.shape;
    const sizes = this.catalog.kernelSizes(req.kernel, shape);
    checkInputs(label, k.inputs.map((i) => i.name), sizes.inputs, req.inputs, shapeText(req.shape));
    const layout = layoutArena(sizes.inputs, sizes.output, this.catalog.scratchBytes(req.kernel, shape, cores));
    if (layout.total > this.info.arenaBytes) {
      throw new RangeError(`${label}: shape: expected tensors that fit ${this.info.name}'s arena of ${this.info.arenaBytes} bytes, found ${shapeText(req.shape)} (${layout.total} bytes)`);
    }
    return { layout, kernelId: k.id, cores };
  }

  async run(req: RunRequest): Promise<RunResult> {
    const { layout, kernelId, cores } = this.plan(req);
    const epoch0 = this.abortEpoch;
    // Inputs and the zero padding between them: one region, one CRC.
    const span = new Uint8Array(layout.inputsEnd);
    req.inputs.forEach((buf, i) => span.set(buf, layout.inputOffsets[i]));
    const spanCrc = crc32(span);
    const shape = { ...req.shape, T: req.shape.T ?? (this.catalog.kernelInfo(req.kernel).usesT ? req.shape.S : 0) };
    const params = {
      kernelId,
      nCores: cores,
      split: req.split === 'rows' ? SPLIT_ROWS : SPLIT_HEADS,
      shape,
      rq: req.rq,
      consts: req.consts ?? [],
      repeat: req.repeat ?? 1,
      inputOffsets: layout.inputOffsets,
      outputOffset: layout.outputOffset,
      scratchOffset: layout.scratchOffset,
      scratchBytes: layout.scratchBytes,
    };
    const attempts = this.opts.runAttempts ?? 3;
    const retriesBefore = this.runRetries;
    let reopens = 0;
    const until = Date.now() + (this.opts.runBudgetMs ?? 60000);
    let last: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1 && Date.now() > until) break;
      try {
        if (this.needHello) await this.rehello();
        const epoch = this.client.resetCount;
        await this.client.write(0, span);
        if (this.abortEpoch !== epoch0) throw new RunAbortedError(0, `RUN ${req.kernel} ${shapeText(req.shape)} aborted before it was sent`);
        const reply = await this.client.run(params);
        if (reply.status !== 0) {
          throw new Error(`${req.kernel} ${shapeText(req.shape)} on ${this.info.name}: kernel returned th_status ${reply.status}`);
        }
        if (reply.outputBytes !== layout.outputBytes) {
          throw new ProtocolError(`RUN reply says ${reply.outputBytes} output bytes, the host expects ${layout.outputBytes}`);
        }
        // Inputs still intact after the run: a reset we did not hear about would have zeroed them.
        const after = await this.client.crc(0, span.length);
        if (after !== spanCrc) throw new VerifyError(`inputs changed on ${this.info.name} during the run (board reset?)`);
        const output = await this.client.read(layout.outputOffset, layout.outputBytes);
        if (crc32(output) !== reply.outputCrc) {
          throw new VerifyError(`output read from ${this.info.name} does not match the RUN reply's CRC`);
        }
        if (this.client.resetCount !== epoch) throw new BoardResetError('RUN');
        return {
          output,
          counter: reply.counter,
          perCore: reply.perCore,
          ...(reply.perCoreWait ? { perCoreWait: reply.perCoreWait, criticalPath: reply.criticalPath } : {}),
          counterKind: this.info.counterKind,
          counterUnit: this.info.counterUnit,
          scratchBytes: layout.scratchBytes,
          arenaPeak: layout.total,
        };
      } catch (e) {
        last = e;
        if (e instanceof BoardError && e.code === ErrorCode.SCRATCH) {
          // The host sized the scratch with its own kernels: a mismatch means the firmware differs.
          const err = new Error(
            `${req.kernel} ${shapeText(req.shape)}: the host laid out ${layout.scratchBytes} scratch bytes but ${this.info.name} needs ${e.detail}; ` +
              `its firmware (${this.info.firmwareVersion}) and the host kernels differ: rebuild/reflash it`,
          );
          (err as Error & { cause?: unknown }).cause = e;
          throw err;
        }
        // A fault would come back on a retry: report it; the board resets, so HELLO again next time.
        if (e instanceof BoardFaultError) {
          this.needHello = true;
          throw e;
        }
        if (!retriable(e)) throw e;
        // Frames that do not get through whole: try shorter ones.
        if (e instanceof LinkTimeoutError) this.client.shrinkChunks();
        // A reopened link (board restarted, cable re-plugged) costs no attempt, up to 5 of them; the time budget bounds it too.
        if (e instanceof LinkReopenedError && reopens++ < 5) attempt--;
        this.needHello = true;
        this.runRetries++;
      }
    }
    const tries = this.runRetries - retriesBefore;
    const err = new Error(`${req.kernel} ${shapeText(req.shape)} on ${this.info.name} failed after ${tries} attempts: ${(last as Error).message}`);
    // The pool tells a dead link from a failed point by the cause.
    (err as Error & { cause?: unknown }).cause = last;
    throw err;
  }

  // ---- resident arena: tensors stay on the board between runs (model blocks) ----

  private checkEpoch(epoch: number, what: string): void {
    if (this.needHello || this.client.resetCount !== epoch) throw new BoardResetError(what);
  }

  /**
   * Writes `data` at arena `offset` and verifies it by the board's CRC (throws VerifyError
   * otherwise). Not retried: after a board reset (BoardResetError) the whole arena is gone and
   * the caller writes everything again.
   */
  async writeArena(offset: number, data: Uint8Array): Promise<void> {
    if (this.needHello) await this.rehello();
    if (!(offset >= 0 && offset + data.length <= this.info.arenaBytes)) {
      throw new RangeError(`write of ${data.length} bytes at ${offset} is outside ${this.info.name}'s arena of ${this.info.arenaBytes} bytes`);
    }
    await this.client.write(offset, data);
  }

  /** CRC-32 of arena[offset, offset + length) as the board computes it. */
  async crcArena(offset: number, length: number): Promise<number> {
    if (this.needHello) await this.rehello();
    return this.client.crc(offset, length);
  }

  /** Reads arena[offset, offset + length) (each frame CRC-checked). */
  async readArena(offset: number, length: number): Promise<Uint8Array> {
    if (this.needHello) await this.rehello();
    return this.client.read(offset, length);
  }

  /**
   * Layer by layer: one RUN of `node` on tensors already in the arena (nothing written or read).
   * Returns its counters and the CRC-32 of its output region; compare that with the golden
   * output's CRC and READ only on a mismatch.
   */
  async runNode(node: GraphNode): Promise<GraphNodeResult> {
    if (this.needHello) await this.rehello();
    const { params, outputBytes } = nodeParams(node, 0, this.info, this.catalog);
    const epoch = this.client.resetCount;
    const reply = await this.client.run(params);
    this.checkEpoch(epoch, 'RUN');
    if (reply.status !== 0) throw new Error(`${node.name ?? node.kernel} on ${this.info.name}: kernel returned th_status ${reply.status}`);
    if (reply.outputBytes !== outputBytes) throw new ProtocolError(`RUN reply says ${reply.outputBytes} output bytes, the host expects ${outputBytes}`);
    return nodeResult(node, reply);
  }

  /**
   * On the board in one request: GRAPH runs `nodes` in order on tensors already in the arena,
   * the whole list `repeat` times (default 1), and reports the list's counter, each node's
   * counters and each node's output CRC-32 (taken right after it ran, so memory a later node
   * reuses is still checked). Lists longer than 32 nodes or one frame go as several GRAPH
   * requests (`requests`); counters never include link time. A node the board refuses throws
   * a BoardError BAD_GRAPH whose `node` is the index in `nodes` and `nodeCodeName` the reason.
   * abort() stops it between nodes: RunAbortedError, `completed` = node runs done in the request
   * under way (no later request is sent).
   */
  async runGraph(nodes: GraphNode[], opts: { repeat?: number } = {}): Promise<GraphResult> {
    if (nodes.length === 0) throw new RangeError('runGraph: no nodes');
    if (this.needHello) await this.rehello();
    const repeat = checkRepeat('runGraph', opts.repeat, this.info);
    const planned = nodes.map((n, i) => nodeParams(n, i, this.info, this.catalog));
    const chunks = chunkNodes(planned.map((p) => p.params), this.info.maxFrame);
    const results: GraphNodeResult[] = [];
    let counter = 0;
    const epoch = this.client.resetCount;
    const aborts = this.abortEpoch;
    for (const [a, b] of chunks) {
      if (this.abortEpoch !== aborts) throw new RunAbortedError(a, `GRAPH: aborted before node ${a} of ${nodes.length}`, MsgType.GRAPH);
      let reply;
      try {
        reply = await this.client.runGraph(planned.slice(a, b).map((p) => p.params), repeat);
      } catch (e) {
        if (e instanceof BoardError && e.node !== undefined) {
          const i = a + e.node;
          const err = new BoardError(e.code, e.requestType, i, `${nodes[i].name ?? nodes[i].kernel}: ${e.text}`, e.sub);
          throw err;
        }
        throw e;
      }
      this.checkEpoch(epoch, 'GRAPH');
      if (reply.status !== 0) {
        const i = a + reply.nodes.length - 1;
        throw new Error(`node ${i} (${nodes[i].name ?? nodes[i].kernel}) on ${this.info.name}: kernel returned th_status ${reply.status}`);
      }
      reply.nodes.forEach((r, j) => {
        const want = planned[a + j].outputBytes;
        if (r.outputBytes !== want) throw new ProtocolError(`GRAPH reply: node ${a + j} has ${r.outputBytes} output bytes, the host expects ${want}`);
        results.push(nodeResult(nodes[a + j], r));
      });
      counter += reply.counter;
    }
    const sum = results.reduce((s, r) => s + r.counter, 0);
    return {
      counter,
      overhead: counter - sum,
      nodes: results,
      counterKind: this.info.counterKind,
      counterUnit: this.info.counterUnit,
      repeat,
      requests: chunks.length,
    };
  }

  /** The last RUN reply (counters), as the board keeps it. */
  counters() {
    return this.client.counters();
  }

  /** RESET: arena zeroed, counters and reply cache cleared. */
  async reset(): Promise<void> {
    await this.client.reset();
  }

  /**
   * Stops the RUN in flight (ABORT; its run() rejects with RunAbortedError naming the repeats done)
   * and keeps a run() already under way from sending its RUN. Takes at most about a second.
   */
  async abort(): Promise<void> {
    this.abortEpoch++;
    await this.client.abort();
  }

  async close(): Promise<void> {
    await this.abort().catch(() => undefined);
    await this.client.close().catch(() => undefined);
    if (this.opts.onClose) await this.opts.onClose();
  }
}
