// energy-decode.test.ts - wire formats without a port: LPM01A lines and ascii_dec samples, PPK2 metadata,
// sample words, the current formula and word reassembly across arbitrary chunk splits (fast-check).
import t from 'tap';
import fc from 'fast-check';
import { classifyLpm01aLine, decodeAsciiSample } from '../src/energy/lpm01aLines';
import {
  PPK2_ADC_MULT, PPK2_DEFAULT_CAL, Ppk2WordReader, decodePpk2Word, parsePpk2Metadata, ppk2Current, ppk2RegulatorBytes,
} from '../src/energy/ppk2Decode';
import { lpm01aFreqArg, lpm01aSetupCommands } from '../src/energy/lpm01a';
import { parseEnergySpec } from '../src/energy/spec';
import type { Lpm01aSpec } from '../src/energy/spec';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { encodeAscii } = require('../tools/sim/lpm01a');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { encodeCurrent, metadataText, CAL } = require('../tools/sim/ppk2');

t.test('ascii_dec samples', (t) => {
  t.equal(decodeAsciiSample('6409-07'), 6409 / 1e7, '6409-07 = 640.9 µA');
  t.equal(decodeAsciiSample('1250-05'), 0.0125);
  t.equal(decodeAsciiSample('1000+00'), 1000);
  t.equal(decodeAsciiSample('640-07'), null, 'three digits is not a sample');
  t.equal(decodeAsciiSample('6409e-07'), null);
  t.equal(encodeAscii(6.409e-4), '6409-07', 'simulator encodes the documented example');
  fc.assert(fc.property(fc.double({ min: 1e-9, max: 0.5, noNaN: true }), (a) => {
    const back = decodeAsciiSample(encodeAscii(a))!;
    return Math.abs(back - a) / a <= 5.1e-4; // 4 significant digits
  }));
  t.end();
});

t.test('LPM01A line classes', (t) => {
  t.same(classifyLpm01aLine('PowerShield > ack volt 3300m\r'), { type: 'ack', text: 'ack volt 3300m' });
  t.same(classifyLpm01aLine('PowerShield > error freq 3k'), { type: 'error', text: 'error freq 3k' });
  t.same(classifyLpm01aLine('PowerShield > Error detail: frequency not in list'), { type: 'detail', text: 'frequency not in list' });
  t.same(classifyLpm01aLine('event 1 ris'), { type: 'event', n: 1, edge: 'ris' });
  t.same(classifyLpm01aLine('event 12 fal'), { type: 'event', n: 12, edge: 'fal' });
  t.same(classifyLpm01aLine('TimeStamp: 001s 250ms, buff 07%'), { type: 'timestamp', ms: 1250, buffPct: 7 });
  t.same(classifyLpm01aLine('end'), { type: 'end' });
  t.same(classifyLpm01aLine('PowerShield > Acquisition completed'), { type: 'completed' });
  t.same(classifyLpm01aLine('1250-05 6409-07'), { type: 'samples', amps: [0.0125, 0.0006409] });
  t.same(classifyLpm01aLine('125'), { type: 'other', text: '125' });
  t.same(classifyLpm01aLine(''), { type: 'blank' });
  t.end();
});

t.test('LPM01A setup commands and freq spelling', (t) => {
  t.equal(lpm01aFreqArg(5000), '5k');
  t.equal(lpm01aFreqArg(500), '500');
  t.same(lpm01aSetupCommands(parseEnergySpec('lpm01a:/dev/x,volt=1.8,freq=1k,edge=ris') as Lpm01aSpec), [
    'htc', 'volt 1800m', 'freq 1k', 'acqtime 0', 'format ascii_dec', 'output current', 'trigsrc sw', 'eventsrc d7 ris', 'pwr on',
  ]);
  t.end();
});

t.test('PPK2 metadata', (t) => {
  const m = parsePpk2Metadata(metadataText(3300, 2));
  t.same(m.cal, CAL, 'every calibration key read from the text');
  t.same(m.defaulted, []);
  t.equal(m.hw, '9173');
  t.equal(m.ia, '56');
  t.equal(m.vddMv, 3300);
  t.equal(m.calibrated, false);
  const partial = parsePpk2Metadata('R0: 0\nR1: 100\nO2: -nan\nEND');
  t.equal(partial.cal.R[0], PPK2_DEFAULT_CAL.R[0], 'R0 = 0 is treated as missing');
  t.equal(partial.cal.R[1], 100);
  t.equal(partial.cal.O[2], 0, '-nan falls back to the default');
  t.ok(partial.defaulted.includes('R0') && partial.defaulted.includes('O2') && !partial.defaulted.includes('R1'));
  t.throws(() => parsePpk2Metadata('R0: 1\nR1: 2'), { message: 'PPK2 metadata has no END line (received "R0: 1\\nR1: 2")' });
  t.end();
});

t.test('PPK2 words and current', (t) => {
  // raw 0x1abc, range 2, counter 0x2d, logic 0x81
  const w = (0x1abc | (2 << 14) | (0x2d << 18) | (0x81 << 24)) >>> 0;
  t.same(decodePpk2Word(w), { adc: 0x1abc * 4, range: 2, counter: 0x2d, logic: 0x81 });
  fc.assert(fc.property(fc.integer({ min: 0, max: 0x3fff }), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 63 }), fc.integer({ min: 0, max: 255 }),
    (raw, range, counter, logic) => {
      const d = decodePpk2Word(((raw | (range << 14) | (counter << 18) | (logic << 24)) >>> 0));
      return d.adc === raw * 4 && d.range === range && d.counter === counter && d.logic === logic;
    }));
  // Hand-computed: default calibration, range 2 (R 10.15), raw 1000 -> adc 4000.
  // x = 4000 * 1.8 / 163840 / 10.15 = 0.004329587438423645; I = x * (1 * x + 1) = 0.004348332765810601
  t.equal(ppk2Current(2, 4000, PPK2_DEFAULT_CAL, 3300), 0.004348332765810601);
  // Calibrated (the simulator's), range 1, raw 2172: x = (8688 - 75.6868) * mult / 101.5423 = 0.0009318057472646252
  // I = x * (112.7549 x + 0.9676) + 5.96e-7 * 3.3 - 1.554e-6 = 0.0009999288304709494 (1 mA in this range's LSB)
  t.ok(Math.abs(ppk2Current(1, 2172 * 4, CAL, 3300) - 0.0009999288304709494) < 1e-18);
  t.throws(() => ppk2Current(5, 0, PPK2_DEFAULT_CAL, 3300), { message: 'PPK2 sample has measurement range 5; valid ranges are 0..4' });
  // Simulator encoding -> driver formula: error within 2 ADC counts of that range's slope.
  fc.assert(fc.property(fc.double({ min: 2e-6, max: 0.5, noNaN: true }), fc.integer({ min: 800, max: 5000 }), (amps, vdd) => {
    const { range, raw } = encodeCurrent(amps, vdd);
    const got = ppk2Current(range, raw * 4, CAL, vdd);
    const x = amps; // x is within a few % of the current
    const slope = CAL.UG[range] * (PPK2_ADC_MULT / CAL.R[range]) * (2 * CAL.GS[range] * x + CAL.GI[range]);
    return Math.abs(got - amps) <= 2.1 * slope;
  }));
  t.same(ppk2RegulatorBytes(3300), [0x0d, 0x0c, 0xe4]);
  t.same(ppk2RegulatorBytes(800), [0x0d, 0x03, 0x20], 'IRNAS: 800 mV is [3, 32]');
  t.end();
});

t.test('PPK2 words survive any chunking', (t) => {
  fc.assert(fc.property(
    fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 64 }),
    fc.array(fc.integer({ min: 1, max: 13 }), { minLength: 1, maxLength: 40 }),
    (words, cuts) => {
      const bytes = Buffer.alloc(words.length * 4);
      words.forEach((w, i) => bytes.writeUInt32LE(w, i * 4));
      const reader = new Ppk2WordReader();
      const got: number[] = [];
      let i = 0, c = 0;
      while (i < bytes.length) {
        const n = cuts[c++ % cuts.length];
        reader.push(bytes.subarray(i, i + n), (w) => got.push(w));
        i += n;
      }
      return reader.pending === 0 && got.length === words.length && got.every((w, k) => w === words[k]);
    }));
  t.end();
});
