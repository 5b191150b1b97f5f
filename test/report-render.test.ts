// report-render.test.ts - markdown/CSV exactly, and the HTML report with plots opened in headless chromium.
import t from 'tap';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { KERNELS } from '../src/golden';
import type { ResultRecord } from '../src/results/record';
import { reportFile, renderMarkdown, renderCsv, renderHtml, reportPlots, inlineSvg, renderReport } from '../src/report';

/** A lab night in miniature: two boards, three tests, four sequence lengths; one mismatch, one error rerun. */
export function fixtureRecords(): ResultRecord[] {
  const out: ResultRecord[] = [];
  const boards = [
    { board: 'host-sim', unit: 'ns (host)', rate: { linear_qk: 1.9, mhsa: 1.4, mhsa_dft: 1.3 } as Record<string, number> },
    { board: 'qemu-m4', unit: 'instructions (QEMU)', rate: { linear_qk: 0.62, mhsa: 0.48, mhsa_dft: 0.45 } as Record<string, number> },
  ];
  let minute = 0;
  for (const b of boards) {
    for (const kernel of ['linear_qk', 'mhsa', 'mhsa_dft']) {
      for (const S of [16, 32, 64, 128]) {
        const shape = kernel === 'mhsa_dft' ? { S, E: 64, P: 32, H: 4, T: 16 } : { S, E: 64, P: 32, H: 4 };
        const k = KERNELS[kernel];
        const macs = k.macs(shape);
        const io = k.inputs.reduce((n, i) => n + i.dims(shape).reduce((a, d) => a * d, 1) * (i.dtype === 'i16' ? 2 : 1), 0)
          + k.output.dims(shape).reduce((a, d) => a * d, 1);
        // a mild S-dependence so the MAC/count lines are not flat
        const rate = b.rate[kernel] * (1 + Math.log2(S) / 20);
        const counter = Math.round(macs / rate);
        const rec: ResultRecord = {
          board: b.board, firmwareVersion: '0.1.0', kernel, test: kernel, shape, cores: 1, bitExact: true,
          counter, counterUnit: b.unit, macs, macPerCount: macs / counter, arenaPeak: io + k.scratch(shape, 1),
          timestamp: new Date(Date.UTC(2026, 0, 2, 1, minute++)).toISOString(),
        };
        if (b.board === 'qemu-m4') {
          const uJ = (counter / 25e6) * 15e-3 * 1e6; // 25 M instr/s at 15 mW
          rec.energy = { source: 'model', perInferenceUj: uJ, perMacPj: (uJ * 1e6) / macs, avgPowerMw: 15, estimate: true };
        }
        if (b.board === 'qemu-m4' && kernel === 'mhsa' && S === 128) {
          rec.bitExact = false;
          rec.mismatch = 'O[s=3,e=17]: board 12, golden 13 (and 4 more)';
        }
        if (b.board === 'host-sim' && kernel === 'linear_qk' && S === 128) {
          // first attempt died; the rerun (below) supersedes it
          out.push({ board: b.board, firmwareVersion: '0.1.0', kernel, test: kernel, shape, cores: 1, bitExact: false, macs,
            error: 'host-sim: no answer after 3 retries', timestamp: new Date(Date.UTC(2026, 0, 2, 0, 59)).toISOString() });
        }
        out.push(rec);
      }
    }
  }
  return out;
}

function writeFixture(dir: string): string {
  const file = path.join(dir, 'night.jsonl');
  const lines = fixtureRecords().map((r) => JSON.stringify(r) + '\n').join('');
  fs.writeFileSync(file, lines + '{"board":"qemu-m4","firmwareVersion":"0.1.0","ker'); // killed mid-write
  return file;
}

/** Checked by eye once (numbers follow from fixtureRecords), then frozen. */
const MARKDOWN = [
  '| test | board | kernel | S | E | P | H | T | cores | bit-exact | counter | unit | MAC/count | arena peak [B] | energy [µJ] |',
  '|:---|:---|:---|---:|---:|---:|---:|---:|---:|:---|---:|:---|---:|---:|---:|',
  '| linear_qk | host-sim | linear_qk | 16 | 64 | 32 | 4 | - | 1 | ✓ | 57,488 | ns (host) | 2.28 | 11,520 | - |',
  '| linear_qk | host-sim | linear_qk | 32 | 64 | 32 | 4 | - | 1 | ✓ | 110,376 | ns (host) | 2.38 | 14,592 | - |',
  '| linear_qk | host-sim | linear_qk | 64 | 64 | 32 | 4 | - | 1 | ✓ | 212,262 | ns (host) | 2.47 | 20,736 | - |',
  '| linear_qk | host-sim | linear_qk | 128 | 64 | 32 | 4 | - | 1 | ✓ | 408,802 | ns (host) | 2.56 | 33,024 | - |',
  '| linear_qk | qemu-m4 | linear_qk | 16 | 64 | 32 | 4 | - | 1 | ✓ | 176,172 | instructions (QEMU) | 0.744 | 11,520 | 106* |',
  '| linear_qk | qemu-m4 | linear_qk | 32 | 64 | 32 | 4 | - | 1 | ✓ | 338,250 | instructions (QEMU) | 0.775 | 14,592 | 203* |',
  '| linear_qk | qemu-m4 | linear_qk | 64 | 64 | 32 | 4 | - | 1 | ✓ | 650,481 | instructions (QEMU) | 0.806 | 20,736 | 390* |',
  '| linear_qk | qemu-m4 | linear_qk | 128 | 64 | 32 | 4 | - | 1 | ✓ | 1,252,779 | instructions (QEMU) | 0.837 | 33,024 | 752* |',
  '| mhsa | host-sim | mhsa | 16 | 64 | 32 | 4 | - | 1 | ✓ | 351,086 | ns (host) | 1.68 | 44,928 | - |',
  '| mhsa | host-sim | mhsa | 32 | 64 | 32 | 4 | - | 1 | ✓ | 748,983 | ns (host) | 1.75 | 58,240 | - |',
  '| mhsa | host-sim | mhsa | 64 | 64 | 32 | 4 | - | 1 | ✓ | 1,728,422 | ns (host) | 1.82 | 91,008 | - |',
  '| mhsa | host-sim | mhsa | 128 | 64 | 32 | 4 | - | 1 | ✓ | 4,438,417 | ns (host) | 1.89 | 181,120 | - |',
  '| mhsa | qemu-m4 | mhsa | 16 | 64 | 32 | 4 | - | 1 | ✓ | 1,024,000 | instructions (QEMU) | 0.576 | 44,928 | 614* |',
  '| mhsa | qemu-m4 | mhsa | 32 | 64 | 32 | 4 | - | 1 | ✓ | 2,184,533 | instructions (QEMU) | 0.6 | 58,240 | 1311* |',
  '| mhsa | qemu-m4 | mhsa | 64 | 64 | 32 | 4 | - | 1 | ✓ | 5,041,231 | instructions (QEMU) | 0.624 | 91,008 | 3025* |',
  '| mhsa | qemu-m4 | mhsa | 128 | 64 | 32 | 4 | - | 1 | ✗ | 12,945,383 | instructions (QEMU) | 0.648 | 181,120 | 7767* |',
  '| mhsa_dft | host-sim | mhsa_dft | 16 | 64 | 32 | 4 | 16 | 1 | ✓ | 378,092 | ns (host) | 1.56 | 42,624 | - |',
  '| mhsa_dft | host-sim | mhsa_dft | 32 | 64 | 32 | 4 | 16 | 1 | ✓ | 806,597 | ns (host) | 1.62 | 49,024 | - |',
  '| mhsa_dft | host-sim | mhsa_dft | 64 | 64 | 32 | 4 | 16 | 1 | ✓ | 1,861,378 | ns (host) | 1.69 | 61,824 | - |',
  '| mhsa_dft | host-sim | mhsa_dft | 128 | 64 | 32 | 4 | 16 | 1 | ✓ | 4,779,834 | ns (host) | 1.75 | 87,424 | - |',
  '| mhsa_dft | qemu-m4 | mhsa_dft | 16 | 64 | 32 | 4 | 16 | 1 | ✓ | 1,092,267 | instructions (QEMU) | 0.54 | 42,624 | 655* |',
  '| mhsa_dft | qemu-m4 | mhsa_dft | 32 | 64 | 32 | 4 | 16 | 1 | ✓ | 2,330,169 | instructions (QEMU) | 0.562 | 49,024 | 1398* |',
  '| mhsa_dft | qemu-m4 | mhsa_dft | 64 | 64 | 32 | 4 | 16 | 1 | ✓ | 5,377,313 | instructions (QEMU) | 0.585 | 61,824 | 3226* |',
  '| mhsa_dft | qemu-m4 | mhsa_dft | 128 | 64 | 32 | 4 | 16 | 1 | ✓ | 13,808,408 | instructions (QEMU) | 0.608 | 87,424 | 8285* |',
  '',
  '23 of 24 points bit-exact',
  '',
  '- ✗ qemu-m4 mhsa (mhsa) S=128 E=64 P=32 H=4 cores=1: O[s=3,e=17]: board 12, golden 13 (and 4 more)',
  '',
  '\\* energy from the power model (an estimate, not a measurement)',
].join('\n') + '\n';

t.test('markdown: exact table, summary, failures, estimate note', async (t) => {
  const file = writeFixture(t.testdir());
  const { output, warnings } = await reportFile(file, 'md');
  if (process.env.REPORT_SCREENSHOT_DIR) fs.writeFileSync(path.join(process.env.REPORT_SCREENSHOT_DIR, 'report.md'), output);
  t.same(warnings, [`${file}:26: ignoring a torn last line (49 bytes, not valid JSON): the run stopped while writing it`]);
  t.equal(output, MARKDOWN);
});

t.test('csv: raw numbers, quoted fields, one row per point', async (t) => {
  const csv = renderCsv(fixtureRecords());
  const lines = csv.split('\n');
  t.equal(lines.length, 26, 'header, 24 points, final newline');
  t.equal(lines[0], 'test,board,firmware,kernel,S,E,P,H,T,cores,bit_exact,counter,counter_unit,macs,mac_per_count,arena_peak_bytes,energy_uj_per_inference,energy_pj_per_mac,energy_source,error,timestamp');
  const recs = fixtureRecords();
  const hs = recs.find((r) => r.board === 'host-sim' && r.kernel === 'linear_qk' && r.shape.S === 16)!;
  t.equal(lines[1], `linear_qk,host-sim,0.1.0,linear_qk,16,64,32,4,,1,true,${hs.counter},ns (host),131072,${hs.macPerCount},${hs.arenaPeak},,,,,2026-01-02T01:00:00.000Z`);
  const bad = recs.find((r) => r.board === 'qemu-m4' && r.kernel === 'mhsa' && r.shape.S === 128)!;
  const badLine = lines.find((l) => l.startsWith('mhsa,qemu-m4,0.1.0,mhsa,128,'))!;
  t.equal(badLine, `mhsa,qemu-m4,0.1.0,mhsa,128,64,32,4,,1,false,${bad.counter},instructions (QEMU),${bad.macs},${bad.macPerCount},${bad.arenaPeak},`
    + `${bad.energy!.perInferenceUj},${bad.energy!.perMacPj},model,"O[s=3,e=17]: board 12, golden 13 (and 4 more)",${bad.timestamp}`);
  const dft = lines.filter((l) => l.startsWith('mhsa_dft,'));
  t.equal(dft.length, 8);
  t.ok(dft.every((l) => l.split(',')[8] === '16'), 'T column filled for mhsa_dft');
  t.notOk(csv.includes('no answer after 3 retries'), 'the superseded error record is not reported');
  t.equal(await renderReport(fixtureRecords(), 'csv'), csv);
  await t.rejects(renderReport([], 'pdf' as 'md'), { message: '--format pdf: expected one of md, csv, html' });
  t.equal(renderCsv([]), 'test,board,firmware,kernel,S,E,P,H,T,cores,bit_exact,counter,counter_unit,macs,mac_per_count,arena_peak_bytes,energy_uj_per_inference,energy_pj_per_mac,energy_source,error,timestamp\n');
});

t.test('markdown escapes pipes; an errored point shows ✗ error', async (t) => {
  const r = fixtureRecords()[0];
  const md = renderMarkdown([{ ...r, test: 'a|b', error: 'x', counter: undefined, macPerCount: undefined, arenaPeak: undefined, counterUnit: undefined }]);
  t.match(md, /^\| a\\\|b \| host-sim \| linear_qk \| 16 \| 64 \| 32 \| 4 \| 1 \| ✗ error \| - \| - \| - \| - \|$/m);
  t.match(md, /^- ✗ host-sim a\\\|b \(linear_qk\) S=16 E=64 P=32 H=4 cores=1: x$/m);
});

t.test('plots: which ones, and their data', async (t) => {
  const plots = reportPlots(fixtureRecords());
  t.same(plots.map((p) => p.title), [
    'MAC per count vs S on host-sim (count: ns (host))',
    'MAC per count vs S on qemu-m4 (count: instructions (QEMU))',
    'Energy per inference on qemu-m4 (µJ, power-model estimate)',
    'Arena peak vs S: depth-first tiling (mhsa_dft) vs full MHSA',
  ]);
  const arena = (plots[3].spec.data as { values: Array<{ series: string; S: number; arenaPeak: number }> }).values;
  t.equal(arena.length, 8, 'one point per kernel and S, boards merged');
  const peak = (k: string, S: number) => arena.find((v) => v.series.startsWith(`${k} `) && v.S === S)!.arenaPeak;
  // the difference is exactly the attention map S·H·S that DFT never holds, minus its one tile T·S
  for (const S of [16, 32, 64, 128]) t.equal(peak('mhsa', S) - peak('mhsa_dft', S), KERNELS.mhsa.scratch({ S, E: 64, P: 32, H: 4, T: 16 }, 1) - KERNELS.mhsa_dft.scratch({ S, E: 64, P: 32, H: 4, T: 16 }, 1), `S=${S}`);
  t.same(reportPlots([]), []);
});

t.test('html: self-contained, opens in headless chromium, plots visible', async (t) => {
  const html = await renderHtml(fixtureRecords(), { title: 'tinyhil report: night.jsonl' });
  t.notMatch(html, /https?:/i, 'no URL of any kind in the page');
  t.notMatch(html, /<script|<link|<img|@import|url\(/i, 'nothing loaded from elsewhere');
  t.equal((html.match(/<svg /g) ?? []).length, 4, 'four inline SVG plots');
  t.match(html, /<td class="bad">✗<\/td>/);
  t.match(html, /<p class="meta">23 of 24 points bit-exact · 2026-01-02T01:00:00.000Z … 2026-01-02T01:23:00.000Z<\/p>/);
  t.same([...html.matchAll(/<figcaption>([^<]*)<\/figcaption>/g)].map((m) => m[1]), reportPlots(fixtureRecords()).map((p) => p.title.replace(/&/g, '&amp;')));
  t.equal(inlineSvg('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="1"><use xlink:href="#a"/></svg>'),
    '<svg width="1"><use href="#a"/></svg>');

  const outDir = process.env.REPORT_SCREENSHOT_DIR ?? t.testdir();
  const page = path.join(outDir, 'report.html');
  fs.writeFileSync(page, html);
  const chromium = ['chromium', 'chromium-browser', 'google-chrome'].find((c) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0);
  await t.test('opened in headless chromium', { skip: chromium ? false : 'chromium not installed (apt-get install chromium)' }, async (t) => {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyhil-chromium-'));
    const png = path.join(outDir, 'report.png');
    const r = spawnSync(chromium!, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`,
      `--screenshot=${png}`, '--window-size=1200,1600', `file://${page}`], { encoding: 'utf8', timeout: 120000 });
    fs.rmSync(profile, { recursive: true, force: true });
    t.ok(fs.existsSync(png), 'screenshot written', { chromiumExit: r.status, stderr: r.stderr.slice(-500) });
    const img = fs.readFileSync(png);
    t.equal(img.subarray(1, 4).toString(), 'PNG');
    t.equal(img.readUInt32BE(16), 1200, 'width');
    t.equal(img.readUInt32BE(20), 1600, 'height');
    // A blank white page compresses to a few kB; four plots and a table do not.
    t.ok(img.length > 60000, `screenshot has content (${img.length} bytes)`);
  });
});
