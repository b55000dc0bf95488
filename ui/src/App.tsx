import { useCallback, useEffect, useRef, useState } from "react";
import {
  ApiFailure,
  describeFailure,
  getJson,
  getText,
  loadKey,
  operator,
  saveKey,
  type AtRiskView,
  type Capacity,
  type JobList,
  type JobView,
  type OverrideLog,
  type RiskHistory,
  type RiskView,
} from "./api";
import { parseMetrics, type Sample } from "./metrics";
import { AtRiskPanel, CapacityPanel, LatencyPanel, MarginPanel, PipelinePanel, type MarginPoint, type Optional } from "./panels";

const POLL_MS = 1500;
const HISTORY = 120;

type Banner = { kind: "error" | "auth" | "ok" | "info"; text: string } | undefined;

/** What one poll of a route gave: the value, "absent" (404: this service lacks it), or an error. */
function optional<T>(r: PromiseSettledResult<T>): Optional<T> {
  if (r.status === "fulfilled") return { value: r.value };
  const e = r.reason;
  if (e instanceof ApiFailure && e.status === 404 && (e.code === "PRV_ERR_NOT_FOUND" || e.code === undefined)) return { absent: true };
  if (e instanceof ApiFailure && e.status === 503) return { pending: describeFailure(e) };
  return { error: describeFailure(e) };
}

export function App() {
  const [key, setKey] = useState<string>(loadKey);
  const [draft, setDraft] = useState<string>(key);
  const [keyStatus, setKeyStatus] = useState<"none" | "unchecked" | "valid" | "refused">(key === "" ? "none" : "unchecked");
  const [banner, setBanner] = useState<Banner>();
  const [connection, setConnection] = useState<{ ok: boolean; at?: number; error?: string }>({ ok: false });

  const [jobs, setJobs] = useState<Optional<JobList>>({ pending: "loading" });
  const [capacity, setCapacity] = useState<Optional<Capacity>>({ pending: "loading" });
  const [metrics, setMetrics] = useState<Optional<Sample[]>>({ pending: "loading" });
  const [risk, setRisk] = useState<Optional<RiskView>>({ pending: "loading" });
  const [atRisk, setAtRisk] = useState<Optional<AtRiskView>>({ pending: "loading" });
  const [overrides, setOverrides] = useState<Optional<OverrideLog>>({ pending: "loading" });

  // Client-side history: confirmed jobs seen (for the latency chart) and margin samples per market.
  const finished = useRef(new Map<string, JobView>());
  const [finishedList, setFinishedList] = useState<JobView[]>([]);
  const marginHistory = useRef(new Map<number, MarginPoint[]>());
  const [marginTick, setMarginTick] = useState(0);
  const gates = useRef(new Map<string, { last: Optional<unknown>; next: number }>());
  const seenRisk = useRef(new WeakSet<object>());

  const poll = useCallback(async (signal: AbortSignal) => {
    const gate = gates.current;
    /** A route this service may lack: after a 404 ask again in 30 s, after a 503 in 5 s (each refusal counts in the service's error metrics). */
    const gated = async <T,>(key: string, get: () => Promise<T>, set: (o: Optional<T>) => void): Promise<Optional<T>> => {
      const g = gate.get(key);
      if (g !== undefined && Date.now() < g.next) return g.last as Optional<T>;
      const [r] = await Promise.allSettled([get()]);
      const o = optional(r);
      gate.set(key, { last: o, next: Date.now() + (o.absent ? 30_000 : o.pending !== undefined ? 5_000 : 0) });
      if (!signal.aborted) set(o);
      return o;
    };
    const riskP = gated("risk", () => getJson<RiskView>("/v1/risk", signal), setRisk);
    const atRiskP = gated("atRisk", () => getJson<AtRiskView>("/v1/risk/at-risk", signal), setAtRisk);
    const overridesP = gated("overrides", () => getJson<OverrideLog>("/v1/risk/overrides", signal), setOverrides);
    const historyP = gated("riskHistory", () => getJson<RiskHistory>("/v1/risk/history", signal), () => undefined);
    const rs = await Promise.allSettled([getJson<JobList>("/v1/jobs?limit=20", signal), getJson<Capacity>("/v1/capacity", signal), getText("/metrics", signal).then(parseMetrics)] as const);
    const ro = await riskP;
    const [, , ho] = await Promise.all([atRiskP, overridesP, historyP]);
    if (signal.aborted) return;
    const [j, c, m] = rs;
    const allDown = rs.every((x) => x.status === "rejected" && !(x.reason instanceof ApiFailure));
    setConnection(allDown ? { ok: false, at: Date.now(), error: describeFailure((rs[1] as PromiseRejectedResult).reason) } : { ok: true, at: Date.now() });
    const jo = optional(j);
    setJobs(jo);
    setCapacity(optional(c));
    setMetrics(optional(m));

    if (jo.value !== undefined) {
      let changed = false;
      for (const job of jo.value.jobs) {
        if (job.state !== "confirmed") continue;
        const prev = finished.current.get(job.id);
        if (prev === undefined || prev.updatedAt !== job.updatedAt) {
          finished.current.set(job.id, job);
          changed = true;
        }
      }
      if (finished.current.size > 200) {
        const oldest = [...finished.current.values()].sort((x, y) => x.updatedAt - y.updatedAt).slice(0, finished.current.size - 200);
        for (const x of oldest) finished.current.delete(x.id);
      }
      if (changed) setFinishedList([...finished.current.values()].sort((x, y) => x.updatedAt - y.updatedAt));
    }
    if (ho.value !== undefined && gate.get("riskHistory")?.last === ho && !seenRisk.current.has(ho)) {
      // The service keeps the history: a page opened late still sees how margin moved.
      seenRisk.current.add(ho);
      const byMarket = new Map<number, MarginPoint[]>();
      for (const p of ho.value.points.slice(-HISTORY)) {
        for (const mk of p.markets) {
          const h = byMarket.get(mk.market) ?? [];
          h.push({ t: p.at, multiplier: mk.multiplier, appliedScan: mk.appliedScan, targetScan: mk.targetScan });
          byMarket.set(mk.market, h);
        }
      }
      marginHistory.current = byMarket;
      setMarginTick((x) => x + 1);
    } else if (ho.value === undefined && ro.value !== undefined && gate.get("risk")?.last === ro && !seenRisk.current.has(ro)) {
      seenRisk.current.add(ro);
      const now = Date.now();
      for (const mk of ro.value.markets) {
        const h = marginHistory.current.get(mk.market) ?? [];
        h.push({ t: now, multiplier: mk.multiplier, appliedScan: mk.appliedScan, targetScan: mk.targetScan });
        if (h.length > HISTORY) h.splice(0, h.length - HISTORY);
        marginHistory.current.set(mk.market, h);
      }
      setMarginTick((x) => x + 1);
    }
  }, []);

  useEffect(() => {
    let stop = false;
    let ctl = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const loop = async () => {
      ctl = new AbortController();
      try {
        await poll(ctl.signal);
      } catch (e) {
        setConnection({ ok: false, at: Date.now(), error: describeFailure(e) });
      }
      if (!stop) timer = setTimeout(loop, POLL_MS);
    };
    void loop();
    return () => {
      stop = true;
      ctl.abort();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [poll]);

  const showFailure = useCallback((what: string, err: unknown) => {
    if (err instanceof ApiFailure && err.auth) {
      setKeyStatus("refused");
      setBanner({
        kind: "auth",
        text: `${what}: the API key was refused (${err.status}${err.code ? " " + err.code : ""}). Operator routes need a valid key: check it and enter it again above. Read-only panels keep working without it.`,
      });
    } else {
      setBanner({ kind: "error", text: `${what} failed: ${describeFailure(err)}` });
    }
  }, []);

  const applyKey = useCallback(
    async (next: string) => {
      saveKey(next);
      setKey(next);
      if (next === "") {
        setKeyStatus("none");
        setBanner({ kind: "info", text: "API key cleared: read-only mode." });
        return;
      }
      setKeyStatus("unchecked");
      try {
        await operator("GET", "/v1/auth/check", next);
        setKeyStatus("valid");
        setBanner({ kind: "ok", text: "API key accepted: operator actions are enabled." });
      } catch (e) {
        if (e instanceof ApiFailure && e.status === 404) {
          setBanner({ kind: "info", text: "API key stored; this service cannot check it in advance." });
        } else showFailure("Checking the API key", e);
      }
    },
    [showFailure],
  );

  const cancelJob = useCallback(
    async (job: JobView) => {
      if (key === "") {
        setBanner({ kind: "auth", text: `Cancelling batch ${job.batchNumber} is an operator action: enter the API key above first.` });
        return;
      }
      try {
        const after = await operator<JobView>("POST", `/v1/jobs/${encodeURIComponent(job.id)}/cancel`, key);
        setBanner({ kind: "ok", text: `Batch ${after.batchNumber} is ${after.state}.` });
      } catch (e) {
        showFailure(`Cancelling batch ${job.batchNumber}`, e);
      }
    },
    [key, showFailure],
  );

  return (
    <div className="app">
      <header>
        <h1>
          zksettle <span className="sub">settlement dashboard</span>
        </h1>
        <div className={`conn ${connection.ok ? "up" : "down"}`} data-testid="connection">
          {connection.ok ? `live · polled ${new Date(connection.at ?? 0).toLocaleTimeString()}` : connection.at === undefined ? "connecting…" : `service unreachable: ${connection.error}`}
        </div>
        <form
          className="key"
          onSubmit={(e) => {
            e.preventDefault();
            void applyKey(draft.trim());
          }}
        >
          <label>
            API key
            <input data-testid="api-key" type="password" autoComplete="off" placeholder="operator key (optional)" value={draft} onChange={(e) => setDraft(e.target.value)} />
          </label>
          <button type="submit" data-testid="api-key-save">
            Use key
          </button>
          <button
            type="button"
            onClick={() => {
              setDraft("");
              void applyKey("");
            }}
          >
            Clear
          </button>
          <span className={`keystatus ${keyStatus}`} data-testid="key-status">
            {{ none: "read-only", unchecked: "key set", valid: "operator", refused: "key refused" }[keyStatus]}
          </span>
        </form>
      </header>
      {banner !== undefined && (
        <div className={`banner ${banner.kind}`} role="alert" data-testid="banner" data-kind={banner.kind}>
          <span>{banner.text}</span>
          <button type="button" aria-label="dismiss" onClick={() => setBanner(undefined)}>
            ×
          </button>
        </div>
      )}
      <main>
        <PipelinePanel jobs={jobs} onCancel={cancelJob} />
        <LatencyPanel jobs={finishedList} />
        <CapacityPanel capacity={capacity} metrics={metrics} />
        <MarginPanel risk={risk} history={marginHistory.current} tick={marginTick} overrides={overrides} />
        <AtRiskPanel atRisk={atRisk} />
      </main>
      <footer>Reads the service's public API every {POLL_MS / 1000} s · docs/ui.md</footer>
    </div>
  );
}
