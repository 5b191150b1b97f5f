// Shared plumbing for Transports: one data listener (chunks before it are buffered), one close listener.

import type { Transport } from './types';

export abstract class BaseTransport implements Transport {
  abstract readonly description: string;
  private dataListener: ((chunk: Buffer) => void) | null = null;
  private early: Buffer[] = [];
  private closeListener: ((err?: Error) => void) | null = null;
  private closeInfo: { err?: Error } | null = null;

  abstract write(data: Uint8Array): Promise<void>;
  abstract close(): Promise<void>;

  get closed(): boolean {
    return this.closeInfo !== null;
  }

  onData(listener: (chunk: Buffer) => void): void {
    this.dataListener = listener;
    const early = this.early;
    this.early = [];
    for (const c of early) listener(c);
  }

  onClose(listener: (err?: Error) => void): void {
    this.closeListener = listener;
    if (this.closeInfo) listener(this.closeInfo.err);
  }

  protected emitData(chunk: Buffer): void {
    if (this.closeInfo) return;
    if (this.dataListener) this.dataListener(chunk);
    else this.early.push(chunk);
  }

  /** Idempotent: the listener hears about the first close only. */
  protected emitClose(err?: Error): void {
    if (this.closeInfo) return;
    this.closeInfo = { err };
    this.closeListener?.(err);
  }
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EBUSY: 'Device or resource busy',
  ENXIO: 'No such device or address',
  EIO: 'Input/output error',
  ECONNREFUSED: 'Connection refused',
  ECONNRESET: 'Connection reset by peer',
  ETIMEDOUT: 'Connection timed out',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
  ENOTFOUND: 'Host not found',
  EAI_AGAIN: 'Host name lookup failed',
};

/** "Cannot open URL: cause", with the errno spelled out as the OS does. */
export function openError(url: string, cause: unknown): Error {
  const e = cause as NodeJS.ErrnoException;
  let why = (e?.code && ERRNO_TEXT[e.code]) || String(e?.message ?? cause);
  // serialport says "Error: Permission denied, cannot open /dev/x": keep the reason only.
  why = why.replace(/^Error:\s*/, '').replace(/, cannot open .*$/, '');
  const err = new Error(`Cannot open ${url}: ${why}`);
  (err as Error & { cause?: unknown }).cause = cause;
  return err;
}
