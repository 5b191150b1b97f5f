// listPorts: serial ports with a guess of the board behind each. On Linux serialport's list
// shells out to `udevadm`, which containers and minimal images lack: then the kernel's own
// view (/sys/class/tty, /dev/serial/by-id) gives the same USB ids, serial and manufacturer.

import * as fs from 'fs';
import * as path from 'path';
import { SerialPort } from 'serialport';

export interface PortInfo {
  path: string;
  manufacturer?: string;
  serialNumber?: string;
  vendorId?: string;
  productId?: string;
  /** The /dev/serial/by-id name, when there is one. */
  pnpId?: string;
  /** What the USB IDs suggest ("ST-LINK/V2-1 (NUCLEO-L476RG class)"), if known. */
  guess?: string;
}

export interface PortScan {
  ports: PortInfo[];
  /** Where the details came from. */
  source: 'serialport' | 'sysfs';
  /** One line for the user when the fallback was taken (why, and where details came from). */
  notice?: string;
}

export interface ScanOptions {
  /** Root of the file system holding sys/ and dev/ (tests point it at a fake tree). Default '/'. */
  root?: string;
  /** The serialport lister; tests replace it. */
  list?: () => Promise<Array<{ path: string; manufacturer?: string; serialNumber?: string; vendorId?: string; productId?: string; pnpId?: string }>>;
}

/** Known VID:PID pairs (lower-case hex) and what sits behind them. */
export const KNOWN_USB: Record<string, string> = {
  '0483:374b': 'ST-LINK/V2-1 virtual COM port (NUCLEO-64 boards, e.g. stm32l4: NUCLEO-L476RG)',
  '0483:374e': 'ST-LINK/V3E virtual COM port (NUCLEO-144 boards, e.g. stm32h7: NUCLEO-H743ZI2)',
  '0483:3752': 'ST-LINK/V2-1 virtual COM port (NUCLEO boards, no mass storage)',
  '0483:3753': 'ST-LINK/V3 virtual COM port (two UARTs)',
  '0483:5740': 'STM32 USB CDC (application firmware)',
  '1915:c00a': 'Nordic PPK2 (power profiler)',
  '0403:6010': 'FTDI FT2232 (GAP9 EVK UART/JTAG)',
  '0403:6001': 'FTDI FT232R USB UART',
};

export function guessBoard(vendorId?: string, productId?: string): string | undefined {
  if (!vendorId || !productId) return undefined;
  return KNOWN_USB[`${vendorId.toLowerCase()}:${productId.toLowerCase()}`];
}

/** The tty names serialport's Linux lister keeps (same pattern, so both paths list the same ports). */
const SERIAL_TTY = /^(tty(S|WCH|ACM|USB|AMA|MFD|O|XRUSB)|rfcomm)/;

function readAttr(dir: string, name: string): string | undefined {
  try {
    const v = fs.readFileSync(path.join(dir, name), 'utf8').trim();
    return v || undefined;
  } catch {
    return undefined;
  }
}

/** by-id link targets (resolved device paths) -> link name. */
function byIdNames(root: string): Map<string, string> {
  const dir = path.join(root, 'dev', 'serial', 'by-id');
  const out = new Map<string, string>();
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return out;
  }
  for (const n of names) {
    try {
      const target = path.basename(fs.readlinkSync(path.join(dir, n)));
      out.set(target, n);
    } catch {
      /* not a link: skip */
    }
  }
  return out;
}

/** Ports as the kernel exposes them: every serial-named tty with a device behind it. */
export function listPortsSysfs(root = '/'): PortInfo[] {
  const classDir = path.join(root, 'sys', 'class', 'tty');
  let names: string[];
  try {
    names = fs.readdirSync(classDir);
  } catch {
    return [];
  }
  const byId = byIdNames(root);
  const ports: PortInfo[] = [];
  for (const name of names.filter((n) => SERIAL_TTY.test(n)).sort(naturalOrder)) {
    let dev: string;
    try {
      dev = fs.realpathSync(path.join(classDir, name, 'device'));
    } catch {
      continue; // no device behind it (virtual terminal, pty)
    }
    const info: PortInfo = { path: path.join('/dev', name) };
    // The USB device holding idVendor sits one (CDC ACM interface) or two (usb-serial port) levels up.
    for (let d = dev, i = 0; i < 4 && d !== path.dirname(d); d = path.dirname(d), i++) {
      const vid = readAttr(d, 'idVendor');
      if (!vid) continue;
      info.vendorId = vid.toLowerCase();
      const pid = readAttr(d, 'idProduct');
      if (pid) info.productId = pid.toLowerCase();
      const man = readAttr(d, 'manufacturer');
      if (man) info.manufacturer = man;
      const sn = readAttr(d, 'serial');
      if (sn) info.serialNumber = sn;
      break;
    }
    const id = byId.get(name);
    if (id) info.pnpId = id;
    ports.push(withGuess(info));
  }
  return ports;
}

function naturalOrder(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

function withGuess(p: PortInfo): PortInfo {
  const g = guessBoard(p.vendorId, p.productId);
  return g ? { ...p, guess: g } : p;
}

/** The port list with where it came from; falls back to sysfs when serialport's lister cannot run. */
export async function scanPorts(opts: ScanOptions = {}): Promise<PortScan> {
  const root = opts.root ?? '/';
  const list = opts.list ?? (() => SerialPort.list());
  let why: string;
  try {
    const found = await list();
    const ports = found.map((p) => {
      const info: PortInfo = { path: p.path };
      if (p.manufacturer) info.manufacturer = p.manufacturer;
      if (p.serialNumber) info.serialNumber = p.serialNumber;
      if (p.vendorId) info.vendorId = p.vendorId.toLowerCase();
      if (p.productId) info.productId = p.productId.toLowerCase();
      if (p.pnpId) info.pnpId = p.pnpId;
      return withGuess(info);
    });
    if (ports.length || process.platform !== 'linux') return { ports, source: 'serialport' };
    // udev present but its database empty (a container without udevd): the kernel may know more.
    why = 'udev listed no ports';
  } catch (e) {
    if (process.platform !== 'linux') throw e;
    const err = e as NodeJS.ErrnoException;
    why = err.code === 'ENOENT' ? 'udevadm not found' : `udevadm failed (${err.message})`;
  }
  const ports = listPortsSysfs(root);
  if (why === 'udev listed no ports' && !ports.length) return { ports, source: 'serialport' };
  return { ports, source: 'sysfs', notice: `${why}: port details from /sys/class/tty and /dev/serial/by-id` };
}

export async function listPorts(opts: ScanOptions = {}): Promise<PortInfo[]> {
  return (await scanPorts(opts)).ports;
}
