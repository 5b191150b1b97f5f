// serial.ts - opens an instrument's serial port (device or pty) with errors that name the instrument and port.
import { SerialPort } from 'serialport';

export async function openSerial(instrument: string, port: string, baudRate: number): Promise<SerialPort> {
  const sp = new SerialPort({ path: port, baudRate, autoOpen: false });
  await new Promise<void>((resolve, reject) =>
    sp.open((err) => (err ? reject(new Error(`${instrument}: cannot open ${port} at ${baudRate} baud: ${err.message}`)) : resolve())),
  );
  return sp;
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
