// errors.ts - one error type for bad model files, in the one form of configs and boards files:
// `FILE:LINE:COL: field: expected …, found …` (LINE:COL when the field is in the file).

export class ModelError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    readonly detail: string,
    /** "LINE:COL" of the field's YAML node. */
    readonly at?: string,
  ) {
    super(`${file}${at ? `:${at}` : ''}: ${field}: ${detail}`);
    this.name = 'ModelError';
  }
}
