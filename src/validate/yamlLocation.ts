// Where a field of a parsed YAML file is, for errors of the one form
// `FILE:LINE:COL: field: expected …, found …` (configs, boards files, model files).
import { LineCounter, parseDocument, type Document } from 'yaml';

/** "tests[2].rq" / "projQK.kernelName" -> ['tests', 2, 'rq'] / ['projQK', 'kernelName']. */
export function fieldPath(field: string): Array<string | number> {
  const out: Array<string | number> = [];
  for (const part of field.split('.')) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) return out;
    if (m[1]) out.push(m[1]);
    for (const i of m[2].matchAll(/\[(\d+)\]/g)) out.push(Number(i[1]));
  }
  return out;
}

export interface LocatedDoc {
  doc: Document;
  lc: LineCounter;
}

export function parseLocated(text: string): LocatedDoc {
  const lc = new LineCounter();
  return { doc: parseDocument(text, { lineCounter: lc }), lc };
}

/** LINE:COL of the field's node, else of its nearest existing parent (a missing key: its mapping). */
export function locate(d: LocatedDoc, field: string): string | undefined {
  return locatePath(d, fieldPath(field));
}

/** LINE:COL of the node at `path` (keys and indices as they are, e.g. a tensor named "a.b"), else of its nearest existing parent. */
export function locatePath(d: LocatedDoc, path: ReadonlyArray<string | number>): string | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = (n ? d.doc.getIn(path.slice(0, n), true) : d.doc.contents) as { range?: [number, number, number] } | null | undefined;
    const off = node && typeof node === 'object' ? node.range?.[0] : undefined;
    if (off !== undefined) {
      const { line, col } = d.lc.linePos(off);
      return `${line}:${col}`;
    }
  }
  return undefined;
}
