// Raw TCP transport (ser2net "tcp" accepter, or any socket that carries the bytes as is).

import { Socket, connect } from 'node:net';
import { BaseTransport, openError } from './base';

export interface TcpOptions {
  /** Connect timeout, ms (default 5000). */
  connectTimeoutMs?: number;
}

export function parseHostPort(url: string, scheme: string): { host: string; port: number } {
  const m = new RegExp(`^${scheme}://(\\[[^\\]]+\\]|[^:/]+):(\\d+)/?$`).exec(url);
  if (!m) throw new Error(`Cannot open ${url}: expected ${scheme}://host:port`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new Error(`Cannot open ${url}: port ${port} outside 1..65535`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

export class TcpTransport extends BaseTransport {
  private constructor(
    readonly description: string,
    private sock: Socket,
  ) {
    super();
    sock.on('data', (d: Buffer) => this.emitData(d));
    sock.on('error', (err) => this.emitClose(err));
    sock.on('close', () => this.emitClose());
  }

  static open(url: string, opts: TcpOptions = {}): Promise<TcpTransport> {
    const { host, port } = parseHostPort(url, 'tcp');
    return new Promise((resolve, reject) => {
      const sock = connect({ host, port });
      const timer = setTimeout(() => {
        sock.destroy();
        reject(openError(url, { code: 'ETIMEDOUT' }));
      }, opts.connectTimeoutMs ?? 5000);
      sock.once('error', (err) => {
        clearTimeout(timer);
        reject(openError(url, err));
      });
      sock.once('connect', () => {
        clearTimeout(timer);
        sock.removeAllListeners('error');
        sock.setNoDelay(true);
        resolve(new TcpTransport(url, sock));
      });
    });
  }

  write(data: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`${this.description} is closed`));
    return new Promise((resolve, reject) =>
      this.sock.write(data, (err) => (err ? reject(new Error(`write to ${this.description} failed: ${err.message}`)) : resolve())),
    );
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.sock.destroyed) {
        this.emitClose();
        return resolve();
      }
      this.sock.once('close', () => resolve());
      this.sock.end();
      this.sock.destroy();
    });
  }
}
