// listPorts: serial ports from serialport's SerialPort.list(), with a guess of the board behind each.

import { SerialPort } from 'serialport';

export interface PortInfo {
  path: string;
  manufacturer?: string;
  serialNumber?: string;
  vendorId?: string;
  productId?: string;
  /** What the USB IDs suggest ("ST-LINK/V2-1 (NUCLEO-L476RG class)"), if known. */
  guess?: string;
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

export async function listPorts(): Promise<PortInfo[]> {
  const ports = await SerialPort.list();
  return ports.map((p) => {
    const info: PortInfo = { path: p.path };
    if (p.manufacturer) info.manufacturer = p.manufacturer;
    if (p.serialNumber) info.serialNumber = p.serialNumber;
    if (p.vendorId) info.vendorId = p.vendorId.toLowerCase();
    if (p.productId) info.productId = p.productId.toLowerCase();
    const g = guessBoard(p.vendorId, p.productId);
    if (g) info.guess = g;
    return info;
  });
}
