// A Transport that reopens its link (same path or URL) when it closes under us: a USB cable
// re-plugged, a ser2net hop reconnected, a pty whose far end hung up. It gives up, closing with
// the last open error, only when the link stays unopenable for a whole time budget.

import { BaseTransport } from './base';
import type { Transport } from './types';

export interface ReopenOptions {
  /** How long to keep trying to reopen after a close, ms (default 30000). */
  budgetMs?: number;
  /** First pause between attempts, ms; doubles up to maxDelayMs (default 50). */
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** Told about each close and reopen (e.g. a line on stderr). */
  log?: (line: string) => void;
}

export class ReopeningTransport extends BaseTransport {
  private current: Transport | null = null;
  private reopenListeners: Array<() => void> = [];
  private stopped = false;
  /** Reconnections so far. */
  reopens = 0;

  private constructor(
    readonly description: string,
    private open: () => Promise<Transport>,
    private opts: ReopenOptions,
  ) {
    super();
  }

  /** Opens the link once (errors are thrown as they are: a wrong path should fail at once). */
  static async open(description: string, open: () => Promise<Transport>, opts: ReopenOptions = {}): Promise<ReopeningTransport> {
    const r = new ReopeningTransport(description, open, opts);
    r.use(await open());
    return r;
  }

  onReopen(listener: () => void): void {
    this.reopenListeners.push(listener);
  }

  private use(t: Transport): void {
    this.current = t;
    t.onData((c) => {
      if (this.current === t) this.emitData(c);
    });
    t.onClose((err) => {
      if (this.current !== t) return;
      this.current = null;
      if (!this.stopped) void this.reopen(err);
    });
  }

  private async reopen(cause?: Error): Promise<void> {
    const budget = this.opts.budgetMs ?? 30000;
    const why = cause ? `: ${cause.message}` : '';
    this.opts.log?.(`${this.description} closed${why}; reopening (for up to ${budget / 1000} s)`);
    const until = Date.now() + budget;
    let delay = this.opts.firstDelayMs ?? 50;
    let last: Error | undefined;
    while (!this.stopped) {
      try {
        const t = await this.open();
        if (this.stopped) {
          await t.close().catch(() => undefined);
          return;
        }
        this.use(t);
        this.reopens++;
        this.opts.log?.(`${this.description} reopened`);
        for (const l of this.reopenListeners) l();
        return;
      } catch (e) {
        last = e as Error;
      }
      if (Date.now() + delay > until) break;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(this.opts.maxDelayMs ?? 1000, delay * 2);
    }
    if (this.stopped) return;
    this.emitClose(new Error(`${this.description} closed${why} and could not be reopened within ${budget / 1000} s; last error: ${last?.message ?? 'none'}`));
  }

  /** Bytes written while the link is down are lost, as on a line with nobody at the far end (the protocol resends). */
  write(data: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`${this.description} is closed`));
    const t = this.current;
    return t ? t.write(data).catch(() => undefined) : Promise.resolve();
  }

  async close(): Promise<void> {
    this.stopped = true;
    const t = this.current;
    this.current = null;
    if (t) await t.close().catch(() => undefined);
    this.emitClose();
  }
}
