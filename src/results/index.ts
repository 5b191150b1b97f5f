// index.ts - results files: records, writer, reader, resume.
export * from './record';
export * from './reader';
export * from './writer';
export * from './fromPoint';
