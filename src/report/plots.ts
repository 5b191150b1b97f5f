// plots.ts - vega-lite specs for the report's plots, rendered to SVG strings in Node (no browser, no network).
import { pathToFileURL } from 'url';
import type { ResultRecord } from '../results/record';
import { blockGroups } from './layers';
import { reportRows } from './rows';

type Spec = Record<string, unknown>;
export interface Plot { title: string; spec: Spec }

interface VegaModules {
  vega: { View: new (rt: unknown, o: { renderer: string }) => { toSVG(): Promise<string>; finalize(): void }; parse(s: unknown): unknown };
  vegaLite: { compile(s: unknown): { spec: unknown } };
}

let modules: Promise<VegaModules> | undefined;

/**
 * vega and vega-lite ship as ES modules with top-level await, which require() cannot load, and
 * TypeScript's CommonJS output rewrites import() into require(): so import through a Function.
 */
function loadVega(): Promise<VegaModules> {
  const dynImport = new Function('u', 'return import(u)') as (u: string) => Promise<Record<string, unknown>>;
  const load = (name: string) => dynImport(pathToFileURL(require.resolve(name)).href);
  modules ??= Promise.all([load('vega'), load('vega-lite')]).then(([vega, vegaLite]) => ({
    vega: vega as unknown as VegaModules['vega'],
    vegaLite: vegaLite as unknown as VegaModules['vegaLite'],
  }));
  return modules;
}

/** A series: one kernel at one (E, P, H, T, cores), so a line joins points that differ only in S. */
function series(r: ResultRecord): string {
  const t = r.shape.T !== undefined ? ` T=${r.shape.T}` : '';
  const c = r.cores > 1 ? ` ×${r.cores}` : '';
  return `${r.kernel} E=${r.shape.E} P=${r.shape.P} H=${r.shape.H}${t}${c}`;
}

/** S on a log2 axis, ticked at the swept values (16, 32, 64 ...) rather than at decimal steps. */
function axisS(values: Array<{ S: number }>): Spec {
  const s = [...new Set(values.map((v) => v.S))].sort((a, b) => a - b);
  const lo = s[0], hi = s[s.length - 1];
  return {
    field: 'S', type: 'quantitative', title: 'sequence length S',
    scale: { type: 'log', base: 2, nice: false, domain: lo === hi ? [lo / 2, hi * 2] : [lo / 1.15, hi * 1.15] },
    axis: { values: s, format: 'd', grid: true },
  };
}

/** No title inside the SVG: the page captions each plot, so every plot keeps the same drawing width. */
/** Colour by `colour` (kernel by default, so the legend stays short on big sweeps); one line per series. */
function lineSpec(values: Array<{ S: number }>, y: Spec, colour: 'kernel' | 'series' = 'kernel'): Spec {
  return {
    width: 470,
    height: 260,
    data: { values },
    mark: { type: 'line', point: { size: 50, filled: true }, strokeWidth: 2 },
    encoding: {
      x: axisS(values),
      y,
      color: { field: colour, type: 'nominal', title: colour === 'kernel' ? 'kernel' : 'kernel and shape', scale: { scheme: 'category20' }, legend: { orient: 'bottom', direction: 'vertical', labelLimit: 400 } },
      detail: { field: 'series', type: 'nominal' },
      tooltip: [{ field: 'series' }, { field: 'S' }, { field: y.field as string, format: '.4~g' }],
    },
    config: { font: 'sans-serif', axis: { labelFontSize: 12, titleFontSize: 13 }, legend: { labelFontSize: 12, titleFontSize: 12 } },
  };
}

/** The plots a set of records supports, in page order. */
export function reportPlots(records: ResultRecord[]): Plot[] {
  const ok = reportRows(records).filter((r) => r.error === undefined);
  const plots: Plot[] = [];
  const boards = [...new Set(ok.map((r) => r.board))];

  for (const b of boards) {
    const rs = ok.filter((r) => r.board === b && r.macPerCount !== undefined && r.macPerCount > 0);
    if (!rs.length) continue;
    const unit = rs[0].counterUnit ?? 'count';
    const title = `MAC per count vs S on ${b} (count: ${unit})`;
    plots.push({
      title,
      spec: lineSpec(rs.map((r) => ({ kernel: r.kernel, series: series(r), S: r.shape.S, macPerCount: r.macPerCount })),
        { field: 'macPerCount', type: 'quantitative', title: `MAC per ${unit}` }),
    });
  }

  for (const b of boards) {
    const rs = ok.filter((r) => r.board === b && r.energy !== undefined && r.energy.perInferenceUj > 0);
    if (!rs.length) continue;
    const est = rs.every((r) => r.energy!.estimate) ? ', power-model estimate' : '';
    const title = `Energy per inference on ${b} (µJ${est})`;
    plots.push({
      title,
      spec: lineSpec(rs.map((r) => ({ kernel: r.kernel, series: series(r), S: r.shape.S, uJ: r.energy!.perInferenceUj })),
        { field: 'uJ', type: 'quantitative', title: 'µJ per inference', scale: { type: 'log' } }),
    });
  }

  // Arena peak is a property of the kernel and shape, not of the board: one line per series.
  const attn = ok.filter((r) => (r.kernel === 'mhsa' || r.kernel === 'mhsa_dft') && r.arenaPeak !== undefined && r.arenaPeak > 0);
  if (attn.some((r) => r.kernel === 'mhsa_dft')) {
    const title = 'Arena peak vs S: depth-first tiling (mhsa_dft) vs full MHSA';
    const seen = new Map<string, { S: number; series: string; arenaPeak?: number }>();
    for (const r of attn) seen.set(`${series(r)}|${r.shape.S}`, { series: series(r), S: r.shape.S, arenaPeak: r.arenaPeak });
    plots.push({
      title,
      spec: lineSpec([...seen.values()], { field: 'arenaPeak', type: 'quantitative', title: 'arena peak [bytes]' }, 'series'),
    });
  }
  // Model blocks (run-hil.js model --results): one horizontal bar per layer, in block order.
  for (const g of blockGroups(records)) {
    plots.push({
      title: `${g.model} on ${g.board}: ${g.unit} per layer (${g.mode === 'graph' ? 'one request' : 'layer by layer'}, block ${Math.round(g.total).toLocaleString('en-US')})`,
      spec: {
        width: 470,
        height: Math.max(120, 22 * g.layers.length),
        data: { values: g.layers.map((l) => ({ ...l, label: `${l.index} ${l.node}`, pct: 100 * l.share })) },
        mark: { type: 'bar' },
        encoding: {
          y: { field: 'label', type: 'nominal', sort: null, title: 'layer' },
          x: { field: 'counter', type: 'quantitative', title: g.unit },
          color: { field: 'kernel', type: 'nominal', scale: { scheme: 'category20' }, legend: { orient: 'bottom', direction: 'horizontal' } },
          tooltip: [{ field: 'node' }, { field: 'kernel' }, { field: 'counter', format: ',d' }, { field: 'pct', format: '.1f', title: '% of block' }],
        },
        config: { font: 'sans-serif', axis: { labelFontSize: 12, titleFontSize: 13 }, legend: { labelFontSize: 12, titleFontSize: 12 } },
      },
    });
  }
  return plots;
}

/** Render a vega-lite spec to an SVG string (headless: renderer none, text widths estimated). */
export async function renderSvg(spec: Spec): Promise<string> {
  const { vega, vegaLite } = await loadVega();
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
