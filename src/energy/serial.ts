// serial.ts - opens an instrument's serial port (device or pty) with errors that name the instrument and port.
import { SerialPort } from 'serialport';

export async function openSerial(instrument: string, port: string, baudRate: number): Promise<SerialPort> {
  const sp = new SerialPort({ path: port, baudRate, autoOpen: false });
  await new Promise<void>((resolve, reject) =>
    sp.open((err) => (err ? reject(new Error(`${instrument}: cannot open ${port} at ${baudRate} baud: ${err.message}`)) : resolve())),
  );
  return sp;
}

/**
 * Reports port errors and an unexpected close (instrument unplugged) to `onFault` instead of letting the
 * stream's 'error' event crash the process; nothing is reported once `closing()` is true.
 */
export function watchSerial(sp: SerialPort, where: string, closing: () => boolean, onFault: (e: Error) => void): void {
  sp.on('error', (e: Error) => {
    if (!closing()) onFault(new Error(`${where}: serial port error: ${e.message}`));
  });
  sp.on('close', () => {
    if (!closing()) onFault(new Error(`${where}: the port closed (instrument unplugged or reset?)`));
  });
}

/** Discards bytes the OS holds for us (stale samples of an earlier acquisition). */
export function flushSerial(sp: SerialPort): Promise<void> {
  return new Promise((resolve) => sp.flush(() => resolve()));
}

/** Writes and drains, but never waits forever: a dead link (instrument gone) rejects after `timeoutMs`. */
export function writeSerial(sp: SerialPort, data: string | Buffer, where = sp.path, timeoutMs = 1000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${where}: writing ${data.length} bytes did not complete within ${timeoutMs} ms (link dead?)`)), timeoutMs);
    const done = (err?: Error | null) => {
      clearTimeout(timer);
      if (err) reject(new Error(`${where}: write failed: ${err.message}`));
      else resolve();
    };
    sp.write(data, (err) => (err ? done(err) : sp.drain((e) => done(e))));
  });
}

/** Closes the port; gives up waiting after `timeoutMs` (a port whose peer vanished may never confirm). */
export function closeSerial(sp: SerialPort, timeoutMs = 500): Promise<void> {
  return new Promise((resolve) => {
    if (!sp.isOpen) return resolve();
    const timer = setTimeout(resolve, timeoutMs);
    sp.close(() => { clearTimeout(timer); resolve(); });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
