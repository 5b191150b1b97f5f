// Serial device or pseudo-terminal transport over the serialport package.

import { promises as fs, realpathSync } from 'node:fs';
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
  private constructor(
    readonly description: string,
    private port: SerialPort,
  ) {
    super();
    port.on('data', (d: Buffer) => this.emitData(d));
    port.on('error', (err: Error) => this.emitClose(err));
    port.on('close', (err?: Error | null) => this.emitClose(err ?? undefined));
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

  close(): Promise<void> {
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
