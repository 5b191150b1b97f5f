// Protocol constants, mirror of firmware/core/th_proto.h (test/proto-constants.test.ts proves they agree).

export const PROTO_VERSION = 1;
/** Largest decoded frame before HELLO negotiates one (header + payload + CRC). */
export const DEFAULT_MAX_FRAME = 256;
/** HELLO may not offer less than this. */
export const MIN_MAX_FRAME = 256;
/** type (1) + seq (2). */
export const HEADER_BYTES = 3;
export const CRC_BYTES = 4;
/** Header + CRC: the smallest valid frame. */
export const FRAME_OVERHEAD = HEADER_BYTES + CRC_BYTES;
/** Reply type = request type | REPLY_BIT. */
export const REPLY_BIT = 0x80;
/** Seq of the BOOT frame; requests use 1..MAX_SEQ. */
export const BOOT_SEQ = 0;
export const MAX_SEQ = 65535;

export const MsgType = {
  HELLO: 0x01,
  WRITE: 0x02,
  READ: 0x03,
  CRC: 0x04,
  RUN: 0x05,
  COUNTERS: 0x06,
  RESET: 0x07,
  /** Stops the RUN in flight; carries that RUN's seq. */
  ABORT: 0x08,
  GRAPH: 0x09,
  /** Times the board's loop of known length (counter check, fixed overhead). */
  CALIBRATE: 0x0a,
  /** Test builds only (TH_TEST_FAULT): a deliberate fault, now or inside the next RUN. */
  TEST_FAULT: 0x0b,
  BOOT: 0xc0,
  /** Board -> host, unsolicited (seq 0): the board faulted and is resetting. */
  FAULT: 0xc1,
  ERROR: 0xff,
} as const;
export type MsgTypeName = keyof typeof MsgType;

export const ErrorCode = {
  BAD_CRC: 1,
  UNKNOWN_TYPE: 2,
  BAD_LENGTH: 3,
  OUT_OF_ARENA: 4,
  BAD_KERNEL: 5,
  BAD_SHAPE: 6,
  SCRATCH: 7,
  BAD_RQ: 8,
  TOO_LARGE: 9,
  OVERLAP: 10,
  BAD_CORES: 11,
  BAD_ALIGN: 12,
  /** RUN repeat above the board's max_repeat (detail: max_repeat). */
  REPEAT_LIMIT: 13,
  /** RUN stopped by ABORT (detail: repeats completed). */
  ABORTED: 14,
  BAD_GRAPH: 15,
} as const;
export type ErrorCodeName = keyof typeof ErrorCode;

/** Counter kinds as HELLO carries them (hal_counter_kind). */
export const CounterKindCode = {
  CYCLES: 0,
  INSTRUCTIONS: 1,
  NANOSECONDS: 2,
} as const;

/** Payload sizes (bytes). */
export const HELLO_REQ_BYTES = 4;
export const HELLO_FIXED_BYTES = 16;
export const REGION_REQ_BYTES = 8;
export const WRITE_HDR_BYTES = 4;
export const RUN_FIXED_BYTES = 88;
export const RUN_TAIL_BYTES = 12;
/** RUN request field offsets (id, cores, split, n_inputs are bytes 0..3). */
export const RUN_OFF_SHAPE = 4;
export const RUN_OFF_RQ = 24;
export const RUN_OFF_CONSTS = 72;
export const RUN_OFF_REPEAT = 84;
export const RUN_REPLY_FIXED_BYTES = 24;
/** RUN reply flags (u16 at offset 2): WAITS = per-core barrier waits and the critical path follow the per-core counters. */
export const RUN_WAITS = 0x0001;
export const ERROR_FIXED_BYTES = 8;
/** Longest HELLO string a board sends. */
export const MAX_STRING = 63;
/** GRAPH request before the nodes: n_nodes, 3 reserved bytes, repeat. */
export const GRAPH_HDR_BYTES = 8;
/** GRAPH reply before the node entries (each entry is a RUN reply). */
export const GRAPH_REPLY_FIXED_BYTES = 16;
/** Nodes one GRAPH request may carry (every board). */
export const GRAPH_MAX_NODES = 32;

/** HELLO extension block (after the kernel list): fields of u8 tag, u8 length, data. */
export const HelloExt = {
  /** u32: largest RUN repeat the board accepts. */
  MAX_REPEAT: 1,
  /** u32 Hz reached, then the clock source as text (boards that set their clocks). */
  CLOCK: 2,
  /** u32 stack bytes, u32 high-water mark bytes. */
  STACK: 3,
} as const;
/** Longest clock source text in the CLOCK extension. */
export const EXT_CLOCK_TEXT = 31;
/** FAULT payload before the kernel name; CALIBRATE request and reply sizes; largest loop count. */
export const FAULT_FIXED_BYTES = 36;
export const CALIB_REQ_BYTES = 4;
export const CALIB_REPLY_BYTES = 20;
export const CALIB_MAX_N = 100_000_000;

/** RUN request limits (tinyhil.h). */
export const MAX_CORES = 8;
export const MAX_INPUTS = 10;
export const MAX_RQ = 6;
export const MAX_CONSTS = 3;

export const SPLIT_HEADS = 0;
export const SPLIT_ROWS = 1;

/** Name of a message type (request, reply or unsolicited), for messages. */
export function msgTypeName(type: number): string {
  for (const [name, v] of Object.entries(MsgType)) if (v === type) return name;
  for (const [name, v] of Object.entries(MsgType)) if ((v | REPLY_BIT) === type) return `${name}_REPLY`;
  return `0x${type.toString(16).padStart(2, '0')}`;
}

export function errorCodeName(code: number): string {
  for (const [name, v] of Object.entries(ErrorCode)) if (v === code) return name;
  return `ERROR_${code}`;
}
