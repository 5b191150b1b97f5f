// The one place a zod failure becomes a message: `field: expected …, found …`.
// Callers prefix FILE:LINE:COL (yamlLocation.ts for YAML, the line for JSON lines).
// Schemas give their expectation as the issue message ("an integer in 1..8"); zod's own
// messages are used only where a schema gives none.
import { z, type ZodIssue, type ZodTypeAny } from 'zod';

export type Path = Array<string | number>;

/** ['boards', 1, 'name'] -> "boards[1].name" (the names yamlLocation.locate takes). */
export function fieldName(path: Path): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p;
  return out;
}

/** A value as the message shows it: JSON, "nothing" for a missing one, Infinity/NaN as such. */
export function shown(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as Uint8Array).length})`;
  // Typed arrays (input buffers) by class and length, not element by element.
  const text = JSON.stringify(v, (_k, x: unknown) => (ArrayBuffer.isView(x) ? `\u0000${x.constructor.name}(${(x as Uint8Array).length})` : x)) ?? String(v);
  return text.replace(/"\\u0000(\w+\(\d+\))"/g, '$1');
}

export function valueAt(root: unknown, path: Path): unknown {
  let v = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}

/** What the schema wanted, in words. */
function expectation(issue: ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.message === 'Required') return `a ${issue.expected}`;
  if (issue.code === 'invalid_type' && issue.message === `Expected ${issue.expected}, received ${issue.received}`) return `a ${issue.expected}`;
  return issue.message;
}

export interface Problem {
  path: Path;
  field: string;          // "" for the top level
  detail: string;         // "expected …, found …"
}

/** The first problem of `value` against `schema`, in the one form; null when it conforms. */
export function problemOf(issue: ZodIssue, value: unknown, base: Path = []): Problem {
  const path = [...base, ...issue.path];
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0];
    return { path: [...path, key], field: fieldName([...path, key]), detail: `expected ${issue.message}, found ${JSON.stringify(key)}` };
  }
  // A custom issue may say what it found in words (params.found), e.g. `"W5" [6, 5]`.
  const found = issue.code === 'custom' && typeof issue.params?.found === 'string' ? issue.params.found : shown(valueAt(value, issue.path));
  return { path, field: fieldName(path), detail: `expected ${expectation(issue)}, found ${found}` };
}

export type Checked<T> = { ok: true; data: T } | { ok: false; problem: Problem };

export function check<S extends ZodTypeAny>(schema: S, value: unknown, base: Path = []): Checked<z.infer<S>> {
  const r = schema.safeParse(value);
  if (r.success) return { ok: true, data: r.data };
  return { ok: false, problem: problemOf(r.error.issues[0], value, base) };
}

/** Builders whose every failure reads as one expectation ("an integer in 1..8"). */
export function said(what: string): { message: string; invalid_type_error: string; required_error: string } {
  return { message: what, invalid_type_error: what, required_error: what };
}

export function intIn(min: number, max: number, what = `an integer in ${min}..${max}`): z.ZodNumber {
  return z.number(said(what)).int({ message: what }).min(min, { message: what }).max(max, { message: what });
}

/**
 * A schema chosen by the value itself (a scalar or a list of them; name or kind): issues keep the
 * chosen schema's own words, where z.union would say only that no member matched.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the chosen schemas take different inputs
export function byValue<T>(choose: (v: unknown) => z.ZodType<T, z.ZodTypeDef, any>): z.ZodType<T> {
  return z.unknown().transform((v, ctx) => {
    const r = choose(v).safeParse(v);
    if (r.success) return r.data;
    for (const issue of r.error.issues) ctx.addIssue(issue as z.IssueData);
    return z.NEVER;
  }) as unknown as z.ZodType<T>;
}
