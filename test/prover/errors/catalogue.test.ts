/**
 * One error catalogue (issue 18 item 6; prover/errors/catalogue.ts): every PRV_ERR_*
 * code raised in prover/ (and by the native addon) is in it, docs/api.md lists exactly
 * its codes with the same statuses, and the API's view of it is its HTTP part.
 */
import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { ERRORS, errorMessage, isHttpErrorCode, type ErrorCode } from "../../../prover/errors/catalogue";
import { API_ERRORS, ApiError } from "../../../prover/api/errors";
import { PoolClosedError } from "../../../prover/pool/errors";
import { RemoteProveFailedError } from "../../../prover/remote/errors";
import { CodedError } from "../../../prover/errors/coded-error";

const REPO = path.join(__dirname, "..", "..", "..");

function sources(dir: string, ext: RegExp): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p, ext) : ext.test(e.name) ? [p] : [];
  });
}

describe("prover/errors: one catalogue of PRV_ERR_* codes", function () {
  it("lists every code raised in prover/ and native/src", function () {
    const files = [...sources(path.join(REPO, "prover"), /\.ts$/), ...sources(path.join(REPO, "native", "src"), /\.rs$/)];
    const used = new Set(files.flatMap((f) => fs.readFileSync(f, "utf8").match(/PRV_ERR_[A-Z0-9_]+/g) ?? []));
    used.delete("PRV_ERR_"); // the prefix itself, in a pattern
    const missing = [...used].filter((c) => !(c in ERRORS)).sort();
    expect(missing, "codes used but not in prover/errors/catalogue.ts").to.deep.equal([]);
    expect(Object.keys(ERRORS).length).to.be.at.least(used.size);
  });

  it("docs/api.md lists exactly the catalogue's codes, each with its status (— for none)", function () {
    const doc = fs.readFileSync(path.join(REPO, "docs", "api.md"), "utf8");
    const rows = [...doc.matchAll(/^\| `(PRV_ERR_[A-Z0-9_]+)` \| (\d+|—) \|/gm)].map((m) => [m[1], m[2]] as const);
    const documented = Object.fromEntries(rows);
    expect(rows.length, "a code listed twice").to.equal(Object.keys(documented).length);
    const expected = Object.fromEntries(Object.entries(ERRORS).map(([c, s]) => [c, s.status === null ? "—" : String(s.status)]));
    expect(documented).to.deep.equal(expected);
  });

  it("the API answers with exactly the codes that have a status", function () {
    const http = (Object.keys(ERRORS) as ErrorCode[]).filter(isHttpErrorCode).sort();
    expect(Object.keys(API_ERRORS).sort()).to.deep.equal(http);
    for (const code of http) expect(new ApiError(code, "x").statusCode).to.equal(ERRORS[code].status);
    expect(new ApiError("PRV_ERR_QUEUE_FULL", "x").body().error).to.equal("Too Many Requests");
  });

  it("builds the error classes' messages from the templates", function () {
    expect(errorMessage("PRV_ERR_QUEUE_FULL", { queued: 3, maxQueued: 2 })).to.equal("job queue is full: 3 unfinished jobs, limit 2");
    const closed = new PoolClosedError();
    expect(closed).to.be.instanceOf(CodedError);
    expect(closed.message).to.equal(ERRORS.PRV_ERR_POOL_CLOSED.template);
    expect(new RemoteProveFailedError("j1", "boom", 3).message).to.equal("proving job j1 failed after 3 attempt(s): boom");
  });
});
