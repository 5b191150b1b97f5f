// errors.ts - one error type for bad model files: `FILE:LINE:COL field: expected …, found …`.

export class ModelError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    readonly detail: string,
    readonly line?: number,
    readonly col?: number,
  ) {
    super(`${file}${line !== undefined ? `:${line}:${col ?? 1}` : ''} ${field}: ${detail}`);
    this.name = 'ModelError';
  }
}
