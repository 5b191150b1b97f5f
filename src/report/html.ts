// html.ts - a self-contained HTML report (inline CSS and SVG, no script, no external URL) with plots and the table.
import type { ResultRecord } from '../results/record';
import { renderSvg, reportPlots } from './plots';
import { anyEnergy, anyT, bitExactMark, failures, fmtEnergy, fmtInt, fmtSig, reportRows, summary } from './rows';

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * Inline SVG in HTML needs no namespace declarations; dropping them leaves the page without
 * a single http(s) string, which keeps "no external URL" checkable by grep.
 */
export function inlineSvg(svg: string): string {
  return svg.replace(/\s+xmlns(:xlink)?="[^"]*"/g, '').replace(/\s+xlink:href=/g, ' href=');
}

const CSS = `
body { font-family: sans-serif; margin: 24px; color: #222; max-width: 1400px; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 28px; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; }
th { background: #f0f0f0; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
td.ok { color: #176d17; text-align: center; } td.bad { color: #b00020; font-weight: bold; text-align: center; }
.plots { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 12px; }
.plot { border: 1px solid #ddd; padding: 6px; margin: 0; } figcaption { font-weight: bold; font-size: 14px; margin: 2px 4px 6px; } .plot svg { max-width: 100%; height: auto; }
.meta { color: #555; font-size: 13px; } ul.fail li { color: #b00020; }
`;

export async function renderHtml(records: ResultRecord[], opts: { title?: string } = {}): Promise<string> {
  const rows = reportRows(records);
  const title = opts.title ?? 'tinyhil report';
  const boards = new Map<string, ResultRecord>();
  for (const r of rows) if (!boards.has(r.board)) boards.set(r.board, r);

  const plots = reportPlots(records);
  const svgs = await Promise.all(plots.map((p) => renderSvg(p.spec)));

  const withT = anyT(rows);
  const withE = anyEnergy(rows);
  const head = ['test', 'board', 'kernel', 'S', 'E', 'P', 'H', ...(withT ? ['T'] : []), 'cores', 'bit-exact', 'counter', 'unit',
    'MAC/count', 'arena peak [B]', ...(withE ? ['energy [µJ]'] : [])];
  const td = (s: string, cls = 'n') => `<td class="${cls}">${esc(s)}</td>`;
  const body = rows.map((r) => {
    const mark = bitExactMark(r);
    return '<tr>' + [
      td(r.test, ''), td(r.board, ''), td(r.kernel, ''), td(String(r.shape.S)), td(String(r.shape.E)), td(String(r.shape.P)), td(String(r.shape.H)),
      ...(withT ? [td(r.shape.T !== undefined ? String(r.shape.T) : '-')] : []), td(String(r.cores)),
      td(mark, mark === '✓' ? 'ok' : 'bad'), td(fmtInt(r.counter)), td(r.counterUnit ?? '-', ''), td(fmtSig(r.macPerCount)), td(fmtInt(r.arenaPeak)),
      ...(withE ? [td(fmtEnergy(r))] : []),
    ].join('') + '</tr>';
  });
  const fails = failures(rows);
  const times = rows.map((r) => r.timestamp).sort();

  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${CSS}</style></head>
<body>
<h1>${esc(title)}</h1>
<p class="meta">${esc(summary(rows))}${times.length ? ` · ${esc(times[0])} … ${esc(times[times.length - 1])}` : ''}</p>
<p class="meta">${[...boards.values()].map((r) => `${esc(r.board)}: firmware ${esc(r.firmwareVersion)}, counter ${esc(r.counterUnit ?? '-')}`).join('<br>')}</p>
${fails.length ? `<ul class="fail">${fails.map((f) => `<li>${esc(f)}</li>`).join('')}</ul>` : ''}
<h2>Plots</h2>
${svgs.length ? `<div class="plots">${svgs.map((s, i) => `<figure class="plot"><figcaption>${esc(plots[i].title)}</figcaption>${inlineSvg(s)}</figure>`).join('\n')}</div>` : '<p class="meta">no finished points to plot</p>'}
<h2>Results</h2>
<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead>
<tbody>
${body.join('\n')}
</tbody></table>
${rows.some((r) => r.energy?.estimate) ? '<p class="meta">* energy from the power model (an estimate, not a measurement)</p>' : ''}
</body></html>
`;
}
