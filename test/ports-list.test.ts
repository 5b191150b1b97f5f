// The port list with and without udevadm: serialport's lister when udevadm runs, the kernel's
// sysfs view when it does not (containers, minimal images), and the same board guess from both.

import t, { Test } from 'tap';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { listPortsSysfs, scanPorts } from '../src/board/ports';

const STLINK = 'ST-LINK/V2-1 virtual COM port (NUCLEO-64 boards, e.g. stm32l4: NUCLEO-L476RG)';

/** A fake / with the sysfs layout of a NUCLEO (CDC ACM), an FTDI cable (usb-serial) and a PC UART. */
function fakeRoot(t: Test): string {
  const root = t.testdir({});
  const w = (p: string, v: string) => {
    fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    fs.writeFileSync(path.join(root, p), `${v}\n`);
  };
  const link = (p: string, target: string) => {
    fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    fs.symlinkSync(target, path.join(root, p));
  };
  const usb = 'sys/devices/pci0000:00/0000:00:14.0/usb1';
  // NUCLEO-L476RG: USB device 1-2, ACM interface 1-2:1.2, tty below the interface.
  w(`${usb}/1-2/idVendor`, '0483');
  w(`${usb}/1-2/idProduct`, '374B');
  w(`${usb}/1-2/manufacturer`, 'STMicroelectronics');
  w(`${usb}/1-2/serial`, '066DFF485671664867165021');
  w(`${usb}/1-2/1-2:1.2/tty/ttyACM0/dev`, '166:0');
  link('sys/class/tty/ttyACM0', `../../devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.2/tty/ttyACM0`);
  link(`${usb}/1-2/1-2:1.2/tty/ttyACM0/device`, '../../../1-2:1.2');
  // FTDI FT232R: the tty's device is the usb-serial port, two levels below the USB device.
  w(`${usb}/1-3/idVendor`, '0403');
  w(`${usb}/1-3/idProduct`, '6001');
  w(`${usb}/1-3/1-3:1.0/ttyUSB0/tty/ttyUSB0/dev`, '188:0');
  link('sys/class/tty/ttyUSB0', '../../devices/pci0000:00/0000:00:14.0/usb1/1-3/1-3:1.0/ttyUSB0/tty/ttyUSB0');
  link(`${usb}/1-3/1-3:1.0/ttyUSB0/tty/ttyUSB0/device`, '../../../ttyUSB0');
  // A PC UART (platform device, no USB ids), a virtual terminal and ptmx (no device: not listed).
  w('sys/devices/platform/serial8250/tty/ttyS0/dev', '4:64');
  link('sys/class/tty/ttyS0', '../../devices/platform/serial8250/tty/ttyS0');
  link('sys/devices/platform/serial8250/tty/ttyS0/device', '../../../serial8250');
  w('sys/devices/virtual/tty/tty0/dev', '4:0');
  link('sys/class/tty/tty0', '../../devices/virtual/tty/tty0');
  w('sys/devices/virtual/tty/ptmx/dev', '5:2');
  link('sys/class/tty/ptmx', '../../devices/virtual/tty/ptmx');
  link('dev/serial/by-id/usb-STMicroelectronics_STM32_STLink_066DFF485671664867165021-if02', '../../ttyACM0');
  return root;
}

t.test('sysfs: USB ids, serial, manufacturer, by-id name and the board guess', async (t) => {
  const root = fakeRoot(t);
  t.same(listPortsSysfs(root), [
    {
      path: '/dev/ttyACM0',
      vendorId: '0483',
      productId: '374b',
      manufacturer: 'STMicroelectronics',
      serialNumber: '066DFF485671664867165021',
      pnpId: 'usb-STMicroelectronics_STM32_STLink_066DFF485671664867165021-if02',
      guess: STLINK,
    },
    { path: '/dev/ttyS0' },
    { path: '/dev/ttyUSB0', vendorId: '0403', productId: '6001', guess: 'FTDI FT232R USB UART' },
  ]);
  t.same(listPortsSysfs(path.join(root, 'nowhere')), [], 'no sysfs: an empty list, no throw');
});

t.test('scanPorts falls back to sysfs when udevadm is missing, and says so', async (t) => {
  const root = fakeRoot(t);
  const enoent = Object.assign(new Error('spawn udevadm ENOENT'), { code: 'ENOENT' });
  const r = await scanPorts({ root, list: () => Promise.reject(enoent) });
  t.equal(r.source, 'sysfs');
  t.equal(r.notice, 'udevadm not found: port details from /sys/class/tty and /dev/serial/by-id');
  t.equal(r.ports[0].guess, STLINK);
  const failed = await scanPorts({ root, list: () => Promise.reject(new Error('Error listing ports udevadm exited with error code: 1')) });
  t.equal(failed.notice, 'udevadm failed (Error listing ports udevadm exited with error code: 1): port details from /sys/class/tty and /dev/serial/by-id');
  const empty = await scanPorts({ root, list: async () => [] });
  t.equal(empty.source, 'sysfs', 'an empty udev database (container without udevd) falls back too');
  t.equal(empty.notice, 'udev listed no ports: port details from /sys/class/tty and /dev/serial/by-id');
});

t.test('serialport lister first when it works', async (t) => {
  const root = fakeRoot(t);
  const r = await scanPorts({ root, list: async () => [{ path: '/dev/ttyACM3', vendorId: '0483', productId: '374E' }] });
  t.same(r, { source: 'serialport', ports: [{ path: '/dev/ttyACM3', vendorId: '0483', productId: '374e', guess: 'ST-LINK/V3E virtual COM port (NUCLEO-144 boards, e.g. stm32h7: NUCLEO-H743ZI2)' }] });
});

// The real lister, with PATH changed: what a container user gets, and what a udev machine gets.
t.test('real lister without udevadm on PATH', { skip: process.platform !== 'linux' && 'Linux only' }, async (t) => {
  const saved = process.env.PATH;
  process.env.PATH = t.testdir({});
  t.teardown(() => {
    process.env.PATH = saved;
  });
  const r = await scanPorts();
  t.equal(r.source, 'sysfs');
  t.match(r.notice, /^udevadm not found: /);
  for (const p of r.ports) t.match(p.path, /^\/dev\/(tty|rfcomm)/);
});

t.test('real lister with a udevadm on PATH', { skip: process.platform !== 'linux' && 'Linux only' }, async (t) => {
  const dir = t.testdir({
    // The `udevadm info -e` database format: P (device path), N (node name), E (properties).
    // (echo is a shell builtin: PATH holds nothing but this script.)
    udevadm: ['#!/bin/sh', ...[
      'P: /devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.2/tty/ttyACM0',
      'N: ttyACM0',
      'E: DEVNAME=/dev/ttyACM0',
      'E: ID_VENDOR_ID=0483',
      'E: ID_MODEL_ID=374b',
      'E: ID_SERIAL_SHORT=066DFF485671664867165021',
      'E: ID_VENDOR_ENC=STMicroelectronics',
      'E: DEVLINKS=/dev/serial/by-id/usb-STMicroelectronics_STM32_STLink_066DFF485671664867165021-if02',
      '',
      'P: /devices/virtual/tty/tty0',
      'N: tty0',
      'E: DEVNAME=/dev/tty0',
      '',
    ].map((l) => `echo '${l}'`)].join('\n'),
  });
  fs.chmodSync(path.join(dir, 'udevadm'), 0o755);
  const saved = process.env.PATH;
  process.env.PATH = dir;
  t.teardown(() => {
    process.env.PATH = saved;
  });
  const r = await scanPorts();
  t.equal(r.source, 'serialport');
  t.equal(r.notice, undefined);
  t.same(r.ports, [
    {
      path: '/dev/ttyACM0',
      manufacturer: 'STMicroelectronics',
      serialNumber: '066DFF485671664867165021',
      vendorId: '0483',
      productId: '374b',
      pnpId: 'usb-STMicroelectronics_STM32_STLink_066DFF485671664867165021-if02',
      guess: STLINK,
    },
  ]);
});

t.test('`run-hil.js ports` without udevadm prints a list and the notice', { skip: process.platform !== 'linux' && 'Linux only' }, async (t) => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'th-nopath-'));
  t.teardown(() => fs.rmSync(empty, { recursive: true, force: true }));
  const r = spawnSync(process.execPath, [path.join(__dirname, '..', 'run-hil.js'), 'ports'], {
    env: { ...process.env, PATH: empty },
    encoding: 'utf8',
  });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stderr, /^note: udevadm not found: port details from \/sys\/class\/tty and \/dev\/serial\/by-id\n/);
  for (const line of r.stdout.trim().split('\n')) {
    if (line === 'no serial ports found') continue;
    t.match(JSON.parse(line), { path: /^\/dev\// });
  }
});
