import type { ReactNode } from "react";
import { STAGES, type AtRiskView, type Capacity, type JobList, type JobView, type OverrideLog, type RiskView, type Stage } from "./api";
import { byLabel, metric, type Sample } from "./metrics";

/** One route's latest answer: a value, absent (the service lacks the route), pending (503) or an error. */
export interface Optional<T> {
  value?: T;
  absent?: true;
  pending?: string;
  error?: string;
}

export interface MarginPoint {
  t: number;
  multiplier: number;
  appliedScan: number;
  targetScan: number;
}

const STAGE_COLORS: Record<Stage, string> = {
  queued: "#8b95a7",
  witness: "#c792ea",
  proving: "#f78c6c",
  verifying: "#ffcb6b",
  submitting: "#82aaff",
  confirmed: "#4caf7d",
};

function Panel(props: { title: string; id: string; children: ReactNode; wide?: boolean; note?: ReactNode }) {
  return (
    <section className={`panel ${props.wide ? "wide" : ""}`} data-testid={`panel-${props.id}`}>
      <h2>
        {props.title}
        {props.note !== undefined && <span className="note">{props.note}</span>}
      </h2>
      {props.children}
    </section>
  );
}

/** What to show instead of a value. */
function Unavailable<T>(props: { o: Optional<T>; what: string }) {
  const { o } = props;
  if (o.absent) return <p className="muted" data-testid="not-available">{props.what}: not available (this service does not expose the route).</p>;
  if (o.pending !== undefined) return <p className="muted">{props.what}: {o.pending === "loading" ? "loading…" : `not ready yet (${o.pending})`}</p>;
  if (o.error !== undefined) return <p className="err">{props.what}: {o.error}</p>;
  return null;
}

const short = (s: string, n = 8) => (s.length > 2 * n + 1 ? `${s.slice(0, n)}…${s.slice(-n + 2)}` : s);
const secs = (ms: number | undefined) => (ms === undefined ? "–" : ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`);

function StageTrack({ job }: { job: JobView }) {
  const at = STAGES.indexOf(job.state as Stage);
  const off = job.state === "failed" || job.state === "cancelled";
  // A failed or cancelled job: the stages it spent time in are done.
  const reached = off ? STAGES.filter((s) => job.stageMs[s] !== undefined).length : at;
  return (
    <span className="track">
      {STAGES.map((s, i) => (
        <span key={s} className={`step ${i < reached || (i === reached && s === "confirmed") ? "done" : i === reached && !off ? "active" : ""}`} title={`${s}: ${secs(job.stageMs[s])}`} style={{ ["--c" as string]: STAGE_COLORS[s] }} />
      ))}
    </span>
  );
}

export function PipelinePanel(props: { jobs: Optional<JobList>; onCancel: (j: JobView) => void }) {
  const list = props.jobs.value;
  return (
    <Panel title="Batch pipeline" id="pipeline" wide note={list !== undefined ? `${list.jobs.length} newest batches` : undefined}>
      {list === undefined ? (
        <Unavailable o={props.jobs} what="Jobs" />
      ) : list.jobs.length === 0 ? (
        <p className="muted" data-testid="no-jobs">No batches yet.</p>
      ) : (
        <table className="jobs">
          <thead>
            <tr>
              <th>batch</th>
              <th>stage</th>
              <th>pipeline</th>
              <th>ops</th>
              <th>proof</th>
              <th>transaction</th>
              <th>time</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.jobs.map((j) => {
              const ops = list.ops?.[j.id];
              const total = Object.values(j.stageMs).reduce<number>((a, b) => a + (b ?? 0), 0);
              const final = j.state === "confirmed" || j.state === "failed" || j.state === "cancelled";
              return (
                <tr key={j.id} data-testid="job-row" data-batch={j.batchNumber} data-job-id={j.id} data-state={j.state}>
                  <td>
                    <b>#{j.batchNumber}</b>
                    <div className="mono muted" title={j.id}>
                      {short(j.id, 6)}
                    </div>
                  </td>
                  <td>
                    <span className={`badge s-${j.state}`} data-testid="job-state">
                      {j.state}
                    </span>
                    {j.attempts > 1 && <span className="muted"> ×{j.attempts}</span>}
                    {j.error !== undefined && (
                      <div className="err small" title={j.error.message}>
                        {j.error.code}
                      </div>
                    )}
                  </td>
                  <td>
                    <StageTrack job={j} />
                    <div className="progress">
                      <div style={{ width: `${Math.round(j.progress * 100)}%` }} />
                    </div>
                  </td>
                  <td className="small">
                    {ops === undefined
                      ? "–"
                      : Object.entries(ops.byType)
                          .filter(([t]) => t !== "NOOP")
                          .map(([t, n]) => `${n} ${t.toLowerCase()}${n > 1 ? "s" : ""}`)
                          .join(", ") || "empty"}
                    {ops !== undefined && ops.byType.NOOP ? <span className="muted"> (+{ops.byType.NOOP} noop)</span> : null}
                  </td>
                  <td className="small">
                    {j.hasProof ? (
                      <>
                        <a href={`/v1/jobs/${encodeURIComponent(j.id)}/proof`} download={`batch-${j.batchNumber}-proof.json`} data-testid="proof-link">
                          snarkjs
                        </a>{" "}
                        ·{" "}
                        <a href={`/v1/jobs/${encodeURIComponent(j.id)}/proof?format=calldata`} download={`batch-${j.batchNumber}-calldata.json`}>
                          calldata
                        </a>
                      </>
                    ) : (
                      <span className="muted">–</span>
                    )}
                  </td>
                  <td className="mono small" data-testid="tx">
                    {j.txHash !== undefined ? (
                      <span title={j.txHash}>
                        {short(j.txHash, 10)}
                        {j.blockNumber !== undefined && <span className="muted"> @{j.blockNumber}</span>}
                        {j.gasUsed !== undefined && <div className="muted">{Number(j.gasUsed).toLocaleString()} gas</div>}
                      </span>
                    ) : (
                      <span className="muted">–</span>
                    )}
                  </td>
                  <td className="small">{secs(total)}</td>
                  <td>
                    {!final && (
                      <button type="button" className="small" onClick={() => props.onCancel(j)} data-testid="cancel">
                        cancel
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

/** Stacked bars: each confirmed batch's time to finality, split by stage, in order of confirmation. */
export function LatencyPanel({ jobs }: { jobs: JobView[] }) {
  const W = 560;
  const H = 200;
  const pad = { l: 48, r: 8, t: 8, b: 28 };
  const shown = jobs.slice(-40);
  const totals = shown.map((j) => STAGES.reduce((a, s) => a + (j.stageMs[s] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const unit = max >= 2000 ? 1000 : 1;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * max);
  // Slots for at least 12 bars, so a few batches do not make wide slabs.
  const bw = (W - pad.l - pad.r) / Math.max(12, shown.length);
  // Time labels (about 64 px wide) on every k-th bar, so they never overlap.
  const labelEvery = Math.max(1, Math.ceil(64 / bw));
  const y = (v: number) => H - pad.b - (v / max) * (H - pad.t - pad.b);
  return (
    <Panel title="Latency to finality by stage" id="latency" note={shown.length > 0 ? `${shown.length} confirmed batches` : undefined}>
      {shown.length === 0 ? (
        <p className="muted">No confirmed batch yet.</p>
      ) : (
        <svg viewBox={`0 0 ${W} ${H}`} className="chart" data-testid="latency-chart" role="img" aria-label="time to finality per batch, stacked by stage">
          {ticks.map((t) => (
            <g key={t}>
              <line x1={pad.l} x2={W - pad.r} y1={y(t)} y2={y(t)} className="grid" />
              <text x={pad.l - 4} y={y(t) + 4} textAnchor="end" className="axis">
                {unit === 1000 ? `${(t / 1000).toFixed(1)}s` : `${Math.round(t)}ms`}
              </text>
            </g>
          ))}
          {shown.map((j, i) => {
            let acc = 0;
            return (
              <g key={j.id}>
                <title>{`batch ${j.batchNumber}, confirmed ${new Date(j.updatedAt).toLocaleTimeString()}: ${STAGES.map((s) => `${s} ${secs(j.stageMs[s])}`).join(", ")}`}</title>
                {STAGES.map((s) => {
                  const v = j.stageMs[s] ?? 0;
                  if (v <= 0) return null;
                  const y0 = y(acc);
                  acc += v;
                  return <rect key={s} x={pad.l + i * bw + bw * 0.15} width={Math.max(1, bw * 0.7)} y={y(acc)} height={Math.max(0.5, y0 - y(acc))} fill={STAGE_COLORS[s]} />;
                })}
                {i % labelEvery === 0 && (
                  <text x={pad.l + i * bw + bw / 2} y={H - pad.b + 14} textAnchor="middle" className="axis">
                    {new Date(j.updatedAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" })}
                  </text>
                )}
              </g>
            );
          })}
        </svg>
      )}
      <div className="legend">
        {STAGES.filter((s) => s !== "confirmed").map((s) => (
          <span key={s}>
            <i style={{ background: STAGE_COLORS[s] }} />
            {s}
          </span>
        ))}
      </div>
    </Panel>
  );
}

export function CapacityPanel(props: { capacity: Optional<Capacity>; metrics: Optional<Sample[]> }) {
  const c = props.capacity.value;
  const m = props.metrics.value;
  const states = m === undefined ? {} : byLabel(m, "zksettle_jobs", "state");
  const sums = m === undefined ? {} : byLabel(m, "zksettle_stage_duration_seconds_sum", "stage");
  const counts = m === undefined ? {} : byLabel(m, "zksettle_stage_duration_seconds_count", "stage");
  const depth = m === undefined ? undefined : metric(m, "zksettle_queue_depth");
  const proofs = m === undefined ? undefined : metric(m, "zksettle_proofs_total");
  const pps = m === undefined ? undefined : metric(m, "zksettle_proofs_per_second");
  const errors = m === undefined ? {} : byLabel(m, "zksettle_errors_total", "code");
  return (
    <Panel title="Queue and workers" id="capacity">
      {c === undefined ? (
        <Unavailable o={props.capacity} what="Capacity" />
      ) : (
        <>
          <div className="kpis">
            <div>
              <b data-testid="queue-depth">{depth ?? c.queued}</b>
              <span>queue depth (max {c.maxQueued})</span>
            </div>
            <div>
              <b data-testid="workers">
                {c.busy}/{c.workers}
              </b>
              <span>workers busy</span>
            </div>
            <div>
              <b className={c.accepting ? "okc" : "errc"}>{c.accepting ? "yes" : "no"}</b>
              <span>accepting ({c.mode})</span>
            </div>
            <div>
              <b>{proofs ?? "–"}</b>
              <span>proofs{pps !== undefined ? ` · ${pps.toFixed(2)}/s` : ""}</span>
            </div>
          </div>
          <div className="progress big" title={`${c.queued} of ${c.maxQueued}`}>
            <div style={{ width: `${Math.min(100, (100 * c.queued) / Math.max(1, c.maxQueued))}%` }} />
          </div>
          {c.sequencer !== undefined && (
            <p className="small">
              sequencer: {c.sequencer.pendingOps}/{c.sequencer.batchSize} ops pending · {c.sequencer.restingOrders} resting orders · {c.sequencer.outbox} cut batches waiting
            </p>
          )}
        </>
      )}
      {m === undefined ? (
        <Unavailable o={props.metrics} what="Metrics" />
      ) : (
        <table className="small compact">
          <thead>
            <tr>
              <th>stage</th>
              <th>jobs now</th>
              <th>mean time</th>
            </tr>
          </thead>
          <tbody>
            {[...STAGES, "failed", "cancelled"].map((s) => (
              <tr key={s}>
                <td>
                  <span className={`badge s-${s}`}>{s}</span>
                </td>
                <td>{states[s] ?? 0}</td>
                <td>{counts[s] ? secs((1000 * (sums[s] ?? 0)) / counts[s]) : "–"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {Object.keys(errors).length > 0 && (
        <p className="small err">
          errors: {Object.entries(errors)
            .map(([k, v]) => `${k} ${v}`)
            .join(", ")}
        </p>
      )}
    </Panel>
  );
}

function Sparkline({ points }: { points: number[] }) {
  if (points.length < 2) return <span className="muted small">–</span>;
  const W = 120;
  const H = 24;
  const lo = Math.min(...points);
  const hi = Math.max(...points);
  const span = hi - lo || 1;
  const d = points.map((v, i) => `${i === 0 ? "M" : "L"}${((i / (points.length - 1)) * W).toFixed(1)},${(H - 2 - ((v - lo) / span) * (H - 4)).toFixed(1)}`).join(" ");
  return (
    <svg viewBox={`0 0 ${W} ${H}`} width={W} height={H} className="spark">
      <path d={d} />
    </svg>
  );
}

export function MarginPanel(props: { risk: Optional<RiskView>; history: Map<number, MarginPoint[]>; tick: number; overrides: Optional<OverrideLog> }) {
  const r = props.risk.value;
  const log = props.overrides.value?.log ?? [];
  return (
    <Panel title="Margin per market" id="margin" note={r !== undefined ? `T = ${r.T.toFixed(1)} s (${r.percentile}) · mm ${r.mmBps} bps${r.publish ? " · publishing" : ""}` : undefined}>
      {r?.emergency === true && (
        <p className="badge s-failed" data-testid="risk-emergency">
          EMERGENCY override in force: risk rows move to their targets without the step bound
        </p>
      )}
      {r?.horizon !== undefined && (
        <p className="small" data-testid="risk-horizon">
          T set by {r.horizon.source} · window {r.horizon.windowSeconds.toFixed(1)} s · stall {r.horizon.stallSeconds.toFixed(1)} s
          {r.horizon.reorgSeconds > 0 ? ` · reorgs +${r.horizon.reorgSeconds.toFixed(0)} s` : ""}
        </p>
      )}
      {r?.upgrade !== undefined && r.upgrade.windows.length > 0 && (
        <p className="small badge s-verifying" data-testid="risk-upgrade">
          upgrade {r.upgrade.windows.map((w) => `${w.name} (${w.phase})`).join(", ")}: scan ×{r.upgrade.multiplier}
          {r.upgrade.latencySeconds > 0 ? `, T ≥ ${r.upgrade.latencySeconds} s` : ""}
        </p>
      )}
      {r?.clientVersion != null && (
        <p className="small" data-testid="risk-client">
          node {r.clientVersion.current}
          {r.clientVersion.previous !== undefined && <span className="badge s-failed"> changed from {r.clientVersion.previous}</span>}
        </p>
      )}
      {r === undefined ? (
        <Unavailable o={props.risk} what="Margin parameters" />
      ) : (
        <table className="small compact" data-testid="margin-table">
          <thead>
            <tr>
              <th>market</th>
              <th>σ (annual)</th>
              <th>scan target / applied</th>
              <th>multiplier</th>
              <th>history</th>
            </tr>
          </thead>
          <tbody>
            {r.markets.map((mk) => (
              <tr key={mk.market}>
                <td>
                  {mk.market}
                  {mk.pinned && <span className="badge s-verifying"> pinned</span>}
                </td>
                <td>{(mk.sigmaAnnual * 100).toFixed(1)}%</td>
                <td>
                  {(mk.targetScan * 100).toFixed(2)}% / {(mk.appliedScan * 100).toFixed(2)}%
                </td>
                <td>{mk.multiplier.toFixed(3)}×</td>
                <td>
                  <Sparkline points={(props.history.get(mk.market) ?? []).map((p) => p.multiplier)} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {log.length > 0 && (
        <details className="small">
          <summary>{log.length} operator overrides</summary>
          <ul>
            {log
              .slice(-10)
              .reverse()
              .map((e) => (
                <li key={e.seq}>
                  {new Date(e.when).toLocaleString()} · {e.key}: {String(e.previous)} → {String(e.value)} · {e.reason} <span className="muted">({short(e.who, 6)})</span>
                </li>
              ))}
          </ul>
        </details>
      )}
    </Panel>
  );
}

export function AtRiskPanel(props: { atRisk: Optional<AtRiskView> }) {
  const a = props.atRisk.value;
  const usd = (v: string) => (Number(BigInt(v)) / 1e6).toLocaleString(undefined, { maximumFractionDigits: 2 });
  return (
    <Panel title="Accounts near liquidation" id="at-risk" note={a !== undefined ? `${a.accounts.length}` : undefined}>
      {a === undefined ? (
        <Unavailable o={props.atRisk} what="Accounts at risk" />
      ) : a.accounts.length === 0 ? (
        <p className="muted">No account would fall below maintenance under the next risk arrays.</p>
      ) : (
        <table className="small compact" data-testid="at-risk-table">
          <thead>
            <tr>
              <th>account</th>
              <th>equity</th>
              <th>maintenance now → next</th>
              <th>shortfall</th>
            </tr>
          </thead>
          <tbody>
            {[...a.accounts]
              .sort((x, y) => (BigInt(y.shortfall) > BigInt(x.shortfall) ? 1 : -1))
              .map((x) => (
                <tr key={x.index}>
                  <td>
                    <a href={`/v1/accounts/${x.index}`}>#{x.index}</a>
                  </td>
                  <td>{usd(x.equity)}</td>
                  <td>
                    {usd(x.maintenanceNow)} → {usd(x.maintenanceNext)}
                  </td>
                  <td className="errc">{usd(x.shortfall)}</td>
                </tr>
              ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}
