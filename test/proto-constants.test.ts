// Proves src/protocol/constants.ts agrees with firmware/core/th_proto.h, define by define.

import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as C from '../src/protocol/constants';
import { runRequest } from '../src/protocol/frame';
import { MAX_CORES as GOLDEN_MAX_CORES, MAX_DIM } from '../src/golden/validate';

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
  TH_PROTO_RUN_OFF_SHAPE: C.RUN_OFF_SHAPE,
  TH_PROTO_RUN_OFF_RQ: C.RUN_OFF_RQ,
  TH_PROTO_RUN_OFF_CONSTS: C.RUN_OFF_CONSTS,
  TH_PROTO_RUN_OFF_REPEAT: C.RUN_OFF_REPEAT,
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
  TH_PROTO_EXT_CLOCK: C.HelloExt.CLOCK,
  TH_PROTO_EXT_STACK: C.HelloExt.STACK,
  TH_PROTO_EXT_CLOCK_TEXT: C.EXT_CLOCK_TEXT,
  TH_PROTO_FAULT_FIXED_BYTES: C.FAULT_FIXED_BYTES,
  TH_PROTO_CALIB_REQ_BYTES: C.CALIB_REQ_BYTES,
  TH_PROTO_CALIB_REPLY_BYTES: C.CALIB_REPLY_BYTES,
  TH_PROTO_CALIB_MAX_N: C.CALIB_MAX_N,
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

t.test('the RUN request the client encodes puts every field at the offset th_proto.h names', async (t) => {
  const req = runRequest({
    kernelId: 7, nCores: 3, split: 1, shape: { S: 5, E: 6, P: 7, H: 8, T: 9 },
    rq: [[385, 16], [-2, 31]], consts: [40, -1772], repeat: 12345,
    inputOffsets: [100, 200], outputOffset: 300, scratchOffset: 400, scratchBytes: 500,
  });
  const dv = new DataView(req.buffer, req.byteOffset, req.byteLength);
  t.same([...req.subarray(0, 4)], [7, 3, 1, 2], 'id, cores, split, n_inputs');
  t.same([0, 1, 2, 3, 4].map((i) => dv.getUint32(C.RUN_OFF_SHAPE + 4 * i, true)), [5, 6, 7, 8, 9], 'shape');
  t.same([dv.getInt32(C.RUN_OFF_RQ, true), dv.getInt32(C.RUN_OFF_RQ + 4, true), dv.getInt32(C.RUN_OFF_RQ + 12, true)], [385, 16, 31], 'rq');
  t.same([dv.getInt32(C.RUN_OFF_CONSTS, true), dv.getInt32(C.RUN_OFF_CONSTS + 4, true)], [40, -1772], 'consts');
  t.equal(dv.getUint32(C.RUN_OFF_REPEAT, true), 12345, 'repeat');
  t.equal(C.RUN_OFF_REPEAT + 4, C.RUN_FIXED_BYTES, 'input offsets follow repeat');
  t.equal(C.RUN_OFF_RQ + 8 * C.MAX_RQ, C.RUN_OFF_CONSTS, 'rq pairs end where consts start');
  t.equal(C.RUN_OFF_CONSTS + 4 * C.MAX_CONSTS, C.RUN_OFF_REPEAT, 'consts end where repeat starts');
  t.equal(dv.getUint32(C.RUN_FIXED_BYTES + 4, true), 200, 'input 1 offset');
  t.equal(req.length, C.RUN_FIXED_BYTES + 2 * 4 + C.RUN_TAIL_BYTES, 'length');
});

t.test('limits and versions shared by C and TypeScript agree', async (t) => {
  const root = join(__dirname, '..');
  const kh = parseDefines(readFileSync(join(root, 'kernels', 'include', 'tinyhil.h'), 'utf8'));
  t.equal(kh.get('TH_MAX_CORES'), C.MAX_CORES, 'TH_MAX_CORES');
  t.equal(kh.get('TH_MAX_INPUTS'), C.MAX_INPUTS, 'TH_MAX_INPUTS');
  t.equal(kh.get('TH_MAX_RQ'), C.MAX_RQ, 'TH_MAX_RQ');
  t.equal(kh.get('TH_MAX_CONSTS'), C.MAX_CONSTS, 'TH_MAX_CONSTS');
  t.equal(kh.get('TH_MAX_DIM'), MAX_DIM, 'TH_MAX_DIM = golden MAX_DIM');
  t.equal(kh.get('TH_MAX_CORES'), GOLDEN_MAX_CORES, 'TH_MAX_CORES = golden MAX_CORES');
  const str = (file: string, name: string) => {
    const m = new RegExp(`#define ${name} "([^"]*)"`).exec(readFileSync(join(root, file), 'utf8'));
    return m ? m[1] : undefined;
  };
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  t.equal(str('kernels/include/tinyhil.h', 'TH_VERSION_STRING'), pkg.version, 'TH_VERSION_STRING = package.json version');
  t.equal(str('firmware/core/th_fw.h', 'TH_FW_VERSION_STRING'), pkg.version, 'TH_FW_VERSION_STRING = package.json version');
});
