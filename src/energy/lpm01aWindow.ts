// lpm01aWindow.ts - finds the measured window in one LPM01A acquisition from its `event N` marks, the way
// MLPerf Tiny's runner does (benchmark/runner/main.py print_energy_results): event numbers must be consecutive,
// and the window is between the LAST TWO events ("there is sometimes some extra activity on the timestamp pin
// at the beginning"). A stray edge must not silently shift the window: with more than two events the window is
// accepted only when the board's own counter confirms its length. Pure function: tested without a port.

export interface EventMark {
  n: number;      // the shield's event number
  at: number;     // samples received before the event line
  cum: number;    // running sum of the sample values at that point
}

export interface WindowFound {
  first: EventMark;
  last: EventMark;
  count: number;  // samples between the two marks
  sum: number;    // sum of their values (A for output current, J for output energy)
  notes: string[];
}

/**
 * `minSamples`: samples the board's counter implies at the sampling rate (null when the counter has no time);
 * with more than two events the last two must enclose between that and 1.5x that + `slackSamples`.
 * Throws an Error whose message starts with the text after "LPM01A on PORT: ".
 */
export function findLpm01aWindow(events: EventMark[], minSamples: number | null, edge: string, slackSamples = 0): WindowFound {
  if (events.length === 0) {
    throw new Error(`no trigger event in the acquisition; check the trigger wire to D7 and 'eventsrc d7 ${edge}'`);
  }
  if (events.length === 1) {
    throw new Error(`only one trigger event (event ${events[0].n}); the board must give a second ${edge} edge at the end of its runs`);
  }
  for (let i = 1; i < events.length; i++) {
    if (events[i].n !== events[i - 1].n + 1) {
      throw new Error(`trigger events are not consecutive (event ${events[i - 1].n} then event ${events[i].n}): an event line was lost, measurement discarded`);
    }
  }
  const first = events[events.length - 2];
  const last = events[events.length - 1];
  const count = last.at - first.at;
  const sum = last.cum - first.cum;
  const notes: string[] = [];
  const list = () => events.map((e) => `event ${e.n} at sample ${e.at}`).join(', ');
  if (events.length > 2) {
    // Edge uncertainty: one sample at each end.
    if (minSamples === null) {
      throw new Error(`${events.length} trigger events (${list()}), expected 2, and the board counter cannot tell which pair is the window: a stray edge on D7? measurement discarded`);
    }
    if (count + 2 < minSamples) {
      throw new Error(`${events.length} trigger events (${list()}), expected 2: the last two enclose ${count} samples but the board's counter needs at least ${Math.ceil(minSamples)}; a stray edge on D7, measurement discarded`);
    }
    // Loop and GPIO overhead make the window longer than the counter's time, but not by half: more means the
    // last two events are not the window's (an unclosed window or an edge after it).
    if (count > 1.5 * minSamples + slackSamples) {
      throw new Error(`${events.length} trigger events (${list()}), expected 2: the last two enclose ${count} samples, far more than the ${Math.ceil(minSamples)} the board's counter needs; a stray edge on D7, measurement discarded`);
    }
    notes.push(`${events.length} trigger events (${list()}); used the last two as MLPerf Tiny does, their length agrees with the board counter`);
  }
  return { first, last, count, sum, notes };
}
