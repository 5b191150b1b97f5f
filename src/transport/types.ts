// The byte-stream interface every link uses (serial device, pty, TCP, RFC 2217, in-memory).
// The protocol client depends on this only, never on how bytes travel.

export interface Transport {
  /** Where this transport goes, for messages: "/dev/pts/3", "tcp://127.0.0.1:3000". */
  readonly description: string;
  write(data: Uint8Array): Promise<void>;
  /** One listener; bytes arrive in order, chunked arbitrarily. */
  onData(listener: (chunk: Buffer) => void): void;
  /** Called once when the stream ends (err set when it failed). */
  onClose(listener: (err?: Error) => void): void;
  /** Links that reconnect by themselves (reopen.ts, switch.ts): called after each reconnection. */
  onReopen?(listener: () => void): void;
  close(): Promise<void>;
}

export interface TransportOptions {
  /** Serial line rate; ignored by links that have none (pty, raw TCP). Default 115200. */
  baudRate?: number;
}
