/**
 * Progress on stderr for long steps (compilation, setup, ptau generation), so that
 * stdout stays clean for results. On a terminal a spinner redraws one line; in CI
 * (no TTY) only a start line and a done line are printed, to keep logs short.
 */
import cliProgress from "cli-progress";

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** The steps running now: the build runs some side by side (scripts/lib/pipeline.ts), and one line shows them all. */
const running = new Map<number, { label: string; start: number }>();
let nextId = 0;
let frame = 0;
let timer: NodeJS.Timeout | undefined;

function draw(): void {
  const now = Date.now();
  const line = [...running.values()].map((r) => `${r.label} ${((now - r.start) / 1000).toFixed(0)}s`).join(" · ");
  process.stderr.write(`\r\x1b[K${FRAMES[frame++ % FRAMES.length]} ${line}`);
}

/** Runs `work` while showing `label` and the elapsed seconds; returns its result. Steps may overlap. */
export async function withSpinner<T>(label: string, work: () => Promise<T>): Promise<T> {
  const start = Date.now();
  const tty = process.stderr.isTTY === true;
  const id = nextId++;
  running.set(id, { label, start });
  if (tty) timer ??= setInterval(draw, 120);
  else process.stderr.write(`… ${label}\n`);
  const done = (mark: string): void => {
    running.delete(id);
    if (running.size === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
    // a finished step gets a line of its own; the others go on drawing below it
    process.stderr.write(`${tty ? "\r\x1b[K" : ""}${mark} ${label} (${((Date.now() - start) / 1000).toFixed(1)}s)\n`);
  };
  try {
    const result = await work();
    done("✔");
    return result;
  } catch (err) {
    done("✘");
    throw err;
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
