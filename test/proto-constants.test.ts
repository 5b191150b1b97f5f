// Proves src/protocol/constants.ts agrees with firmware/core/th_proto.h, define by define.

import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as C from '../src/protocol/constants';

const HEADER = join(__dirname, '..', 'firmware', 'core', 'th_proto.h');

/** Every C define of th_proto.h and the TypeScript value it must equal. */
const EXPECTED: Record<string, number> = {
  TH_PROTO_VERSION: C.PROTO_VERSION,
  TH_PROTO_HEADER_BYTES: C.HEADER_BYTES,
  TH_PROTO_CRC_BYTES: C.CRC_BYTES,
  TH_PROTO_FRAME_OVERHEAD: C.FRAME_OVERHEAD,
  TH_PROTO_DEFAULT_MAX_FRAME: C.DEFAULT_MAX_FRAME,
  TH_PROTO_MIN_MAX_FRAME: C.MIN_MAX_FRAME,
  TH_PROTO_BOOT_SEQ: C.BOOT_SEQ,
  TH_PROTO_MAX_SEQ: C.MAX_SEQ,
  TH_PROTO_REPLY_BIT: C.REPLY_BIT,
  TH_PROTO_COUNTER_CYCLES: C.CounterKindCode.CYCLES,
  TH_PROTO_COUNTER_INSTRUCTIONS: C.CounterKindCode.INSTRUCTIONS,
  TH_PROTO_COUNTER_NANOSECONDS: C.CounterKindCode.NANOSECONDS,
  TH_PROTO_HELLO_REQ_BYTES: C.HELLO_REQ_BYTES,
  TH_PROTO_HELLO_FIXED_BYTES: C.HELLO_FIXED_BYTES,
  TH_PROTO_REGION_REQ_BYTES: C.REGION_REQ_BYTES,
  TH_PROTO_WRITE_HDR_BYTES: C.WRITE_HDR_BYTES,
  TH_PROTO_RUN_FIXED_BYTES: C.RUN_FIXED_BYTES,
  TH_PROTO_RUN_TAIL_BYTES: C.RUN_TAIL_BYTES,
  TH_PROTO_RUN_REPLY_FIXED_BYTES: C.RUN_REPLY_FIXED_BYTES,
  TH_PROTO_RUN_WAITS: C.RUN_WAITS,
  TH_PROTO_ERROR_FIXED_BYTES: C.ERROR_FIXED_BYTES,
  TH_PROTO_MAX_STRING: C.MAX_STRING,
  TH_PROTO_GRAPH_HDR_BYTES: C.GRAPH_HDR_BYTES,
  TH_PROTO_GRAPH_REPLY_FIXED_BYTES: C.GRAPH_REPLY_FIXED_BYTES,
  TH_PROTO_GRAPH_MAX_NODES: C.GRAPH_MAX_NODES,
  TH_PROTO_SPLIT_HEADS: C.SPLIT_HEADS,
  TH_PROTO_SPLIT_ROWS: C.SPLIT_ROWS,
  TH_PROTO_EXT_MAX_REPEAT: C.HelloExt.MAX_REPEAT,
  ...Object.fromEntries(Object.entries(C.MsgType).map(([k, v]) => [`TH_MSG_${k}`, v])),
  ...Object.fromEntries(Object.entries(C.ErrorCode).map(([k, v]) => [`TH_PERR_${k}`, v])),
};

/** `#define NAME value` lines with an integer value (comments stripped). */
function parseDefines(src: string): Map<string, number> {
  const out = new Map<string, number>();
  const text = src.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/.*$/gm, '');
  for (const m of text.matchAll(/^\s*#\s*define\s+([A-Z_][A-Z0-9_]*)[ \t]+(.+?)\s*$/gm)) {
    const v = m[2].replace(/[uUlL]+$/, '').replace(/^\((.*)\)$/, '$1');
    if (/^(0x[0-9a-fA-F]+|\d+)$/.test(v)) out.set(m[1], Number(v));
  }
  return out;
}

t.test('th_proto.h and constants.ts agree', { skip: existsSync(HEADER) ? false : `${HEADER} does not exist yet` }, async (t) => {
  const defs = parseDefines(readFileSync(HEADER, 'utf8'));
  t.ok(defs.size >= Object.keys(EXPECTED).length, `parsed ${defs.size} integer defines`);
  for (const [name, value] of Object.entries(EXPECTED)) {
    t.equal(defs.get(name), value, `${name} = ${value}`);
  }
  // A define added to the header without a TypeScript mirror fails here.
  const unmirrored = [...defs.keys()].filter((n) => !(n in EXPECTED));
  t.same(unmirrored, [], 'every integer define of th_proto.h has a TypeScript mirror');
});

t.test('the message and error tables of constants.ts match docs/protocol.md', async (t) => {
  const doc = readFileSync(join(__dirname, '..', 'docs', 'protocol.md'), 'utf8');
  for (const [name, code] of Object.entries(C.ErrorCode)) {
    t.match(doc, new RegExp(`\\|\\s*${code}\\s*\\|\\s*${name}\\s*\\|`), `error ${code} ${name} in the doc`);
  }
  for (const [name, type] of Object.entries(C.MsgType)) {
    const hex = `0x${type.toString(16).toUpperCase().padStart(2, '0')}`;
    t.match(doc, new RegExp(`${hex} ${name}\\b`), `${hex} ${name} in the doc`);
  }
  t.equal(C.msgTypeName(0x85), 'RUN_REPLY');
  t.equal(C.errorCodeName(4), 'OUT_OF_ARENA');
  t.equal(C.errorCodeName(99), 'ERROR_99');
});
