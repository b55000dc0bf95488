/**
 * `zksettle serve`, wired (docs/service.md): config → genesis → job store (backends.ts:
 * SQLite, or jobs in Redis) → Ledger.open → prover port (worker threads, or remote
 * workers on the Redis prove queue) → chain Submitter (+ adapter) → Engine →
 * (sequencer mode) Sequencer + L1 deposit feed → buildApp → startServer, with the
 * engine's job events feeding the metrics and a graceful shutdown in the reverse order
 * (leader lease → app → deposit feed, reorg watch → engine.close → pool → store).
 *
 * On one machine the engine resumes at once. With the jobs in Redis the leader lease
 * decides (leadership.ts): the elected process rebuilds the ledger, resumes the
 * engine and starts the leader's roles (L1 deposit feed, reorg watch, a sequencer on
 * the ledger's state); the others serve reads and follow the ledger.
 *
 * Start-up checks (each failure is a `StartupError` naming the option to fix): the
 * circuit build exists, the chain answers, the settlement contract is deployed with the
 * same parameters, the signer is its operator, its genesis root is the ledger's, and
 * the chain holds no batch the data directory does not know.
 */
import { randomUUID } from "node:crypto";
import path from "node:path";
import { Contract, JsonRpcProvider, Network, Wallet } from "ethers";
import type { Logger } from "pino";
import { buildApp } from "../api/app";
import { cutWhileReady } from "./cut-timer-hooks";
import { checkChain, chainIdOf, circuitOf, importOverridesFile, serveProblems } from "./startup-checks";
import { startServer, type RunningServer } from "../api/server";
import { readArtifact, type DeployedContract } from "../chain/deploy";
import { Submitter as ChainSubmitter } from "../chain/submitter";
import { signedHeader } from "../dev/fixtures";
import { loadParams, type Params } from "../state/params";
import { JobConflictError, type JobStore } from "../store/job-store";
import { openBackends, StartupError } from "../service/backends";
import { ChainAdapter, recordSubmitterEvents } from "../service/chain-adapter";
import type { Config } from "../service/config";
import { DepositFeeder } from "../service/deposit-feeder";
import { Engine } from "../service/engine";
import { attachEngineMetrics } from "../service/engine-metrics";
import { GenesisError, loadGenesis } from "../service/genesis-file";
import { LeaderLease } from "../service/leader";
import { Leadership, type LeadershipPort } from "../service/leadership";
import { Ledger } from "../service/ledger";
import type { ServiceMetrics } from "../service/metrics";
import { Sequencer } from "../service/sequencer";
import { finalityRuleOf, watchChain } from "../service/chain-watch";
import { SequencerIntake } from "../service/sequencer-intake";
import { journalOf } from "../store/journal";
import { rebaseOnRewind, type RebaseGate } from "../service/rebase-on-rewind";
import { RiskLoop, attachRiskLoop, loadRiskConfig } from "../service/risk-loop";
import { registerRiskMetrics } from "../risk/metrics";
import { registerWorkerMetrics } from "../remote/metrics";
import { resolveBackend } from "../zk/load-backend";
import { startHousekeeping } from "../service/housekeeping";
import { openSignatureChecker } from "../signatures/open";


/** The running service, for the CLI, tests and the bench. */
export interface Service {
  readonly url: string;
  readonly config: Config;
  readonly engine: Engine;
  readonly ledger: Ledger;
  readonly store: JobStore;
  readonly sequencer?: Sequencer;
  /** Sequencer mode: the sequencer's durable journal and batch pump. */
  readonly intake?: SequencerIntake;
  /** The latency-aware margin (docs/risk.md section 8). */
  readonly risk: RiskLoop;
  /** Many machines: the leader lease this process competes for. */
  readonly leadership?: Leadership;
  readonly server: RunningServer;
}

export interface StartOptions {
  /** process.exit (injected by the bench, which runs the service in-process). */
  readonly exit?: (code: number) => void;
}


/**
 * Starts the whole service and listens.
 * @throws StartupError / GenesisError / LedgerReplayError before anything listens
 */
export async function startService(config: Config, log: Logger, metrics: ServiceMetrics, opts: StartOptions = {}): Promise<Service> {
  const problems = serveProblems(config);
  if (problems.length > 0) throw new StartupError(problems);
  let params: Params;
  try {
    params = loadParams(config.params);
  } catch (e) {
    throw new StartupError([`params: ${(e as Error).message}`]);
  }
  // before anything starts: --signature-checker native without the addon is a start-up error
  const checker = config.mode === "sequencer" ? openSignatureChecker(config) : undefined;
  if (checker !== undefined && "problem" in checker) throw new StartupError([checker.problem]);
  const circuit = circuitOf(config);
  if (circuit.insecure) log.warn("!!! the circuit's keys are the INSECURE development keys (dev powers of tau): tests and demo only !!!");
  const { state: genesis, insecure } = await loadGenesis({ file: config.genesis, dev: config.devGenesis, params, paramsName: config.params });
  if (insecure) log.warn("!!! --dev-genesis: INSECURE dev genesis with public keys (prover/dev/fixtures.ts): tests and demo only !!!");

  const chainId = await chainIdOf(config.rpcUrl);
  const provider = new JsonRpcProvider(config.rpcUrl, Network.from(chainId), { staticNetwork: true, polling: true, pollingInterval: config.pollInterval, batchMaxCount: 1 });
  const signer = new Wallet(config.signerKey, provider);
  const abi = readArtifact("contracts/Settlement.sol", "Settlement").abi;
  const settlement = new Contract(config.settlement, abi, provider) as unknown as DeployedContract;

  const backends = await openBackends(config, log);
  const { store } = backends;
  let undone = false;
  /** pool → store → pid file → provider (after engine.close). */
  const undo = async (): Promise<void> => {
    if (undone) return;
    undone = true;
    await backends.close();
    provider.destroy();
  };
  let ledger: Ledger;
  try {
    ledger = await Ledger.open(store, genesis);
    await checkChain(settlement, provider, signer, params, genesis, ledger, config);
  } catch (e) {
    await undo();
    throw e;
  }
  log.info({ batches: ledger.height, stateRoot: ledger.stateRoot().toString(), unfinished: (await store.unfinished()).length }, "ledger replayed");

  let risk: RiskLoop;
  try {
    // the overrides live in the job store, so every serve on one Redis sees the same
    risk = new RiskLoop({ config: loadRiskConfig(config.riskConfig, params.markets), params, overridesLog: backends.records, log: log.child({ component: "risk" }) });
    await importOverridesFile(path.join(config.dataDir, "risk-overrides.json"), backends.records, log);
    await risk.refreshOverrides();
  } catch (e) {
    await undo();
    throw new StartupError([`riskConfig: ${(e as Error).message}`]);
  }
  const chores = startHousekeeping({ records: backends.records, refreshOverrides: () => risk.refreshOverrides(), retentionS: config.jobRetention, refreshMs: config.pollInterval, log: log.child({ component: "housekeeping" }) });
  registerRiskMetrics(metrics.registry, risk);

  const chainLog = log.child({ component: "submitter" });
  const recordEvent = recordSubmitterEvents(store, chainLog);
  const chain = new ChainSubmitter({
    settlement: config.settlement,
    abi,
    signer,
    confirmations: config.confirmations,
    finality: finalityRuleOf(risk.config, config.confirmations),
    replaceAfterMs: config.replaceAfter * 1000,
    pollMs: config.pollInterval,
    fromBlock: config.fromBlock,
    onEvent: async (e) => {
      await recordEvent(e);
      risk.observeSubmitter(e);
      // depth unknown where the head cannot be read: counted as one block
      if (e.type === "reorged-out") risk.observeReorg(await provider.getBlockNumber().then((h) => h - e.blockNumber + 1, () => 1));
    },
  });
  const submitter = new ChainAdapter({ chain, store, provider, log: chainLog, confirmations: config.confirmations, finality: chain.finality, replaceAfterMs: config.replaceAfter * 1000, pollMs: config.pollInterval });
  const prover = backends.pool();
  if (prover.backend !== undefined) {
    const { fallback } = resolveBackend(config.prover);
    log.info({ backend: prover.backend, requested: config.prover, threads: prover.threads, fallback }, `proving with the ${prover.backend} backend`);
  }
  // remote workers (the Redis prove queue) show in /metrics, one series per worker
  if (prover.workers !== undefined) registerWorkerMetrics(metrics.registry, () => prover.workers!());
  const engine = new Engine({ store, ledger, pool: prover, submitter, circuitDir: circuit.dir, vkey: circuit.vkey, params, maxQueued: config.maxQueue });
  attachEngineMetrics(engine, metrics);
  const engineLog = log.child({ component: "engine" });
  engine.on("job", (j) => engineLog.info({ jobId: j.id, batchNumber: j.batchNumber, state: j.state, attempts: j.attempts, txHash: j.txHash, error: j.error }, "job"));
  engine.on("rewound", (h, dropped) => engineLog.warn({ height: h, dropped: dropped.map((j) => j.batchNumber) }, "batches left the ledger; it went back"));
  engine.on("fault", (err) => engineLog.error({ err }, "job store or submitter error outside a request; the job stays where the store has it"));
  const planRisk = attachRiskLoop(risk, engine, () => ledger.pendingState(), log.child({ component: "risk" }));
  const stopChainWatch = watchChain(risk, provider, Math.max(config.pollInterval, 5000), log.child({ component: "risk" }));

  // a reorg that takes back a confirmed batch: failed (PRV_ERR_REORGED) → retry → submitted again
  const watchReorgs = () =>
    chain.watchReorgs(
      async () => (await store.list({ states: ["confirmed"], limit: 64 })).map((j) => ({ batchNumber: j.batchNumber, newStateRoot: BigInt(j.newStateRoot), blockNumber: j.blockNumber })),
      async (numbers) => {
        for (const n of numbers) {
          const job = await store.getByBatchNumber(n);
          if (!job || job.state !== "confirmed") continue;
          chainLog.warn({ jobId: job.id, batchNumber: n, txHash: job.txHash }, "a reorg took back a confirmed batch: submitting it again");
          const at = job.blockNumber;
          risk.observeReorg(at === undefined ? 1 : await provider.getBlockNumber().then((h) => h - at + 1, () => 1));
          try {
            await store.transition(job.id, ["confirmed"], "failed", { error: { code: "PRV_ERR_REORGED", message: `batch ${n} (tx ${job.txHash}) is no longer on the canonical chain` } });
            metrics.error("PRV_ERR_REORGED");
            await engine.retry(job.id);
          } catch (err) {
            if (!(err instanceof JobConflictError)) throw err;
          }
        }
      },
      (err) => chainLog.warn({ err }, "reorg check failed; retrying"),
    );

  let sequencer: Sequencer | undefined;
  let intake: SequencerIntake | undefined;
  let feeder: DepositFeeder | undefined;
  let rebases: RebaseGate | undefined;
  if (config.mode === "sequencer") {
    if (config.devOracle) log.warn("!!! --dev-oracle: batch headers are signed with the INSECURE dev oracle keys: tests and demo only !!!");
    sequencer = new Sequencer({
      state: ledger.pendingState(),
      clock: Date.now,
      batchIntervalMs: config.batchInterval * 1000,
      maxRestingOrders: config.maxRestingOrders,
      makerFeeBps: BigInt(config.makerFeeBps),
      takerFeeBps: BigInt(config.takerFeeBps),
      devOracle: config.devOracle
        ? (s, now) => {
            // the dev oracle signs what the risk loop plans: new arrays when the plan publishes
            const ts = bigMax(s.global.oracleTimestamp + 1n, BigInt(Math.floor(now / 1000)));
            planRisk(s, Number(ts));
            return signedHeader(s, ts, undefined, undefined, undefined, risk.arraysToPublish());
          }
        : undefined,
    });
    feeder = new DepositFeeder(sequencer, settlement, log.child({ component: "deposits" }), metrics);
    intake = new SequencerIntake(
      sequencer,
      journalOf(store),
      {
        submitBatch: (b) => engine.submitBatch(b),
        ledgerState: () => ledger.pendingState(),
        ledgerBatches: () => store.ledger(),
      },
      log.child({ component: "sequencer" }),
    );
    // batches taken out of the ledger: the sequencer rebases on what is left
    rebases = rebaseOnRewind(engine, intake, log.child({ component: "sequencer" }));
  }

  /** The roles only the leader plays (on one machine: this process, from the start). */
  let reorgs: { stop(): Promise<void> } | undefined;
  const lead = async (): Promise<void> => {
    // the book and the pending ops come back from the journal, on the ledger's state
    // (which a previous leader may have moved on)
    if (intake !== undefined) log.info(await intake.restore(), "sequencer restored from the journal");
    rebases?.release();
    reorgs ??= watchReorgs();
    feeder?.start(config.pollInterval);
  };
  const stopRoles = async (): Promise<void> => {
    await feeder?.stop();
    await reorgs?.stop();
    reorgs = undefined;
  };
  const follow = async (): Promise<void> => {
    await stopRoles();
    rebases?.hold();
    // what this process acknowledged is in the journal: the next leader restores it
    sequencer?.reset(ledger.pendingState());
  };

  let leadership: Leadership | undefined;
  let follower: NodeJS.Timeout | undefined;
  const port: LeadershipPort | undefined = backends.redisUrl === undefined ? undefined : { isLeader: () => leadership?.isLeader() ?? false, leader: async () => leadership?.leader() };
  if (port === undefined) await engine.resume();

  // one machine: the book is back before anything listens
  if (port === undefined && intake !== undefined) {
    try {
      log.info(await intake.restore(), "sequencer restored from the journal");
      rebases?.release();
    } catch (e) {
      chores.stop();
      await engine.close();
      await undo();
      throw e;
    }
  }
  if (checker !== undefined) log.info(checker.note);
  const signatures = intake === undefined ? undefined : checker?.checker;
  // not awaited: listening does not wait for the threads (an early order waits for its check instead)
  signatures?.warm().catch((err: unknown) => log.warn({ err }, "signature-check threads did not start; orders wait for them"));
  const app = await buildApp({ engine, ledger, intake, config, metrics, logger: log, leadership: port, risk, records: backends.records, signatures });
  cutWhileReady(app, intake, config.batchInterval);
  const stop = async (): Promise<void> => {
    await signatures?.close();
    stopChainWatch();
    chores.stop();
    if (follower !== undefined) clearInterval(follower);
    await leadership?.stop();
    await stopRoles();
    await engine.close();
    await undo();
  };
  let server: RunningServer;
  try {
    server = await startServer(app, config, log, stop, opts.exit);
  } catch (e) {
    await app.close();
    await stop();
    throw new StartupError([`host/port: cannot listen on ${config.host}:${config.port} (${(e as Error).message})`]);
  }
  if (backends.redisUrl === undefined) {
    reorgs = watchReorgs();
    feeder?.start(config.pollInterval);
  } else {
    // the lease names this process by its URL, so a follower's PRV_ERR_NOT_LEADER says where to write
    const lease = new LeaderLease({ url: backends.redisUrl, prefix: config.storePrefix, ownerId: `${server.url}#${randomUUID().slice(0, 8)}`, ttlMs: config.leaderTtlMs });
    // every job write checks, in the same Redis script, that this process still holds the lease
    backends.fence(lease.ownerId);
    leadership = new Leadership(lease, engine, ledger, log.child({ component: "leader" }), { lead, follow });
    await leadership.start();
    // a follower's state routes read its copy of the ledger: keep it up with the leader's
    follower = setInterval(() => {
      if (!lease.isLeader) void ledger.sync().catch((err: unknown) => log.warn({ err }, "follower: cannot read the ledger; retrying"));
    }, config.pollInterval);
    follower.unref();
  }
  return { url: server.url, config, engine, ledger, store, sequencer, intake, risk, leadership, server };
}

function bigMax(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

export { GenesisError, StartupError, attachEngineMetrics, serveProblems };
