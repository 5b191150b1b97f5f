// rfc2217.ts - RFC 2217 (Telnet COM-PORT-OPTION) transport: a remote serial port exported by ser2net/LabGrid.
//
// Telnet (RFC 854/855/856/858) carries the bytes: 0xFF in data is doubled, commands are stripped,
// options are negotiated with the "agree once, never re-acknowledge" rule that avoids loops. BINARY (both ways) keeps CR/NUL untouched; SUPPRESS-GO-AHEAD is
// accepted; COM-PORT-OPTION (44) lets us set the line: baud, 8 data bits, no parity, 1 stop bit.
// The transport opens only once the server has acknowledged all four settings.

import * as net from 'net';
import { BaseTransport } from './base';
import type { Transport, TransportOptions } from './types';

export const IAC = 255, DONT = 254, DO = 253, WONT = 252, WILL = 251, SB = 250, SE = 240;
export const OPT_BINARY = 0, OPT_ECHO = 1, OPT_SGA = 3, OPT_COM_PORT = 44;

/** RFC 2217 client-to-server commands; the server answers with command + 100. */
export const CPO = { SIGNATURE: 0, SET_BAUDRATE: 1, SET_DATASIZE: 2, SET_PARITY: 3, SET_STOPSIZE: 4 } as const;
const CPO_SERVER_OFFSET = 100;
const PARITY_NONE = 1, STOPSIZE_1 = 1;


/** Escape data for the wire: every 0xFF becomes 0xFF 0xFF. */
export function escapeIac(data: Uint8Array): Buffer {
  let n = 0;
  for (const b of data) if (b === IAC) n++;
  if (n === 0) return Buffer.from(data);
  const out = Buffer.alloc(data.length + n);
  let j = 0;
  for (const b of data) {
    out[j++] = b;
    if (b === IAC) out[j++] = IAC;
  }
  return out;
}

/** IAC SB <option> <payload, escaped> IAC SE */
export function subnegotiation(option: number, payload: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([IAC, SB, option]), escapeIac(payload), Buffer.from([IAC, SE])]);
}

export interface TelnetEvents {
  /** Option negotiation received: verb is DO/DONT/WILL/WONT. */
  command(verb: number, option: number): void;
  /** A complete subnegotiation, payload unescaped. */
  subnegotiation(option: number, payload: Buffer): void;
}

/**
 * Incremental Telnet decoder. Its state survives chunk boundaries, so an IAC IAC pair or an
 * IAC SB ... IAC SE split anywhere across TCP segments decodes the same as in one piece.
 */
export class TelnetDecoder {
  private state: 'data' | 'iac' | 'verb' | 'sbopt' | 'sb' | 'sbiac' = 'data';
  private verb = 0;
  private sbOption = 0;
  private sbBytes: number[] = [];

  constructor(private readonly events: TelnetEvents) {}

  /** Returns the data bytes of this chunk (possibly empty), commands removed. */
  push(chunk: Uint8Array): Buffer {
    const out = Buffer.alloc(chunk.length);
    let n = 0;
    for (const b of chunk) {
      switch (this.state) {
        case 'data':
          if (b === IAC) this.state = 'iac';
          else out[n++] = b;
          break;
        case 'iac':
          if (b === IAC) { out[n++] = IAC; this.state = 'data'; }
          else if (b === DO || b === DONT || b === WILL || b === WONT) { this.verb = b; this.state = 'verb'; }
          else if (b === SB) this.state = 'sbopt';
          else this.state = 'data'; // NOP, GA, DM, BRK, AYT, stray SE...: no data meaning, dropped
          break;
        case 'verb':
          this.state = 'data';
          this.events.command(this.verb, b);
          break;
        case 'sbopt':
          this.sbOption = b;
          this.sbBytes = [];
          this.state = 'sb';
          break;
        case 'sb':
          if (b === IAC) this.state = 'sbiac';
          else this.sbBytes.push(b);
          break;
        case 'sbiac':
          if (b === IAC) { this.sbBytes.push(IAC); this.state = 'sb'; }
          else if (b === SE) {
            this.state = 'data';
            this.events.subnegotiation(this.sbOption, Buffer.from(this.sbBytes));
          } else {
            // Malformed: IAC <cmd> inside a subnegotiation. Drop the subnegotiation and
            // treat the byte as the command that follows an IAC (RFC 854 servers do this on abort).
            this.sbBytes = [];
            this.state = 'iac';
            const rest = this.push(Uint8Array.of(b));
            rest.copy(out, n);
            n += rest.length;
          }
          break;
      }
    }
    return out.subarray(0, n);
  }
}

/**
 * Option state for both sides, answering the peer so that no request is acknowledged twice
 * (RFC 854: "a party may not send a request to enter a mode it is already in").
 */
export class TelnetOptions {
  readonly local = new Set<number>();   // options we perform (peer said DO, we said WILL)
  readonly remote = new Set<number>();  // options the peer performs (peer said WILL, we said DO)
  readonly refusedLocal = new Set<number>();
  readonly refusedRemote = new Set<number>();
  private readonly pendingLocal = new Set<number>();
  private readonly pendingRemote = new Set<number>();

  constructor(
    private readonly acceptLocal: ReadonlySet<number>,
    private readonly acceptRemote: ReadonlySet<number>,
    private readonly send: (bytes: Buffer) => void,
    private readonly changed: () => void,
  ) {}

  /** Ask to perform an option ourselves (WILL) unless already on or asked. */
  requestLocal(opt: number): void {
    if (this.local.has(opt) || this.pendingLocal.has(opt)) return;
    this.pendingLocal.add(opt);
    this.send(Buffer.from([IAC, WILL, opt]));
  }

  /** Ask the peer to perform an option (DO) unless already on or asked. */
  requestRemote(opt: number): void {
    if (this.remote.has(opt) || this.pendingRemote.has(opt)) return;
    this.pendingRemote.add(opt);
    this.send(Buffer.from([IAC, DO, opt]));
  }

  handle(verb: number, opt: number): void {
    switch (verb) {
      case DO:
        if (this.acceptLocal.has(opt)) {
          const asked = this.pendingLocal.delete(opt);
          if (!this.local.has(opt)) {
            this.local.add(opt);
            if (!asked) this.send(Buffer.from([IAC, WILL, opt]));
          }
        } else {
          this.refusedLocal.add(opt);
          this.send(Buffer.from([IAC, WONT, opt]));
        }
        break;
      case DONT: {
        const asked = this.pendingLocal.delete(opt);
        if (asked) this.refusedLocal.add(opt);
        if (this.local.delete(opt) && !asked) this.send(Buffer.from([IAC, WONT, opt]));
        break;
      }
      case WILL:
        if (this.acceptRemote.has(opt)) {
          const asked = this.pendingRemote.delete(opt);
          if (!this.remote.has(opt)) {
            this.remote.add(opt);
            if (!asked) this.send(Buffer.from([IAC, DO, opt]));
          }
        } else {
          this.refusedRemote.add(opt);
          this.send(Buffer.from([IAC, DONT, opt]));
        }
        break;
      case WONT: {
        const asked = this.pendingRemote.delete(opt);
        if (asked) this.refusedRemote.add(opt);
        if (this.remote.delete(opt) && !asked) this.send(Buffer.from([IAC, DONT, opt]));
        break;
      }
    }
    this.changed();
  }
}

export interface Rfc2217Options extends TransportOptions {
  /** How long the server has to agree to every option and setting. Default 5000 ms. */
  negotiationTimeoutMs?: number;
}

/** Parse rfc2217://host:port. */
export function parseRfc2217Url(url: string): { host: string; port: number } {
  const m = /^rfc2217:\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/?$/.exec(url);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) {
    throw new Error(`rfc2217 URL "${url}": expected rfc2217://host:port with port 1..65535`);
  }
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

/** The settings we ask for, and a name for each in messages. */
function wantedSettings(baud: number): Array<{ cmd: number; name: string; value: Buffer; shown: (v: Buffer) => string }> {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(baud);
  return [
    { cmd: CPO.SET_BAUDRATE, name: 'baud rate', value: b, shown: (v) => (v.length === 4 ? String(v.readUInt32BE()) : `0x${v.toString('hex')}`) },
    { cmd: CPO.SET_DATASIZE, name: 'data size', value: Buffer.from([8]), shown: (v) => String(v[0]) },
    { cmd: CPO.SET_PARITY, name: 'parity', value: Buffer.from([PARITY_NONE]), shown: (v) => ['request', 'none', 'odd', 'even', 'mark', 'space'][v[0]] ?? String(v[0]) },
    { cmd: CPO.SET_STOPSIZE, name: 'stop size', value: Buffer.from([STOPSIZE_1]), shown: (v) => ['request', '1', '2', '1.5'][v[0]] ?? String(v[0]) },
  ];
}

/** The byte pipe once negotiated: data unescaped by the decoder, writes escaped. */
export class Rfc2217Transport extends BaseTransport {
  readonly lineState: { modem?: number; line?: number } = {};

  constructor(readonly description: string, private readonly socket: net.Socket) {
    super();
  }

  deliver(data: Buffer): void {
    if (data.length > 0) this.emitData(data);
  }

  ended(err?: Error): void {
    this.emitClose(err);
  }

  write(data: Uint8Array): Promise<void> {
    if (this.closed || this.socket.destroyed) {
      return Promise.reject(new Error(`${this.description}: write after the connection closed`));
    }
    return new Promise((resolve, reject) => {
      this.socket.write(escapeIac(data), (err) => (err ? reject(new Error(`${this.description}: write failed: ${err.message}`)) : resolve()));
    });
  }

  close(): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.end();
      // ser2net closes promptly; do not let a silent peer hold us.
      setTimeout(() => this.socket.destroy(), 500).unref();
    });
  }
}

/**
 * Connect to an RFC 2217 server and configure its serial line (baud, 8N1).
 * Resolves once BINARY is on in both directions and the server has acknowledged every setting.
 */
export function openRfc2217(url: string, opts: Rfc2217Options = {}): Promise<Transport> {
  const { host, port } = parseRfc2217Url(url);
  const baud = opts.baudRate ?? 115200;
  if (!Number.isInteger(baud) || baud < 1 || baud > 0xffffffff) {
    return Promise.reject(new Error(`${url}: baudRate ${baud} is not an integer in 1..4294967295`));
  }
  const timeoutMs = opts.negotiationTimeoutMs ?? 5000;
  const settings = wantedSettings(baud);
  const acked = new Map<number, Buffer>();
  const socket = net.connect({ host, port });
  socket.setNoDelay(true);
  const transport = new Rfc2217Transport(url, socket);

  return new Promise<Transport>((resolve, reject) => {
    let settled = false;
    let settingsSent = false;
    const fail = (msg: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      reject(new Error(`${url}: ${msg}`));
    };

    const both = new Set([OPT_BINARY, OPT_SGA, OPT_COM_PORT]);
    // ECHO from the server is harmless (ser2net offers it and echoes nothing); accept it like pyserial.
    const options = new TelnetOptions(both, new Set([OPT_BINARY, OPT_SGA, OPT_ECHO]), (b) => socket.write(b), () => progress());

    const progress = () => {
      if (settled) return;
      if (options.refusedLocal.has(OPT_COM_PORT)) return fail('server refused COM-PORT-OPTION (44): not an RFC 2217 port (a plain telnet or raw accepter?)');
      if (options.refusedLocal.has(OPT_BINARY)) return fail('server refused BINARY transmission (we WILL BINARY, it said DONT)');
      if (options.refusedRemote.has(OPT_BINARY)) return fail('server refused BINARY transmission (we DO BINARY, it said WONT)');
      if (!settingsSent && options.local.has(OPT_COM_PORT)) {
        settingsSent = true;
        for (const s of settings) socket.write(subnegotiation(OPT_COM_PORT, Buffer.concat([Buffer.from([s.cmd]), s.value])));
      }
      for (const s of settings) {
        const got = acked.get(s.cmd);
        if (got && !got.equals(s.value)) {
          return fail(`server set ${s.name} ${s.shown(got)}, asked for ${s.shown(s.value)}`);
        }
      }
      const done = settings.every((s) => acked.has(s.cmd)) && options.local.has(OPT_BINARY) && options.remote.has(OPT_BINARY);
      if (done) {
        settled = true;
        clearTimeout(timer);
        resolve(transport);
      }
    };

    const decoder = new TelnetDecoder({
      command: (verb, opt) => options.handle(verb, opt),
      subnegotiation: (opt, payload) => {
        if (opt !== OPT_COM_PORT || payload.length === 0) return;
        const cmd = payload[0] - CPO_SERVER_OFFSET;
        const value = payload.subarray(1);
        if (cmd >= CPO.SET_BAUDRATE && cmd <= CPO.SET_STOPSIZE) {
          if (!acked.has(cmd)) acked.set(cmd, Buffer.from(value));
          progress();
        } else if (cmd === 6) transport.lineState.line = value[0];      // NOTIFY-LINESTATE
        else if (cmd === 7) transport.lineState.modem = value[0];       // NOTIFY-MODEMSTATE
        // SIGNATURE, flow-control suspend/resume and others: nothing to do for a byte pipe.
      },
    });

    const timer = setTimeout(() => {
      const missing: string[] = [];
      if (!options.local.has(OPT_COM_PORT)) missing.push('COM-PORT-OPTION (no DO 44)');
      if (!options.local.has(OPT_BINARY)) missing.push('BINARY to server');
      if (!options.remote.has(OPT_BINARY)) missing.push('BINARY from server');
      for (const s of settings) if (!acked.has(s.cmd)) missing.push(`${s.name} reply`);
      fail(`RFC 2217 negotiation timed out after ${timeoutMs} ms waiting for: ${missing.join(', ')}`);
    }, timeoutMs);

    socket.on('connect', () => {
      // One segment: a server that refuses the session writes why and closes; a second write would
      // meet its reset (EPIPE) and lose that text.
      socket.cork();
      options.requestLocal(OPT_BINARY);
      options.requestRemote(OPT_BINARY);
      options.requestLocal(OPT_SGA);
      options.requestRemote(OPT_SGA);
      options.requestLocal(OPT_COM_PORT);
      socket.uncork();
    });
    // Text a server sends before closing explains why (ser2net: "Port's device already in use").
    let said = '';
    const closed = () => fail(`server closed the connection during RFC 2217 negotiation${said.trim() ? `; it said: ${JSON.stringify(said.trim())}` : ''}`);
    socket.on('data', (chunk: Buffer) => {
      const data = decoder.push(chunk);
      if (!settled && said.length < 200) said += data.toString('latin1').replace(/[^\x20-\x7e\r\n]/g, '');
      transport.deliver(data);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (settled) transport.ended(new Error(`${url}: ${err.message}`));
      else if (err.code === 'EPIPE' || err.code === 'ECONNRESET') closed();
      else fail(`connect failed: ${err.message}`);
    });
    socket.on('close', () => {
      if (!settled) closed();
      else transport.ended();
    });
  });
}
