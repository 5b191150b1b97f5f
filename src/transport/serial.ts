// Serial device or pseudo-terminal transport over the serialport package.

import { existsSync, promises as fs, realpathSync } from 'node:fs';
import { SerialPort } from 'serialport';
import { BaseTransport, openError } from './base';
import type { TransportOptions } from './types';

/** ptys cannot take the exclusive lock serialport asks for by default. */
export function isPty(path: string): boolean {
  try {
    return realpathSync(path).startsWith('/dev/pts/');
  } catch {
    return path.startsWith('/dev/pts/');
  }
}

export class SerialTransport extends BaseTransport {
  private watchdog: NodeJS.Timeout | null = null;

  private constructor(
    readonly description: string,
    private port: SerialPort,
  ) {
    super();
    port.on('data', (d: Buffer) => this.emitData(d));
    port.on('error', (err: Error) => this.emitClose(err));
    port.on('close', (err?: Error | null) => this.emitClose(err ?? undefined));
    if (isPty(description)) {
      // When the process serving a pty dies, reads return end-of-file forever and serialport
      // retries them in a tight loop. The /dev/pts node disappears then: close the port.
      this.watchdog = setInterval(() => {
        if (!existsSync(description)) {
          const err = new Error(`${description} went away (the process serving it ended)`);
          this.emitClose(err);
          if (this.port.isOpen) this.port.close(() => undefined);
        }
      }, 250);
      this.watchdog.unref();
    }
  }

  static async open(path: string, opts: TransportOptions = {}): Promise<SerialTransport> {
    try {
      await fs.stat(path);
    } catch (e) {
      throw openError(path, e);
    }
    const port = new SerialPort({ path, baudRate: opts.baudRate ?? 115200, autoOpen: false, lock: !isPty(path) });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(openError(path, err)) : resolve())));
    return new SerialTransport(path, port);
  }

  write(data: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`${this.description} is closed`));
    return new Promise((resolve, reject) =>
      this.port.write(Buffer.from(data.buffer, data.byteOffset, data.byteLength), (err) =>
        err ? reject(new Error(`write to ${this.description} failed: ${err.message}`)) : resolve(),
      ),
    );
  }

  protected override emitClose(err?: Error): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    super.emitClose(err);
  }

  close(): Promise<void> {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    if (!this.port.isOpen) {
      this.emitClose();
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.port.close(() => {
        this.emitClose();
        resolve();
      }),
    );
  }
}
