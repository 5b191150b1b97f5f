// energy-decode.test.ts - wire formats without a port: LPM01A lines and ascii_dec samples, PPK2 metadata,
// sample words, the current formula and word reassembly across arbitrary chunk splits (fast-check).
import t from 'tap';
import fc from 'fast-check';
import { classifyLpm01aLine, decodeAsciiSample, parseLpm01aVersion, parseLpm01aVolt } from '../src/energy/lpm01aLines';
import {
  PPK2_ADC_MULT, PPK2_DEFAULT_CAL, Ppk2SpikeFilter, Ppk2WordReader, decodePpk2Word, parsePpk2Metadata, ppk2Current, ppk2RegulatorBytes,
} from '../src/energy/ppk2Decode';
import { Ppk2Stream } from '../src/energy/ppk2Stream';
import { findLpm01aWindow } from '../src/energy/lpm01aWindow';
import { lpm01aAcqMode, lpm01aFreqArg, lpm01aSetupCommands } from '../src/energy/lpm01a';
import { parseEnergySpec } from '../src/energy/spec';
import type { Lpm01aSpec } from '../src/energy/spec';
import './lib/fcSeed';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { encodeAscii } = require('../tools/sim/lpm01a');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { encodeCurrent, encodeOnRange, metadataText, effectiveCal, CAL } = require('../tools/sim/ppk2');

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
  // NULs: the shield puts '\0' into the stream (MLPerf's serial_device.py drops them); a sample stays a sample.
  t.same(classifyLpm01aLine('\u00006409-07\r'), { type: 'samples', amps: [0.0006409] });
  t.same(classifyLpm01aLine('PowerShield > ack htc\u0000'), { type: 'ack', text: 'ack htc' });
  // TimeStamp forms MLPerf's regex accepts: ' ', '>' or '<' after the colon.
  t.same(classifyLpm01aLine('TimeStamp:>002s 000ms, buff 12%'), { type: 'timestamp', ms: 2000, buffPct: 12 });
  t.same(classifyLpm01aLine('TimeStamp:<002s 000ms, buff 12%'), { type: 'timestamp', ms: 2000, buffPct: 12 });
  t.same(classifyLpm01aLine('PowerShield > Voltage configured'), { type: 'voltageConfigured' });
  t.same(classifyLpm01aLine('PowerShield > error: over current detected'), { type: 'overcurrent', text: 'error: over current detected' });
  t.same(classifyLpm01aLine('33930-08'), { type: 'other', text: '33930-08' }, 'two samples run together are not a sample');
  t.same(parseLpm01aVersion('1.0.6'), [1, 0, 6]);
  t.equal(parseLpm01aVersion('v?'), null);
  t.equal(parseLpm01aVolt('3297m'), 3297);
  t.equal(parseLpm01aVolt('3.297'), 3297);
  t.equal(parseLpm01aVolt('1800 mV'), 1800);
  t.equal(parseLpm01aVolt(''), null);
  t.end();
});

t.test('LPM01A setup commands, freq spelling, acquisition mode', (t) => {
  t.equal(lpm01aFreqArg(5000), '5k');
  t.equal(lpm01aFreqArg(500), '500');
  t.same(lpm01aSetupCommands(parseEnergySpec('lpm01a:/dev/x,volt=1.8,freq=1k,edge=ris') as Lpm01aSpec, 'dyn'), [
    'volt 1800m', 'freq 1k', 'acqtime 0', 'acqmode dyn', 'format ascii_dec', 'output energy', 'trigsrc sw', 'eventsrc d7 ris', 'pwr on',
  ]);
  const spec = (s: string) => parseEnergySpec(s) as Lpm01aSpec;
  t.equal(lpm01aAcqMode(spec('lpm01a:/dev/x,current=50mA')).mode, 'dyn', '50 mA: dynamic (UM2243: up to 50 mA)');
  t.equal(lpm01aAcqMode(spec('lpm01a:/dev/x,current=51mA')).mode, 'stat');
  t.equal(lpm01aAcqMode(spec('lpm01a:/dev/x,current=120')).mode, 'stat', 'a bare number is mA');
  t.equal(lpm01aAcqMode(spec('lpm01a:/dev/x'), { name: 'stm32h7', clockHz: 480e6, counterKind: 'cycles' }).mode, 'stat', '416 mW / 3.3 V = 126 mA');
  t.equal(lpm01aAcqMode(spec('lpm01a:/dev/x'), { name: 'stm32l4', clockHz: 80e6, counterKind: 'cycles' }).mode, 'dyn');
  t.equal(lpm01aAcqMode(spec('lpm01a:/dev/x,acqmode=stat'), { name: 'stm32l4', clockHz: 80e6, counterKind: 'cycles' }).mode, 'stat');
  t.throws(() => parseEnergySpec('lpm01a:/dev/x,current=250mA'), { message: `Expected lpm01a current in (0, 200mA] (the shield's static-mode limit) but received "250mA"; above that use ppk2 (up to 1 A)` });
  t.throws(() => parseEnergySpec('lpm01a:/dev/x,output=power'), { message: 'Expected lpm01a output "energy" or "current" but received "power"' });
  t.throws(() => parseEnergySpec('ppk2:/dev/x,maxloss=6ms'), { message: `Expected ppk2 maxloss in 0..5ms (Nordic's data-loss threshold) but received "6ms"` });
  t.end();
});

t.test('LPM01A window: last two events, consecutive numbers, stray edges refused', (t) => {
  const ev = (n: number, at: number) => ({ n, at, cum: at * 2 });
  t.same(findLpm01aWindow([ev(1, 10), ev(2, 60)], 50, 'fal'), { first: ev(1, 10), last: ev(2, 60), count: 50, sum: 100, notes: [] });
  t.throws(() => findLpm01aWindow([], 50, 'fal'), { message: "no trigger event in the acquisition; check the trigger wire to D7 and 'eventsrc d7 fal'" });
  t.throws(() => findLpm01aWindow([ev(1, 10)], 50, 'fal'), { message: 'only one trigger event (event 1); the board must give a second fal edge at the end of its runs' });
  t.throws(() => findLpm01aWindow([ev(1, 10), ev(3, 60)], 50, 'fal'), { message: 'trigger events are not consecutive (event 1 then event 3): an event line was lost, measurement discarded' });
  const extra = findLpm01aWindow([ev(1, 0), ev(2, 1), ev(3, 10), ev(4, 60)], 49, 'fal');
  t.equal(extra.count, 50, 'extra activity at the start: the last two (MLPerf)');
  t.throws(() => findLpm01aWindow([ev(1, 10), ev(2, 40), ev(3, 60)], 49, 'fal'), { message: /^3 trigger events .+ the last two enclose 20 samples but the board's counter needs at least 49; a stray edge on D7/ });
  t.throws(() => findLpm01aWindow([ev(1, 10), ev(2, 60), ev(3, 200)], 49, 'fal'), { message: /^3 trigger events .+ the last two enclose 140 samples, far more than the 49 the board's counter needs; a stray edge on D7/ });
  t.throws(() => findLpm01aWindow([ev(1, 0), ev(2, 10), ev(3, 60)], null, 'fal'), { message: /cannot tell which pair is the window/ });
  t.end();
});

t.test('PPK2 metadata', (t) => {
  const m = parsePpk2Metadata(metadataText(3300, 2));
  t.same(m.cal, effectiveCal(), 'every calibration key read from the text (stored GS0 0 read as 1)');
  t.equal(CAL.GS[0], 0);
  t.same(m.zeroed, ['GS0']);
  t.same(m.defaulted, []);
  t.equal(m.hw, '9173');
  t.equal(m.ia, '56');
  t.equal(m.vddMv, 3300);
  t.equal(m.calibrated, false);
  const partial = parsePpk2Metadata('R0: 0\nR1: 100\nO2: -nan\nGS1: 0\nGI3: 0\nUG4: 0\nO1: 0\nEND');
  t.equal(partial.cal.R[0], PPK2_DEFAULT_CAL.R[0], 'R0 = 0 is treated as missing');
  t.equal(partial.cal.R[1], 100);
  t.equal(partial.cal.O[2], 0, '-nan falls back to the default');
  t.same([partial.cal.GS[1], partial.cal.GI[3], partial.cal.UG[4]], [1, 1, 1], 'stored 0 gains read as 1 (Nordic: meta[key] || default)');
  t.equal(partial.cal.O[1], 0, 'an offset of 0 is a value');
  t.same(partial.zeroed, ['GS1', 'GI3', 'UG4']);
  t.ok(partial.defaulted.includes('R0') && partial.defaulted.includes('O2') && !partial.defaulted.includes('R1') && !partial.defaulted.includes('O1'));
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
  t.equal(ppk2Current(7, 4000, PPK2_DEFAULT_CAL, 3300), ppk2Current(4, 4000, PPK2_DEFAULT_CAL, 3300), 'ranges 5..7 read as 4 (IRNAS)');
  t.throws(() => ppk2Current(8, 0, PPK2_DEFAULT_CAL, 3300), { message: 'PPK2 sample has measurement range 8; the field is 3 bits (0..7)' });
  // The simulator's encoder against hand-computed words (not the decoder): range 1, 1 mA, 3300 mV.
  // c = 5.96e-7*3.3 - 1.554e-6 - 1e-3; x = (-0.9676 + sqrt(0.9676^2 - 4*112.7549*c)) / (2*112.7549) = 9.31876e-4
  // adc = x * 101.5423 / (1.8/163840) + 75.6868 = 8688.66; word = round(adc / 4) = 2172
  t.equal(encodeOnRange(1e-3, 3300, 1), 2172);
  t.same(encodeCurrent(1e-3, 3300), { range: 1, raw: 2172 }, '1 mA is over 90 % of range 0');
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

t.test('PPK2 spike filter: Nordic\'s arithmetic, by hand', (t) => {
  const f = new Ppk2SpikeFilter();
  t.equal(f.next(1, 1), 1, 'first sample passes');
  t.equal(f.next(1, 1), 1, 'no switch: raw');
  // Switch to range 2 with 10: avg = 0.18*10 + 0.82*1 = 2.62 for 3 samples (then 3.9684, 5.074...), raw after.
  t.ok(Math.abs(f.next(2, 10) - 2.62) < 1e-12);
  t.ok(Math.abs(f.next(2, 10) - (0.18 * 10 + 0.82 * 2.62)) < 1e-12);
  t.ok(Math.abs(f.next(2, 10) - (0.18 * 10 + 0.82 * (0.18 * 10 + 0.82 * 2.62))) < 1e-12);
  t.equal(f.next(2, 10), 10, 'fourth sample after the switch is raw');
  // Into range 4: the first two samples do not enter the averages; the output is the slow (0.06) average.
  const g = new Ppk2SpikeFilter();
  g.next(3, 1); g.next(3, 1);
  t.equal(g.next(4, 100), 1, 'range 4, 1st: previous slow average');
  t.equal(g.next(4, 100), 1, 'range 4, 2nd: previous slow average');
  t.ok(Math.abs(g.next(4, 100) - (0.06 * 100 + 0.94 * 1)) < 1e-12, 'range 4, 3rd: slow average updated');
  t.equal(g.next(4, 100), 100);
  t.end();
});

t.test('PPK2 stream: counter glitches kept, gaps resynchronised and filled', (t) => {
  const cal = { R: [1, 1, 1, 1, 1], GS: [0, 0, 0, 0, 0], GI: [1, 1, 1, 1, 1], O: [0, 0, 0, 0, 0], S: [0, 0, 0, 0, 0], I: [0, 0, 0, 0, 0], UG: [1, 1, 1, 1, 1] };
  const word = (raw: number, counter: number, logic: number) => (raw | (1 << 14) | ((counter & 0x3f) << 18) | (logic << 24)) >>> 0;
  const bytes = (ws: number[]) => { const b = Buffer.alloc(ws.length * 4); ws.forEach((w, i) => b.writeUInt32LE(w, i * 4)); return b; };
  const s = new Ppk2Stream({ cal, vddMv: 3300, bit: 0, pulses: false, spikeFilter: false });
  const ws: number[] = [];
  let c = 0;
  for (let i = 0; i < 10; i++) ws.push(word(100, c++, 0));
  for (let i = 0; i < 20; i++) ws.push(word(200, c++, 1));      // window opens
  ws[15] = word(200, 15 ^ 0x15, 1);                               // one counter glitch inside
  c += 3;                                                         // a gap of 3 samples
  for (let i = 0; i < 20; i++) ws.push(word(200, c++, 1));
  ws.push(word(100, c++, 0));                                     // window closes
  s.push(bytes(ws));
  t.equal(s.s.phase, 'after');
  t.equal(s.s.fault, null);
  t.equal(s.s.glitches, 1);
  t.same(s.s.gaps, [{ at: 30, missing: 3 }]);
  t.equal(s.s.winCount, 43, '40 received + 3 filled');
  t.equal(s.s.lostInWindow, 3);
  const amps = (raw: number) => ppk2Current(1, raw * 4, cal, 3300);
  t.ok(Math.abs(s.s.winSum - 43 * amps(200)) < 1e-15, 'filled with the neighbours\' mean');
  // A gap whose first samples after it include a glitch still resynchronises (found by a simulator run).
  const g = new Ppk2Stream({ cal, vddMv: 3300, bit: 0, pulses: false, spikeFilter: false });
  const counters = [20, 21, 22, 23, /* gap of 2 */ 26, 27, 28 ^ 0x15, 29, 30];
  g.push(bytes(counters.map((k) => word(100, k, 0))));
  t.equal(g.s.fault, null);
  t.same(g.s.gaps, [{ at: 4, missing: 2 }]);
  t.equal(g.s.glitches, 1);
  t.equal(g.s.total, 9);
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
