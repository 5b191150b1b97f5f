// serial.ts - an instrument's link over the project's Transport (device path, pty, tcp://, rfc2217://), with
// errors that name the instrument and the port, and bounded writes and closes.
import { openTransport } from '../transport';
import type { Transport } from '../transport';

/** A Transport plus whether it is still open (the interface has one close listener: this link owns it). */
export interface InstrumentLink {
  readonly t: Transport;
  readonly isOpen: boolean;
}

class Link implements InstrumentLink {
  isOpen = true;
  private fault: ((err?: Error) => void) | null = null;
  private closedWith: { err?: Error } | null = null;
  constructor(readonly t: Transport) {
    t.onClose((err) => {
      this.isOpen = false;
      this.closedWith = { err };
      this.fault?.(err);
    });
  }
  onClose(fn: (err?: Error) => void): void {
    this.fault = fn;
    if (this.closedWith) fn(this.closedWith.err);
  }
}

/**
 * Opens `port` at `baudRate` (serial devices and RFC 2217 set it; a pty or raw TCP has no line rate).
 * `transport` hands over a link the caller opened already (tests: one end of memoryPair()).
 */
export async function openSerial(instrument: string, port: string, baudRate: number, transport?: Transport): Promise<InstrumentLink> {
  if (transport) return new Link(transport);
  try {
    return new Link(await openTransport(port, { baudRate }));
  } catch (e) {
    // openTransport says "Cannot open PORT: why": keep the why only, the instrument's message names the port.
    const why = (e as Error).message.replace(/^Cannot open .*?: /, '');
    throw new Error(`${instrument}: cannot open ${port} at ${baudRate} baud: ${why}`);
  }
}

/**
 * Reports link errors and an unexpected close (instrument unplugged) to `onFault` instead of letting them
 * crash the process; nothing is reported once `closing()` is true.
 */
export function watchSerial(link: InstrumentLink, where: string, closing: () => boolean, onFault: (e: Error) => void): void {
  (link as Link).onClose((err) => {
    if (closing()) return;
    onFault(err ? new Error(`${where}: serial port error: ${err.message}`) : new Error(`${where}: the port closed (instrument unplugged or reset?)`));
  });
}

/** Writes, but never waits forever: a dead link (instrument gone) rejects after `timeoutMs`. */
export function writeSerial(link: InstrumentLink, data: string | Buffer, where = link.t.description, timeoutMs = 1000): Promise<void> {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${where}: writing ${bytes.length} bytes did not complete within ${timeoutMs} ms (link dead?)`)), timeoutMs);
    link.t.write(bytes).then(
      () => { clearTimeout(timer); resolve(); },
      (err: Error) => { clearTimeout(timer); reject(new Error(`${where}: write failed: ${err.message}`)); },
    );
  });
}

/** Closes the link; gives up waiting after `timeoutMs` (a port whose peer vanished may never confirm). */
export function closeSerial(link: InstrumentLink, timeoutMs = 500): Promise<void> {
  return new Promise((resolve) => {
    if (!link.isOpen) return resolve();
    const timer = setTimeout(resolve, timeoutMs);
    link.t.close().catch(() => undefined).then(() => { clearTimeout(timer); resolve(); });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
