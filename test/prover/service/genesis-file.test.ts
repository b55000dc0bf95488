/** The genesis file: risk arrays a venue opens with, and a clear refusal of bad ones. */
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { CI_PARAMS, devGenesis } from "../../../prover/dev/fixtures";
import { GenesisError, genesisFileOf, loadGenesis } from "../../../prover/service/genesis-file";
import { tempDir } from "./fixtures";

describe("genesis file (prover/service/genesis-file.ts)", function () {
  const load = (file: string) => loadGenesis({ file, dev: false, params: CI_PARAMS, paramsName: "ci" });
  const write = (o: unknown): string => {
    const file = path.join(tempDir("zksettle-genesis-"), "genesis.json");
    fs.writeFileSync(file, JSON.stringify(o));
    return file;
  };

  it("opens with the risk arrays the file gives, and its state root says so", async function () {
    const narrow = (await devGenesis(CI_PARAMS)).global.risk.pnl.map((row) => row.map((v) => v / 10n));
    const wanted = await devGenesis(CI_PARAMS, { risk: { ...(await devGenesis(CI_PARAMS)).global.risk, pnl: narrow } });
    const { state } = await load(write(genesisFileOf(wanted, "ci")));
    expect(state.global.risk.pnl).to.deep.equal(narrow);
    expect(state.stateRoot()).to.equal(wanted.stateRoot());
  });

  it("names a risk array of the wrong shape, a non-integer entry and an entry out of range", async function () {
    const base = genesisFileOf(await devGenesis(CI_PARAMS), "ci");
    const shape = { ...base, riskPnl: base.riskPnl!.slice(1), stateRoot: undefined };
    await load(write(shape)).then(
      () => expect.fail("accepted"),
      (e: GenesisError) => expect(e.problems.join("\n")).to.match(/riskPnl: must be 4 rows \(markets\) of 4 entries/),
    );
    const bad = { ...base, riskPnl: base.riskPnl!.map((r, m) => (m === 2 ? ["1.5", ...r.slice(1)] : r)), stateRoot: undefined };
    await load(write(bad)).then(
      () => expect.fail("accepted"),
      (e: GenesisError) => expect(e.problems.join("\n")).to.match(/riskPnl\[2\]\[0\]: "1.5" is not a decimal integer/),
    );
    const big = { ...base, riskPnl: base.riskPnl!.map((r, m) => (m === 0 ? [String(2n ** 62n), ...r.slice(1)] : r)), stateRoot: undefined };
    await load(write(big)).then(
      () => expect.fail("accepted"),
      (e: GenesisError) => expect(e.message).to.match(/pnl\[0\]\[0\] = 4611686018427387904 outside \|pnl\| < 2\^62/),
    );
  });
});
