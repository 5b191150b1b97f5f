// A Transport whose underlying link can be swapped (a board restarted on a new pty keeps its client).

import { BaseTransport } from './base';
import type { Transport } from './types';

export class SwitchTransport extends BaseTransport {
  private current: Transport | null = null;
  private attachedOnce = false;
  private reopenListeners: Array<() => void> = [];

  constructor(readonly description: string) {
    super();
  }

  /**
   * Routes to t from now on; the previous link is closed. Bytes written while detached are lost (the protocol retries).
   * Every attach after the first tells the onReopen listeners: the far end may be a new board.
   */
  attach(t: Transport): void {
    const old = this.current;
    this.current = t;
    if (old) old.close().catch(() => undefined);
    t.onData((c) => {
      if (this.current === t) this.emitData(c);
    });
    t.onClose(() => {
      if (this.current === t) this.current = null;
    });
    if (this.attachedOnce) for (const l of this.reopenListeners) l();
    this.attachedOnce = true;
  }

  onReopen(listener: () => void): void {
    this.reopenListeners.push(listener);
  }

  get attached(): Transport | null {
    return this.current;
  }

  write(data: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`${this.description} is closed`));
    const t = this.current;
    return t ? t.write(data).catch(() => undefined) : Promise.resolve();
  }

  async close(): Promise<void> {
    const t = this.current;
    this.current = null;
    if (t) await t.close().catch(() => undefined);
    this.emitClose();
  }
}
