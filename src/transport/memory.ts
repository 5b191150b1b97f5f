// In-memory transports for tests: a connected pair, relays between transports, fault-injecting wrappers.

import { BaseTransport } from './base';
import { FaultInjector, FaultOptions } from './faults';
import type { Transport } from './types';

export class MemoryTransport extends BaseTransport {
  peer: MemoryTransport | null = null;
  /** Faults on bytes this side writes. */
  faults: FaultInjector | null = null;

  constructor(readonly description: string) {
    super();
  }

  /** Delivered asynchronously and in order, like a real stream. */
  write(data: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`${this.description} is closed`));
    const peer = this.peer;
    const bytes = this.faults ? this.faults.apply(data) : Buffer.from(data);
    if (peer && bytes.length) setImmediate(() => peer.deliver(bytes));
    return Promise.resolve();
  }

  deliver(chunk: Buffer): void {
    this.emitData(chunk);
  }

  close(): Promise<void> {
    this.emitClose();
    const peer = this.peer;
    if (peer) setImmediate(() => peer.emitClose());
    return Promise.resolve();
  }

  protected override emitClose(err?: Error): void {
    super.emitClose(err);
  }
}

export interface MemoryPairOptions {
  /** Faults on bytes a → b and b → a (separate seeded streams: seed and seed+1). */
  faults?: FaultOptions;
}

/** Two connected in-memory Transports (a writes reach b and vice versa). */
export function memoryPair(opts: MemoryPairOptions = {}): [MemoryTransport, MemoryTransport] {
  const a = new MemoryTransport('memory:a');
  const b = new MemoryTransport('memory:b');
  a.peer = b;
  b.peer = a;
  if (opts.faults) {
    a.faults = new FaultInjector(opts.faults);
    b.faults = new FaultInjector({ ...opts.faults, seed: (opts.faults.seed + 1) >>> 0 });
  }
  return [a, b];
}

/** Pumps bytes both ways between two transports, through optional injectors. Returns a stopper. */
export function relay(
  a: Transport,
  b: Transport,
  faults: { aToB?: FaultInjector; bToA?: FaultInjector } = {},
): () => void {
  let on = true;
  const pump = (to: Transport, f?: FaultInjector) => (chunk: Buffer) => {
    if (!on) return;
    const out = f ? f.apply(chunk) : chunk;
    if (out.length) to.write(out).catch(() => undefined);
  };
  a.onData(pump(b, faults.aToB));
  b.onData(pump(a, faults.bToA));
  return () => {
    on = false;
  };
}
