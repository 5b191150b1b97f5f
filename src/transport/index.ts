// openTransport(url): device/pty path → serialport, tcp://host:port → raw socket, rfc2217:// → RFC 2217 client.

import { SerialTransport } from './serial';
import { TcpTransport } from './tcp';
import type { Transport, TransportOptions } from './types';

export type { Transport, TransportOptions } from './types';
export { memoryPair, relay, MemoryTransport } from './memory';
export { FaultInjector } from './faults';
export type { FaultOptions, FaultStats } from './faults';
export { SwitchTransport } from './switch';
export { ReopeningTransport } from './reopen';
export type { ReopenOptions } from './reopen';

export async function openTransport(url: string, opts: TransportOptions = {}): Promise<Transport> {
  if (typeof url !== 'string' || url === '') throw new Error(`Cannot open ${JSON.stringify(url)}: empty port`);
  if (url.startsWith('tcp://')) return TcpTransport.open(url);
  if (url.startsWith('rfc2217://')) {
    // Written separately (src/transport/rfc2217.ts); loaded only when asked for.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require('./rfc2217') as { openRfc2217(url: string, opts?: TransportOptions): Promise<Transport> };
    return mod.openRfc2217(url, opts);
  }
  if (url === 'memory' || url.startsWith('memory:')) {
    throw new Error(`Cannot open ${url}: in-memory links come in pairs, use memoryPair() from src/transport`);
  }
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url);
  if (m) throw new Error(`Cannot open ${url}: unknown scheme "${m[1]}" (use a device path, tcp://host:port or rfc2217://host:port)`);
  return SerialTransport.open(url, opts);
}
