// ser2net.ts - start socat pty pairs and a foreground ser2net exporting a device, for tests and lab scripts.
import { spawn, spawnSync, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

/** Why ser2net-based tests cannot run here, or null when socat and ser2net are both installed. */
export function ser2netMissing(): string | null {
  const missing = ['ser2net', 'socat'].filter((b) => spawnSync('sh', ['-c', `command -v ${b}`]).status !== 0);
  return missing.length ? `${missing.join(' and ')} not installed (apt-get install ${missing.join(' ')})` : null;
}

export interface Proc { pid: number; stop(): Promise<void>; log(): string }

function track(child: ChildProcess): Proc & { exited: Promise<number | null> } {
  let log = '';
  child.stdout?.on('data', (d) => { log += d; });
  child.stderr?.on('data', (d) => { log += d; });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  let gone = false;
  child.on('exit', () => { gone = true; });
  return {
    pid: child.pid!,
    exited,
    log: () => log,
    stop: async () => {
      if (gone) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** A socat pty pair (raw, no echo): bytes written to one end come out of the other. */
export async function startPtyPair(): Promise<Proc & { a: string; b: string }> {
  const child = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const p = track(child);
  for (let i = 0; i < 100; i++) {
    const ptys = [...p.log().matchAll(/PTY is (\/dev\/pts\/\d+)/g)].map((m) => m[1]);
    if (ptys.length === 2 && /starting data transfer loop/.test(p.log())) return { ...p, a: ptys[0], b: ptys[1] };
    await new Promise((r) => setTimeout(r, 50));
  }
  await p.stop();
  throw new Error(`socat did not report two ptys within 5 s; its output:\n${p.log()}`);
}

/** A TCP port free right now on 127.0.0.1 (the kernel's pick). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitListening(port: number, proc: Proc, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1');
      s.on('connect', () => { s.destroy(); r(true); });
      s.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`ser2net did not listen on 127.0.0.1:${port} within ${ms} ms; its output:\n${proc.log()}`);
}

export interface Ser2net extends Proc {
  rawPort: number; rfc2217Port: number; rawUrl: string; rfc2217Url: string; configFile: string;
  /** Resolves once ser2net holds no descriptor on the device (it closes it some time after a session ends). */
  waitIdle(ms?: number): Promise<void>;
}

/** Whether process `pid` has `device` open, from its /proc/<pid>/fd links. */
function holds(pid: number, device: string): boolean {
  const dir = `/proc/${pid}/fd`;
  let fds: string[];
  try { fds = fs.readdirSync(dir); } catch { return false; }
  return fds.some((fd) => { try { return fs.readlinkSync(path.join(dir, fd)) === device; } catch { return false; } });
}

/** Waits until the device has been free for 200 ms running (a session just accepted may not have opened it yet). */
async function waitReleased(pid: number, device: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  let freeSince = Date.now();
  while (Date.now() - freeSince < 200) {
    if (holds(pid, device)) freeSince = Date.now();
    if (Date.now() > end) throw new Error(`ser2net (pid ${pid}) still holds ${device} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Run ser2net in the foreground exporting `device` on a raw TCP and an RFC 2217 accepter (127.0.0.1).
 * Readiness is probed by connecting to both ports; ser2net opens the device per session and
 * closes it a little after the probe disconnects, so start returns only once the device is released:
 * a session opened while ser2net still holds it is refused ("Port's device already in use").
 */
export async function startSer2net(device: string, baud = 115200): Promise<Ser2net> {
  const rawPort = await freePort();
  const rfc2217Port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyhil-ser2net-'));
  const template = fs.readFileSync(path.join(__dirname, 'pty.yaml.template'), 'utf8');
  const config = template
    .replace(/@DEVICE@/g, device).replace(/@BAUD@/g, String(baud)).replace(/@BIND@/g, '127.0.0.1')
    .replace(/@RAW_PORT@/g, String(rawPort)).replace(/@RFC2217_PORT@/g, String(rfc2217Port));
  const configFile = path.join(dir, 'ser2net.yaml');
  fs.writeFileSync(configFile, config);
  const child = spawn('ser2net', ['-n', '-d', '-u', '-c', configFile, '-P', path.join(dir, 'ser2net.pid')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const p = track(child);
  const early = p.exited.then((code) => { throw new Error(`ser2net exited (code ${code}) at start; its output:\n${p.log()}`); });
  try {
    await Promise.race([Promise.all([waitListening(rawPort, p, 5000), waitListening(rfc2217Port, p, 5000)]), early]);
  } catch (e) {
    await p.stop();
    throw e;
  }
  early.catch(() => {});
  await waitReleased(p.pid, device, 5000);
  return {
    ...p,
    rawPort, rfc2217Port, configFile,
    rawUrl: `tcp://127.0.0.1:${rawPort}`,
    rfc2217Url: `rfc2217://127.0.0.1:${rfc2217Port}`,
    stop: async () => { await p.stop(); fs.rmSync(dir, { recursive: true, force: true }); },
    waitIdle: (ms = 5000) => waitReleased(p.pid, device, ms),
  };
}
