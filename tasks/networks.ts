/**
 * The networks Hardhat knows besides its in-process chain, read from the environment
 * with the names `zksettle serve` uses for the same things (docs/operations.md,
 * "Deploying"):
 *
 *   ZKSETTLE_RPC_URL        JSON-RPC endpoint            → network `zksettle`
 *   ZKSETTLE_SIGNER_KEY     0x + 64 hex, the deployer    (else the node's own accounts)
 *   ZKSETTLE_CHAIN_ID       the chain id the node must report (checked by Hardhat)
 *   ZKSETTLE_CONFIRMATIONS  blocks a deployment waits for (default 1)
 *   ZKSETTLE_HARDHAT_CHAIN_ID  chain id of the in-process chain and `hardhat node`
 *                           (default 31337; another value rehearses a remote deployment)
 *
 * `localhost` (a node on 127.0.0.1:8545) is always there. With ZKSETTLE_RPC_URL set, a
 * value that is wrong stops Hardhat with an error naming the variable, before anything is
 * sent.
 */
import type { NetworksUserConfig } from "hardhat/types";

/** Chain ids of development chains: Hardhat's and Ganache/anvil's default. */
export const LOCAL_CHAIN_IDS: readonly bigint[] = [31337n, 1337n];

export const isLocalChain = (chainId: bigint): boolean => LOCAL_CHAIN_IDS.includes(chainId);

export class NetworkConfigError extends Error {
  readonly code = "PRV_ERR_NETWORK_CONFIG";
  constructor(variable: string, problem: string) {
    super(`${variable}: ${problem}`);
    this.name = "NetworkConfigError";
  }
}

function positiveInt(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  if (!/^[1-9][0-9]*$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw new NetworkConfigError(name, `${JSON.stringify(raw)} is not a positive decimal integer`);
  return Number(raw);
}

/** Blocks a deployment waits for on the selected network. */
export function deployConfirmations(env: NodeJS.ProcessEnv = process.env): number {
  return positiveInt(env, "ZKSETTLE_CONFIRMATIONS") ?? 1;
}

/** Chain id of the in-process chain (and of `hardhat node`). */
export function hardhatChainId(env: NodeJS.ProcessEnv = process.env): number {
  return positiveInt(env, "ZKSETTLE_HARDHAT_CHAIN_ID") ?? 31337;
}

/** `localhost`, and `zksettle` when ZKSETTLE_RPC_URL is set. */
export function networksFromEnv(env: NodeJS.ProcessEnv = process.env, warn?: (message: string) => void): NetworksUserConfig {
  const networks: NetworksUserConfig = { localhost: { url: "http://127.0.0.1:8545" } };
  const url = env.ZKSETTLE_RPC_URL;
  // A signer key alone is serve's business (its rpcUrl may come from a config file).
  if (url === undefined || url === "") return networks;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new NetworkConfigError("ZKSETTLE_RPC_URL", `${JSON.stringify(url)} is not a URL`);
  }
  if (parsed.protocol === "ws:" || parsed.protocol === "wss:") {
    // serve takes a WebSocket endpoint, Hardhat does not: every other task still runs.
    if (warn) warn(`ZKSETTLE_RPC_URL is a ${parsed.protocol} endpoint, which Hardhat cannot use: no network "zksettle" (give an http(s) URL for deployments)`);
    return networks;
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new NetworkConfigError("ZKSETTLE_RPC_URL", `${parsed.protocol} is not http(s): or ws(s):`);
  const key = env.ZKSETTLE_SIGNER_KEY;
  if (key !== undefined && key !== "" && !/^0x[0-9a-fA-F]{64}$/.test(key)) throw new NetworkConfigError("ZKSETTLE_SIGNER_KEY", "not 0x followed by 64 hex digits");
  networks.zksettle = {
    url,
    accounts: key !== undefined && key !== "" ? [key] : "remote",
    chainId: positiveInt(env, "ZKSETTLE_CHAIN_ID"),
  };
  return networks;
}
