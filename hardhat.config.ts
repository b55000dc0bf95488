import { subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import "@nomicfoundation/hardhat-toolbox";
import "./tasks/settlement";
import "./tasks/rebuild-state";
import { hardhatChainId, networksFromEnv } from "./tasks/networks";
import type { HardhatUserConfig } from "hardhat/config";

const SOLC_VERSION = "0.8.30";

// No internet here: Hardhat cannot download solc, so compile with the solcjs
// build that the npm `solc` package ships (pinned to the same version).
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return runSuper();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc");
  return {
    compilerPath: require.resolve("solc/soljson.js"),
    isSolcJs: true,
    version: SOLC_VERSION,
    longVersion: solc.version(),
  };
});

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: "cancun" },
  },
  paths: { tests: "./test", sources: "./contracts" },
  mocha: { timeout: 600_000 },
  // Real networks come from the environment (tasks/networks.ts), with serve's names.
  networks: {
    hardhat: { allowUnlimitedContractSize: false, chainId: hardhatChainId() },
    ...networksFromEnv(process.env, (m) => console.warn(m)),
  },
};

export default config;
