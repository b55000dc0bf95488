// Entry file of the signature-check threads when the service runs from its TypeScript
// sources (as prover/pool/prove-worker.boot.js): registers ts-node in the thread, then
// hands over. A compiled build loads check-worker.js directly.
"use strict";
const path = require("node:path");

if (!require.extensions[".ts"]) {
  require("ts-node").register({ transpileOnly: true, project: path.resolve(__dirname, "../../tsconfig.json") });
}
module.exports = require("./check-worker.ts");
