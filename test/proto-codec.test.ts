// COBS, CRC-32 and frame codecs: known vectors, round trips and fast-check properties.

import t from 'tap';
import fc from 'fast-check';
import * as zlib from 'node:zlib';
import { CobsDecoder, cobsDecode, cobsEncode, cobsMaxEncoded } from '../src/protocol/cobs';
import { crc32 } from '../src/protocol/crc32';
import {
  buildError,
  buildFrame,
  buildHello,
  buildRunReply,
  encodeFrame,
  parseError,
  parseFrame,
  parseHello,
  parseRunReply,
  parseRunRequest,
  runRequest,
  RunParams,
} from '../src/protocol/frame';
import { BoardError, ProtocolError } from '../src/protocol/errors';
import { ErrorCode, MsgType } from '../src/protocol/constants';
import './lib/fcSeed';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const bytes = fc.uint8Array({ minLength: 0, maxLength: 1200 });

t.test('crc32', async (t) => {
  t.equal(crc32(Buffer.from('123456789')), 0xcbf43926, 'check value of CRC-32/ISO-HDLC');
  t.equal(crc32(new Uint8Array(0)), 0);
  const zcrc = (zlib as unknown as { crc32?: (b: Uint8Array) => number }).crc32;
  fc.assert(
    fc.property(bytes, bytes, (a, b) => {
      const ab = Buffer.concat([a, b]);
      if (crc32(b, crc32(a)) !== crc32(ab)) return false;
      return zcrc ? zcrc(ab) === crc32(ab) : true;
    }),
  );
  t.pass(zcrc ? 'incremental and equal to zlib.crc32 on random data' : 'incremental on random data');
});

t.test('COBS known vectors (standard encoding)', async (t) => {
  const cases: Array<[string, string]> = [
    ['', '01'],
    ['00', '0101'],
    ['0000', '010101'],
    ['00110000', '0102110101'],
    ['11220033', '0311220233'],
    ['11223344', '0511223344'],
    ['11000000', '0211010101'],
  ];
  for (const [raw, enc] of cases) {
    t.same(Buffer.from(cobsEncode(hex(raw))).toString('hex'), enc, `encode ${raw || '(empty)'}`);
    t.same(Buffer.from(cobsDecode(hex(enc))!).toString('hex'), raw, `decode ${enc}`);
  }
  const run254 = Uint8Array.from({ length: 254 }, (_, i) => i + 1);
  const enc = cobsEncode(run254);
  t.equal(enc[0], 0xff);
  t.equal(enc.length, 256, '254 non-zero bytes: FF block then a final 01 block');
  t.equal(enc[255], 0x01);
  t.same(cobsDecode(enc.subarray(0, 255)), run254, 'also decodes without the final 01 block');
  t.equal(cobsDecode(hex('05112233')), null, 'block running past the end is malformed');
  t.equal(cobsDecode(hex('021100')), null, 'a zero inside a block is malformed');
});

t.test('COBS round trip, no zeros, bounded size', async (t) => {
  fc.assert(
    fc.property(bytes, (data) => {
      const enc = cobsEncode(data);
      return !enc.includes(0) && enc.length <= cobsMaxEncoded(data.length) && Buffer.from(cobsDecode(enc)!).equals(Buffer.from(data));
    }),
    { numRuns: 500 },
  );
  t.pass('500 random buffers');
});

t.test('streaming decoder: arbitrary chunking, garbage, oversize', async (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { minLength: 1, maxLength: 8 }),
      fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 20 }),
      (frames, cuts) => {
        const wire = Buffer.concat(frames.map((f) => Buffer.concat([cobsEncode(f), Buffer.of(0)])));
        const got: Uint8Array[] = [];
        const d = new CobsDecoder(300, (f) => got.push(f));
        let at = 0;
        for (let i = 0; at < wire.length; i++) {
          const n = cuts[i % cuts.length];
          d.push(wire.subarray(at, at + n));
          at += n;
        }
        return got.length === frames.length && got.every((g, i) => Buffer.from(g).equals(Buffer.from(frames[i])));
      },
    ),
  );
  const got: Uint8Array[] = [];
  const drops: string[] = [];
  const d = new CobsDecoder(8, (f) => got.push(f), (r) => drops.push(r));
  d.push(Buffer.alloc(5000, 0x41)); // no delimiter: must not grow
  d.push(Buffer.of(0));
  d.push(Buffer.concat([cobsEncode(Buffer.alloc(9, 7)), Buffer.of(0)])); // 9 > 8
  d.push(Buffer.of(0, 0, 0)); // empty frames are ignored
  d.push(hex('0511223300')); // malformed
  d.push(Buffer.concat([cobsEncode(hex('0102030405060708')), Buffer.of(0)]));
  t.same(drops, ['oversize', 'oversize', 'malformed']);
  t.same(got.map((g) => Buffer.from(g).toString('hex')), ['0102030405060708']);
  t.same(d.stats, { frames: 1, malformed: 1, oversize: 2 });
});

t.test('frames: CRC over header and payload, parse rejects corruption', async (t) => {
  const f = buildFrame(MsgType.CRC, 0x1234, hex('0400000008000000'));
  t.equal(Buffer.from(f).toString('hex').slice(0, 6), '043412', 'type then little-endian seq');
  t.equal(new DataView(f.buffer).getUint32(11, true), crc32(f.subarray(0, 11)));
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 65535 }), bytes, fc.nat(), (type, seq, payload, pos) => {
      const wire = encodeFrame(type, seq, payload);
      if (wire[wire.length - 1] !== 0 || wire.subarray(0, -1).includes(0)) return false;
      const dec = cobsDecode(wire.subarray(0, -1))!;
      const p = parseFrame(dec);
      if (!p.ok || p.frame.type !== type || p.frame.seq !== seq || !Buffer.from(p.frame.payload).equals(Buffer.from(payload))) return false;
      const bad = Uint8Array.from(dec);
      bad[pos % bad.length] ^= 1 << pos % 8;
      return !parseFrame(bad).ok;
    }),
    { numRuns: 300 },
  );
  t.same(parseFrame(hex('010200')), { ok: false, reason: 'short', seq: 2 });
});

t.test('HELLO reply round trip and truncation errors', async (t) => {
  const h = {
    protocolVersion: 1,
    counterKind: 2,
    nCores: 4,
    maxFrame: 4096,
    arenaBytes: 1 << 20,
    clockHz: 0,
    board: 'host-sim',
    cpu: 'x86_64 host',
    counterUnit: 'ns (host)',
    firmwareVersion: '0.1.0',
    kernels: [
      { id: 0, name: 'linear_qk' },
      { id: 12, name: 'add' },
    ],
  };
  const p = buildHello(h);
  t.same(parseHello(p), h);
  t.same(Buffer.from(p.subarray(0, 16)).toString('hex'), '010204020010000000001000' + '00000000');
  t.throws(() => parseHello(p.subarray(0, p.length - 1)), new ProtocolError('HELLO reply truncated at kernel 1 name: needs 69 bytes, has 68'));
});

t.test('RUN request and reply layouts', async (t) => {
  const req: RunParams = {
    kernelId: 7,
    nCores: 2,
    split: 1,
    shape: { S: 16, E: 32, P: 8, H: 4, T: 16 },
    rq: [
      [385, 16],
      [-3, 31],
    ],
    consts: [40, 1772, 1772],
    repeat: 3,
    inputOffsets: [0, 512, 1024],
    outputOffset: 2048,
    scratchOffset: 4096,
    scratchBytes: 100,
  };
  const b = runRequest(req);
  t.equal(b.length, 100 + 4 * 3, 'RUN request is 100 + 4·n_inputs bytes');
  const dv = new DataView(b.buffer);
  t.same([b[0], b[1], b[2], b[3]], [7, 2, 1, 3]);
  t.equal(dv.getUint32(4, true), 16);
  t.equal(dv.getUint32(20, true), 16, 'T at offset 20');
  t.equal(dv.getInt32(24, true), 385);
  t.equal(dv.getInt32(32, true), -3, 'rq1 mul at offset 32');
  t.equal(dv.getInt32(72, true), 40, 'consts at offset 72');
  t.equal(dv.getUint32(84, true), 3, 'repeat at offset 84');
  t.equal(dv.getUint32(88 + 4, true), 512, 'input offsets at 88');
  t.equal(dv.getUint32(88 + 12, true), 2048, 'output offset at 88+4n');
  const back = parseRunRequest(b);
  t.same(back.rq.slice(0, 2), req.rq);
  t.same(back.rq.slice(2), [[0, 0], [0, 0], [0, 0], [0, 0]], 'unused rq pairs are zero');
  t.same(back.inputOffsets, req.inputOffsets);

  const reply = { status: 0, nCores: 2, repeat: 3, counter: 123456789012, outputBytes: 512, outputCrc: 0xdeadbeef, perCore: [5, 6] };
  const rb = buildRunReply(reply);
  t.equal(rb.length, 24 + 16);
  t.same(parseRunReply(rb), reply);
  t.throws(() => parseRunReply(rb.subarray(0, 30)), /RUN reply truncated at core 0 counter/);
});

t.test('ERROR parsing into BoardError', async (t) => {
  const e = parseError(buildError(ErrorCode.OUT_OF_ARENA, MsgType.WRITE, 1048580, 'offset+length beyond arena'));
  t.type(e, BoardError);
  t.equal(e.code, 4);
  t.equal(e.codeName, 'OUT_OF_ARENA');
  t.equal(e.requestType, MsgType.WRITE);
  t.equal(e.requestName, 'WRITE');
  t.equal(e.detail, 1048580);
  t.equal(e.text, 'offset+length beyond arena');
  t.equal(e.message, 'board refused WRITE: OUT_OF_ARENA (detail 1048580): offset+length beyond arena');
});
