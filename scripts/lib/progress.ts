/**
 * Progress on stderr for long steps (compilation, setup, ptau generation), so that
 * stdout stays clean for results. On a terminal a spinner redraws one line; in CI
 * (no TTY) only a start line and a done line are printed, to keep logs short.
 */
import cliProgress from "cli-progress";

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** Runs `work` while showing `label` and the elapsed seconds; returns its result. */
export async function withSpinner<T>(label: string, work: () => Promise<T>): Promise<T> {
  const start = Date.now();
  const tty = process.stderr.isTTY === true;
  let frame = 0;
  const draw = () => {
    const s = ((Date.now() - start) / 1000).toFixed(0);
    process.stderr.write(`\r${FRAMES[frame++ % FRAMES.length]} ${label} ${s}s`);
  };
  const timer = tty ? setInterval(draw, 120) : undefined;
  if (!tty) process.stderr.write(`… ${label}\n`);
  try {
    const result = await work();
    const s = ((Date.now() - start) / 1000).toFixed(1);
    process.stderr.write(`${tty ? "\r" : ""}✔ ${label} (${s}s)${tty ? "   " : ""}\n`);
    return result;
  } catch (err) {
    if (tty) process.stderr.write("\n");
    throw err;
  } finally {
    if (timer) clearInterval(timer);
  }
}

/** A counted bar for steps with a known amount of work (points, sections). */
export interface Bar {
  increment(n: number): void;
  stop(): void;
}

export function startBar(label: string, total: number): Bar {
  if (process.stderr.isTTY !== true) {
    // No terminal: report at 25 % steps only.
    let done = 0;
    let nextMark = 0.25;
    process.stderr.write(`… ${label} (${total})\n`);
    return {
      increment(n) {
        done += n;
        while (done / total >= nextMark && nextMark <= 1) {
          process.stderr.write(`  ${label} ${Math.round(nextMark * 100)}%\n`);
          nextMark += 0.25;
        }
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% | {value}/{total} | {duration_formatted}`, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return { increment: (n) => bar.increment(n), stop: () => bar.stop() };
}
