#!/usr/bin/env node
// tap-totals.js - reads a tap run's output and prints "N passed, N failed, N skipped".
'use strict';
const fs = require('fs');
const text = fs.readFileSync(process.argv[2] || 0, 'utf8');
const m = [...text.matchAll(/^# \{ (total: .*) \}$/gm)].pop();
const counts = { pass: 0, fail: 0, skip: 0, todo: 0 };
if (m) {
  for (const part of m[1].split(',')) {
    const [k, v] = part.split(':').map((s) => s.trim());
    if (k in counts) counts[k] = Number(v);
  }
} else {
  counts.fail = 1; // no summary: the run did not finish
}
console.log(`${counts.pass} passed, ${counts.fail} failed, ${counts.skip + counts.todo} skipped`);
