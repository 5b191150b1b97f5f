// The script API: open a board, run a kernel on tensors, read counters, measure energy.
import t from 'tap';
import { HilBoard, generateInputs } from '../src/index';
import { hostSimUnavailable } from '../src/board/hostsim';

const shape = { S: 9, E: 11, P: 5, H: 3 };

for (const name of ['host', 'host-sim']) {
  t.test(`HilBoard on ${name}`, async (t) => {
    if (name === 'host-sim' && hostSimUnavailable()) return t.skip(`host-sim not built: ${hostSimUnavailable()}`);
    const board = await HilBoard.open({ board: name });
    t.teardown(() => board.close());
    t.equal(board.info.name, name);
    const tensors = generateInputs('linear_qk', shape, 11) as Int8Array[];
    const r = await board.run('linear_qk', tensors, { shape, cores: 2 });
    t.equal(r.mismatch, null, 'bit-exact against the golden model');
    t.equal(r.tensor.length, shape.H * shape.S * shape.P);
    t.ok(r.tensor instanceof Int8Array);
    t.equal(r.counterKind, 'nanoseconds');
    t.equal(r.macs, shape.S * shape.E * shape.P * shape.H);
    t.ok(r.counter > 0);
    const e = await board.measure('softmax', generateInputs('softmax', shape, 2) as Int8Array[], { shape, energy: 'model', repeat: 3 });
    t.equal(e.mismatch, null);
    t.ok(e.tensor instanceof Uint8Array);
    t.equal(e.energy.repeat, 3);
    t.equal(e.energy.estimate, true);
    t.ok(e.energy.perInferenceJ > 0);
    await t.rejects(board.run('linear_qk', tensors.slice(0, 2), { shape }), /linear_qk/);
    await t.rejects(board.run('conv', tensors, { shape }), /Unknown kernel "conv"/);
  });
}
