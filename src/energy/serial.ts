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

export function writeSerial(sp: SerialPort, data: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    sp.write(data, (err) => (err ? reject(err) : sp.drain((e) => (e ? reject(e) : resolve()))));
  });
}

export function closeSerial(sp: SerialPort): Promise<void> {
  return new Promise((resolve) => {
    if (!sp.isOpen) return resolve();
    sp.close(() => resolve());
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
