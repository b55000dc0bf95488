/**
 * What the risk loop reads of the chain beyond the batches: the finality rule the
 * submitter honours (from the risk config), and a poll of the node's head and client
 * version (`web3_clientVersion`), which place height-based upgrade windows and flag a
 * client change (an upgrade rolled out under the venue).
 */
import type { Logger } from "pino";
import type { FinalityRule } from "../chain/finality-rule";
import type { RiskConfig } from "../risk/controls";
import type { RiskLoop } from "./risk-loop";

/**
 * The submitter's finality rule: the risk config's tag (`finalized`, `safe`) with its
 * confirmations as the fallback where the node does not serve the tag, or its
 * confirmations alone. `--confirmations` stays a minimum depth under every rule.
 */
export function finalityRuleOf(c: Pick<RiskConfig, "finality" | "confirmations">, minConfirmations: number): FinalityRule {
  const confirmations = Math.max(c.confirmations, minConfirmations);
  if (c.finality === "confirmations") return { confirmations, minConfirmations: confirmations };
  return { tag: c.finality, confirmations, minConfirmations };
}

/** What the watch needs of a JSON-RPC provider. */
export interface RpcReader {
  getBlockNumber(): Promise<number>;
  send(method: string, params: unknown[]): Promise<unknown>;
}

/**
 * Polls the head and the client version every `everyMs` into the loop; a failed read is
 * logged at debug level and tried again (the chain submitter reports a dead node).
 * @returns stop
 */
export function watchChain(risk: Pick<RiskLoop, "observeHead" | "observeClientVersion">, rpc: RpcReader, everyMs: number, log: Logger): () => void {
  let stopped = false;
  const tick = async (): Promise<void> => {
    try {
      risk.observeHead(await rpc.getBlockNumber());
      const v = await rpc.send("web3_clientVersion", []);
      if (typeof v === "string" && !stopped) risk.observeClientVersion(v);
    } catch (err) {
      log.debug({ err }, "chain watch: read failed; trying again");
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), everyMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
