// Entry file of the prover pool's threads when the prover runs from its TypeScript
// sources (ts-node, hardhat test). ts-node's require hook is installed per thread, so
// a new worker thread cannot load prove-worker.ts by itself; this plain CommonJS file
// registers ts-node (transpile only: types were checked by the main thread's build)
// and hands over. A compiled build (npm run build: dist/prover/pool) loads prove-worker.js
// directly instead (prover-pool.ts, defaultWorkerFile): the package ships dist/ only, not
// this file, and installs without ts-node, a devDependency (docs/decisions.md, "A real package").
"use strict";
const path = require("node:path");

if (!require.extensions[".ts"]) {
  require("ts-node").register({ transpileOnly: true, project: path.resolve(__dirname, "../../tsconfig.json") });
}
module.exports = require("./prove-worker.ts");
