// reader.ts - read a JSON-lines results file; a torn last line (crash mid-write) is skipped with a warning.
import * as fs from 'fs';
import { checkRecord, pointKey, ResultRecord } from './record';

export interface ReadResults { records: ResultRecord[]; warnings: string[] }

export function tornWarning(file: string, line: number, bytes: number): string {
  return `${file}:${line}: ignoring a torn last line (${bytes} bytes, not valid JSON): the run stopped while writing it`;
}

/**
 * Parse `text` as results lines. A final line without a newline that does not parse is a torn
 * write: dropped, with a warning. Anything unparsable before it is corruption: an error naming the line.
 */
export function parseResults(text: string, file: string): ReadResults {
  const records: ResultRecord[] = [];
  const warnings: string[] = [];
  const lines = text.split('\n');
  const lastTerminated = text.endsWith('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    const isTail = i === lines.length - 1 && !lastTerminated;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (e) {
      if (isTail) {
        warnings.push(tornWarning(file, i + 1, Buffer.byteLength(line)));
        continue;
      }
      const shown = line.length > 60 ? `${line.slice(0, 60)}...` : line;
      throw new Error(`${file}:${i + 1}: not a JSON results record (${(e as Error).message}): ${shown}`);
    }
    records.push(checkRecord(obj, `${file}:${i + 1}`, line));
  }
  return { records, warnings };
}

export function readResults(file: string): ReadResults {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`results file ${file}: ${(e as Error).message}`);
  }
  return parseResults(text, file);
}

export interface ResumeState extends ReadResults {
  /** pointKey of every point already finished (records with an error are run again). */
  done: Set<string>;
  /** True when `key` need not run again. */
  has(key: string): boolean;
}

/** For `--resume FILE`: which points are finished. A missing file means nothing is. */
export function loadResume(file: string): ResumeState {
  const r = fs.existsSync(file) ? readResults(file) : { records: [], warnings: [] };
  const done = new Set(r.records.filter((x) => x.error === undefined).map(pointKey));
  return { ...r, done, has: (k) => done.has(k) };
}
