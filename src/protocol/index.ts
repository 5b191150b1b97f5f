// Link protocol entry points: client, codecs, constants, errors (docs/protocol.md).

export { ProtocolClient } from './client';
export type { ClientOptions, ClientStats } from './client';
export * from './constants';
export * from './errors';
export { crc32 } from './crc32';
export { cobsEncode, cobsDecode, CobsDecoder } from './cobs';
export * from './frame';
