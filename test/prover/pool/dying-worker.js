// Test fixture for prover-pool.test.ts: the real prove worker, plus tasks that kill the
// thread mid-task (the input names how), and a cheap task that proves nothing. Loaded
// by `hardhat test` as a test file too; on the main thread it only defines a function.
"use strict";
const prove = require("../../../prover/pool/prove-worker.boot.js").default;

module.exports = async function dyingWorker(task) {
  const how = task.input.__die;
  if (how === "exit") {
    // let the task be running for a moment, as a real crash would
    setTimeout(() => process.exit(3), 100);
    return new Promise(() => undefined);
  }
  if (how === "oom") {
    const hoard = [];
    for (;;) hoard.push(new Array(1 << 20).fill(Math.random()));
  }
  if (task.input.__echo !== undefined) {
    task.port && task.port.close();
    return { ok: true, proof: { pi_a: [], pi_b: [], pi_c: [], protocol: "echo", curve: "none" }, publicSignals: [String(task.input.__echo)], witnessMs: 0, proveMs: 0 };
  }
  return prove(task);
};
