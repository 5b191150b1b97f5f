// pty.js - a linked pseudo-terminal pair from socat: one end for the simulator, one for the driver.
'use strict';
const { spawn } = require('child_process');

/**
 * Starts `socat -d -d pty,raw,echo=0 pty,raw,echo=0` and resolves with the two paths socat prints
 * ("N PTY is /dev/pts/N") on stderr. close() ends that socat process (by its pid) and waits for it.
 * @returns {Promise<{ device: string, host: string, close: () => Promise<void> }>}
 */
function openPtyPair(timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      reject(new Error(`cannot start socat (apt-get install socat): ${e.message}`));
      return;
    }
    const paths = [];
    let stderr = '';
    let done = false;
    const exited = new Promise((r) => child.once('exit', r));
    const timer = setTimeout(() => finish(new Error(`socat printed no pty pair within ${timeoutMs} ms: ${stderr.trim()}`)), timeoutMs);
    function finish(err) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) {
        child.kill();
        reject(err);
        return;
      }
      resolve({
        device: paths[0],
        host: paths[1],
        close: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill();
          await exited;
        },
      });
    }
    child.on('error', (e) => finish(new Error(`cannot start socat (apt-get install socat): ${e.message}`)));
    child.on('exit', (code) => finish(new Error(`socat exited (${code}) before giving a pty pair: ${stderr.trim()}`)));
    child.stderr.on('data', (d) => {
      stderr += d.toString();
      const re = /PTY is (\S+)/g;
      let m;
      paths.length = 0;
      while ((m = re.exec(stderr))) paths.push(m[1]);
      if (paths.length >= 2) finish(null);
    });
  });
}

module.exports = { openPtyPair };
