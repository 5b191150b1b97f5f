/* th_proto.h - the link protocol's constants (docs/protocol.md), the one C table.
 * src/protocol/constants.ts mirrors it; test/proto-constants.test.ts checks they agree. */
#ifndef TH_PROTO_H
#define TH_PROTO_H

#define TH_PROTO_VERSION 1

/* Frame layout: type (1), seq (2), payload, CRC-32 (4), all little-endian. */
#define TH_PROTO_HEADER_BYTES 3
#define TH_PROTO_CRC_BYTES 4
#define TH_PROTO_FRAME_OVERHEAD 7 /* header + CRC: the smallest valid frame */
#define TH_PROTO_DEFAULT_MAX_FRAME 256 /* decoded bytes, until HELLO negotiates */
#define TH_PROTO_MIN_MAX_FRAME 256 /* HELLO may not ask for less */
#define TH_PROTO_BOOT_SEQ 0
#define TH_PROTO_MAX_SEQ 65535
#define TH_PROTO_REPLY_BIT 0x80 /* reply type = request type | 0x80 */

/* Message types. */
#define TH_MSG_HELLO 0x01
#define TH_MSG_WRITE 0x02
#define TH_MSG_READ 0x03
#define TH_MSG_CRC 0x04
#define TH_MSG_RUN 0x05
#define TH_MSG_COUNTERS 0x06
#define TH_MSG_RESET 0x07
#define TH_MSG_ABORT 0x08 /* stops the RUN in flight (same seq as that RUN); never cached */
#define TH_MSG_GRAPH 0x09 /* runs a list of RUN-like nodes in one request */
#define TH_MSG_CALIBRATE 0x0A
#define TH_MSG_TEST_FAULT 0x0B /* test builds only (TH_TEST_FAULT) */
#define TH_MSG_BOOT 0xC0
#define TH_MSG_FAULT 0xC1 /* board -> host, unsolicited, seq 0, then the board resets */
#define TH_MSG_ERROR 0xFF

/* ERROR reply codes. */
#define TH_PERR_BAD_CRC 1
#define TH_PERR_UNKNOWN_TYPE 2
#define TH_PERR_BAD_LENGTH 3
#define TH_PERR_OUT_OF_ARENA 4
#define TH_PERR_BAD_KERNEL 5
#define TH_PERR_BAD_SHAPE 6
#define TH_PERR_SCRATCH 7
#define TH_PERR_BAD_RQ 8
#define TH_PERR_TOO_LARGE 9
#define TH_PERR_OVERLAP 10
#define TH_PERR_BAD_CORES 11
#define TH_PERR_BAD_ALIGN 12
#define TH_PERR_REPEAT_LIMIT 13 /* RUN repeat above the board's max_repeat (detail: max_repeat) */
#define TH_PERR_ABORTED 14 /* RUN stopped by ABORT (detail: repeats completed) */
#define TH_PERR_BAD_GRAPH 15 /* GRAPH header or node refused (detail: node index; byte 2: node's code) */

/* Counter kinds in HELLO (same numbers as hal_counter_kind). */
#define TH_PROTO_COUNTER_CYCLES 0
#define TH_PROTO_COUNTER_INSTRUCTIONS 1
#define TH_PROTO_COUNTER_NANOSECONDS 2

/* Payload sizes. */
#define TH_PROTO_HELLO_REQ_BYTES 4   /* u32 host_max_frame */
#define TH_PROTO_HELLO_FIXED_BYTES 16 /* reply up to the strings */
#define TH_PROTO_REGION_REQ_BYTES 8  /* READ, CRC: u32 offset, u32 length */
#define TH_PROTO_WRITE_HDR_BYTES 4   /* u32 offset, then the data */
#define TH_PROTO_RUN_FIXED_BYTES 88  /* RUN request before the input offsets */
#define TH_PROTO_RUN_TAIL_BYTES 12   /* output offset, scratch offset, scratch bytes */
/* RUN request field offsets: u8 id, u8 cores, u8 split, u8 n_inputs at 0..3, then: */
#define TH_PROTO_RUN_OFF_SHAPE 4     /* u32 S, E, P, H, T */
#define TH_PROTO_RUN_OFF_RQ 24       /* TH_MAX_RQ x (i32 mul, i32 div) */
#define TH_PROTO_RUN_OFF_CONSTS 72   /* TH_MAX_CONSTS x i32 */
#define TH_PROTO_RUN_OFF_REPEAT 84   /* u32 repeat, then the input offsets at RUN_FIXED_BYTES */
#define TH_PROTO_RUN_REPLY_FIXED_BYTES 24 /* RUN reply before the per-core counters */
/* RUN reply flags (u16 at offset 2). WAITS: per-core barrier waits (u64 each) and the critical
 * path (u64) follow the per-core counters. */
#define TH_PROTO_RUN_WAITS 0x0001
#define TH_PROTO_ERROR_FIXED_BYTES 8 /* ERROR reply before the message */
#define TH_PROTO_MAX_STRING 63       /* longest HELLO string the board sends */
#define TH_PROTO_GRAPH_HDR_BYTES 8   /* GRAPH request before the nodes */
#define TH_PROTO_GRAPH_REPLY_FIXED_BYTES 16 /* GRAPH reply before the node entries */
#define TH_PROTO_GRAPH_MAX_NODES 32  /* nodes in one GRAPH request, every board */
#define TH_PROTO_FAULT_FIXED_BYTES 36 /* FAULT payload before the kernel name */
#define TH_PROTO_CALIB_REQ_BYTES 4    /* CALIBRATE: u32 n */
#define TH_PROTO_CALIB_REPLY_BYTES 20 /* u32 n, u64 d0, u64 dn */
#define TH_PROTO_CALIB_MAX_N 100000000 /* loop iterations a CALIBRATE may ask for */

/* HELLO extension block, after the kernel list: fields of u8 tag, u8 length, data. */
#define TH_PROTO_EXT_MAX_REPEAT 1 /* u32: largest RUN repeat the board accepts */
#define TH_PROTO_EXT_CLOCK 2 /* u32 Hz reached, then the clock source as text (boards that set clocks) */
#define TH_PROTO_EXT_STACK 3 /* u32 stack bytes, u32 high-water mark bytes */
#define TH_PROTO_EXT_CLOCK_TEXT 31 /* longest clock source text */

#define TH_PROTO_SPLIT_HEADS 0
#define TH_PROTO_SPLIT_ROWS 1

#endif /* TH_PROTO_H */
