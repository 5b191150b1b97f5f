// energy-spec.test.ts - parsing of the --energy argument: every accepted form and the exact refusals.
import t from 'tap';
import { parseEnergySpec } from '../src/energy';

t.test('accepted forms', (t) => {
  t.same(parseEnergySpec('model'), { kind: 'model' });
  t.same(parseEnergySpec(' MODEL '), { kind: 'model' });
  t.same(parseEnergySpec('model:power=26.4mW,clock=80MHz'), { kind: 'model', powerW: 0.0264, clockHz: 80e6 });
  t.same(parseEnergySpec('model:power=26.4,clock=480e6'), { kind: 'model', powerW: 0.0264, clockHz: 480e6 }, 'bare power is mW, bare clock Hz');
  t.same(parseEnergySpec('model:power=0.3W,board=stm32l4,table=lab.yaml'), { kind: 'model', powerW: 0.3, board: 'stm32l4', table: 'lab.yaml' });
  t.same(parseEnergySpec('lpm01a:/dev/ttyACM1'), {
    kind: 'lpm01a', port: '/dev/ttyACM1', voltMv: 3300, freqHz: 5000, edge: 'fal', timeoutMs: 1000, baudRate: 3686400,
    output: 'energy', expectedA: undefined, acqmode: 'auto',
  });
  t.same(parseEnergySpec('lpm01a:/dev/ttyACM1,volt=1800m,freq=1k,edge=ris,timeout=500,output=current,current=120mA,acqmode=stat'), {
    kind: 'lpm01a', port: '/dev/ttyACM1', voltMv: 1800, freqHz: 1000, edge: 'ris', timeoutMs: 500, baudRate: 3686400,
    output: 'current', expectedA: 0.12, acqmode: 'stat',
  });
  const P = { spikeFilter: true, maxLossS: 100e-6 };
  t.same(parseEnergySpec('ppk2:/dev/ttyACM2'), { kind: 'ppk2', port: '/dev/ttyACM2', vddMv: 3300, mode: 'source', bit: 0, trig: 'pulses', timeoutMs: 1000, ...P });
  t.same(parseEnergySpec('ppk2:COM7,vdd=1.8V,mode=ampere,bit=D5'), { kind: 'ppk2', port: 'COM7', vddMv: 1800, mode: 'ampere', bit: 5, trig: 'pulses', timeoutMs: 1000, ...P });
  t.same(parseEnergySpec('ppk2:/dev/x,trig=pulses').trig, 'pulses');
  t.same(parseEnergySpec('ppk2:/dev/x,vdd=2500'), { kind: 'ppk2', port: '/dev/x', vddMv: 2500, mode: 'source', bit: 0, trig: 'pulses', timeoutMs: 1000, ...P }, 'bare vdd is mV');
  t.same(parseEnergySpec('ppk2:/dev/x,filter=off,maxloss=2ms'), { kind: 'ppk2', port: '/dev/x', vddMv: 3300, mode: 'source', bit: 0, trig: 'pulses', timeoutMs: 1000, spikeFilter: false, maxLossS: 2e-3 }, 'bare maxloss is ms');
  t.end();
});

t.test('refusals name what was wrong', (t) => {
  const cases: Array<[string, string]> = [
    ['', `Expected an energy source ('model', 'model:power=26mW,clock=80MHz', 'lpm01a:/dev/ttyACM1' or 'ppk2:/dev/ttyACM2') but received ""`],
    ['joulescope:/dev/x', `Expected an energy source 'model', 'model:power=26mW,clock=80MHz', 'lpm01a:/dev/ttyACM1' or 'ppk2:/dev/ttyACM2' but received "joulescope:/dev/x" (unknown kind "joulescope")`],
    ['lpm01a', 'Expected a serial port after "lpm01a:" (e.g. "lpm01a:/dev/ttyACM1") but received "lpm01a"'],
    ['ppk2:', 'Expected a serial port after "ppk2:" (e.g. "ppk2:/dev/ttyACM1") but received "ppk2:"'],
    ['lpm01a:/dev/x,freq=3k', 'Expected lpm01a freq one of 100k,50k,20k,10k,5k,2k,1k,500,200,100,50,20,10,5,2,1 but received "3k"'],
    ['lpm01a:/dev/x,freq=10k', 'lpm01a freq 10k exceeds 5k, the limit of ascii_dec streaming with infinite acquisition time (PowerShield firmware)'],
    ['lpm01a:/dev/x,volt=5V', 'Expected lpm01a volt in 1800m..3300m but received "5V" (5000 mV)'],
    ['lpm01a:/dev/x,edge=both', 'Expected lpm01a edge "fal" or "ris" but received "both"'],
    ['lpm01a:/dev/x,speed=1', 'Unknown option "speed" in "lpm01a:/dev/x,speed=1"; allowed: volt, freq, edge, timeout, baud, output, current, acqmode'],
    ['lpm01a:/dev/x,acqmode=fast', 'Expected lpm01a acqmode "auto", "dyn" or "stat" but received "fast"'],
    ['ppk2:/dev/x,filter=maybe', 'Expected ppk2 filter "on" or "off" but received "maybe"'],
    ['ppk2:/dev/x,vdd=6V', 'Expected ppk2 vdd in 800..5000 mV but received "6V" (6000 mV)'],
    ['ppk2:/dev/x,bit=8', 'Expected ppk2 bit (logic channel D0..D7) to be an integer in 0..7 but received "8"'],
    ['ppk2:/dev/x,trig=edge', 'Expected ppk2 trig "level" or "pulses" but received "edge"'],
    ['ppk2:/dev/x,mode=smu', 'Expected ppk2 mode "source" or "ampere" but received "smu"'],
    ['ppk2:/dev/x,timeout=fast', 'Expected ppk2 timeout (ms) to be an integer in 10..600000 but received "fast"'],
    ['model:power=lots', 'Expected model power as a number with optional SI prefix and unit \'W\' (e.g. "26.4mW") but received "lots"'],
    ['model:clock=80MW', 'Expected model clock as a number with optional SI prefix and unit \'Hz\' (e.g. "80MHz") but received "80MW"'],
    ['model:power=-1W', 'Expected model power > 0 but received -1'],
    ['model:power', 'Expected key=value options in "model:power" but received "power"'],
  ];
  for (const [spec, message] of cases) t.throws(() => parseEnergySpec(spec), { message }, spec);
  t.end();
});
