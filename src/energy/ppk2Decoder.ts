// ppk2Decoder.ts - a PPK2 source's handle on the decode worker (ppk2Worker.ts). One worker per process, started
// on first use and kept (unref'd) for later sources: loading it from the .ts sources (tests) takes seconds.
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { Ppk2StreamConfig, Ppk2Summary } from './ppk2Stream';

type Out = { type: 'ready' } | { id: number; type: 'changed' | 'summary'; summary: Ppk2Summary | null };
interface User { changed(s: Ppk2Summary): void; summary(s: Ppk2Summary | null): void; dead(e: Error): void }

let shared: { worker: Worker; ready: Promise<void>; users: Map<number, User>; dead: Error | null } | null = null;
let nextId = 1;

function worker(): NonNullable<typeof shared> {
  if (shared && !shared.dead) return shared;
  const ts = path.extname(__filename) === '.ts';
  const file = path.join(__dirname, `ppk2Worker${ts ? '.ts' : '.js'}`);
  const w = ts
    ? new Worker(`require('@isaacs/ts-node-temp-fork-for-pr-2009').register({ transpileOnly: true, compilerOptions: { module: 'commonjs' } }); require(${JSON.stringify(file)});`, { eval: true })
    : new Worker(file);
  let markReady!: () => void;
  const s = { worker: w, ready: new Promise<void>((r) => (markReady = r)), users: new Map<number, User>(), dead: null as Error | null };
  const die = (e: Error) => {
    if (s.dead) return;
    s.dead = e;
    markReady();
    for (const u of s.users.values()) u.dead(e);
  };
  w.on('message', (m: Out) => {
    if (m.type === 'ready') return markReady();
    const u = s.users.get(m.id);
    if (!u) return;
    if (m.type === 'changed' && m.summary) u.changed(m.summary);
    if (m.type === 'summary') u.summary(m.summary);
  });
  w.on('error', (e) => die(new Error(`PPK2 decode worker failed: ${e.message}`)));
  w.on('exit', (code) => die(new Error(`PPK2 decode worker exited (code ${code})`)));
  w.unref(); // after the listeners: adding a 'message' listener refs the worker's port again
  shared = s;
  return s;
}

export class Ppk2Decoder {
  private readonly id = nextId++;
  private readonly w = worker();
  private waiting: ((s: Ppk2Summary | null) => void) | null = null;

  /** `onChanged` hears every window change or fault as soon as the worker sees it. */
  constructor(onChanged: (s: Ppk2Summary) => void, private readonly onDead: (e: Error) => void) {
    this.w.users.set(this.id, {
      changed: onChanged,
      summary: (s) => { const w = this.waiting; this.waiting = null; w?.(s); },
      dead: (e) => { const w = this.waiting; this.waiting = null; w?.(null); this.onDead(e); },
    });
  }

  /** Resolves once the worker is loaded (rejects if it died). */
  async ready(): Promise<void> {
    await this.w.ready;
    if (this.w.dead) throw this.w.dead;
  }

  start(cfg: Ppk2StreamConfig): void { this.w.worker.postMessage({ id: this.id, type: 'start', cfg }); }

  /** Hands a chunk over (copied: the port may reuse its buffer). */
  data(chunk: Buffer): void {
    const copy = new Uint8Array(chunk.byteLength);
    copy.set(chunk);
    this.w.worker.postMessage({ id: this.id, type: 'data', buf: copy }, [copy.buffer]);
  }

  /** The summary of everything handed over so far; ends the acquisition in the worker. */
  finish(timeoutMs = 5000): Promise<Ppk2Summary> {
    if (this.w.dead) return Promise.reject(this.w.dead);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => { this.waiting = null; reject(new Error(`PPK2 decode worker gave no summary within ${timeoutMs} ms`)); }, timeoutMs);
      this.waiting = (s) => { clearTimeout(t); if (s) resolve(s); else reject(this.w.dead ?? new Error('PPK2 decode worker: no acquisition')); };
      this.w.worker.postMessage({ id: this.id, type: 'finish' });
    });
  }

  close(): void {
    this.w.users.delete(this.id);
  }
}
