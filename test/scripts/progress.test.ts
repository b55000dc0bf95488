/**
 * scripts/lib/progress.ts: steps that run side by side (the circuit and the native
 * addon, scripts/lib/pipeline.ts) each report their start and their end, and a failed
 * step says so and passes its error on.
 */
import { expect } from "chai";
import { withSpinner } from "../../scripts/lib/progress";

async function captured<T>(work: () => Promise<T>): Promise<{ result: T | Error; lines: string[] }> {
  const original = process.stderr.write.bind(process.stderr);
  let text = "";
  process.stderr.write = ((chunk: string | Uint8Array) => {
    text += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stderr.write;
  let result: T | Error;
  try {
    result = await work();
  } catch (e) {
    result = e as Error;
  } finally {
    process.stderr.write = original;
  }
  return { result, lines: text.split("\n").filter((l) => l !== "") };
}

const after = <T>(ms: number, value: T): Promise<T> => new Promise((r) => setTimeout(() => r(value), ms));

describe("scripts/lib/progress: withSpinner", function () {
  it("reports two overlapping steps, each with its start and its end, and returns both results", async function () {
    const { result, lines } = await captured(() => Promise.all([withSpinner("circuit", () => after(40, 1)), withSpinner("addon", () => after(10, 2))]));
    expect(result).to.deep.equal([1, 2]);
    if (process.stderr.isTTY === true) return; // a terminal redraws one line: the order below is the log's
    expect(lines.slice(0, 2)).to.deep.equal(["… circuit", "… addon"]);
    expect(lines[2]).to.match(/^✔ addon \(\d+\.\ds\)$/);
    expect(lines[3]).to.match(/^✔ circuit \(\d+\.\ds\)$/);
  });

  it("marks a failed step and passes its error on, while the other step finishes", async function () {
    const boom = new Error("cargo exited with 101");
    const { result, lines } = await captured(() =>
      Promise.allSettled([withSpinner("addon", () => after(5, undefined).then(() => Promise.reject(boom))), withSpinner("circuit", () => after(20, "ok"))]),
    );
    expect(result).to.deep.equal([
      { status: "rejected", reason: boom },
      { status: "fulfilled", value: "ok" },
    ]);
    if (process.stderr.isTTY === true) return;
    expect(lines.some((l) => /^✘ addon /.test(l))).to.equal(true);
    expect(lines.some((l) => /^✔ circuit /.test(l))).to.equal(true);
  });
});
