// index.ts - `run-hil.js report FILE.jsonl [--format md|csv|html]`: read a results file, render it.
import { readResults } from '../results/reader';
import type { ResultRecord } from '../results/record';
import { renderHtml } from './html';
import { renderCsv, renderMarkdown } from './table';

export { renderMarkdown, renderCsv } from './table';
export { renderHtml, inlineSvg } from './html';
export { reportPlots, renderSvg } from './plots';
export { reportRows } from './rows';

export type ReportFormat = 'md' | 'csv' | 'html';
export const REPORT_FORMATS: ReportFormat[] = ['md', 'csv', 'html'];

export async function renderReport(records: ResultRecord[], format: ReportFormat, title?: string): Promise<string> {
  switch (format) {
    case 'md': return renderMarkdown(records);
    case 'csv': return renderCsv(records);
    case 'html': return renderHtml(records, { title });
    default: throw new Error(`--format ${String(format)}: expected one of ${REPORT_FORMATS.join(', ')}`);
  }
}

/** Read FILE and render it; warnings (a torn last line) are for stderr. */
export async function reportFile(file: string, format: ReportFormat = 'md'): Promise<{ output: string; warnings: string[] }> {
  if (!REPORT_FORMATS.includes(format)) throw new Error(`--format ${format}: expected one of ${REPORT_FORMATS.join(', ')}`);
  const { records, warnings } = readResults(file);
  return { output: await renderReport(records, format, `tinyhil report: ${file}`), warnings };
}
