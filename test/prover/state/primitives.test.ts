import { expect } from "chai";
import { accountLeaf, emptyAccount, pairHashes, type Account } from "../../../prover/state/account";
import { initCrypto, poseidon, publicKey, signPoseidon, verifyPoseidon } from "../../../prover/state/crypto";
import { formatUnits } from "../../../prover/state/errors";
import { R, decodeSigned, encodeSigned, mod } from "../../../prover/state/field";
import { globalHash, marketLeaf, riskHash, stateRoot } from "../../../prover/state/global";
import { liquidationHash, oracleHash, orderHash, withdrawalHash, type Order } from "../../../prover/state/signing";
import { devGenesis, insecureDevAccountKey } from "./fixtures";

describe("prover/state primitives", () => {
  before(initCrypto);

  it("uses the BN254 scalar modulus r of protocol.md (hex 0x30644e72…f0000001), the one circomlibjs hashes in", () => {
    expect(R).to.equal(BigInt("0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001"));
  });

  it("hashes −1 as circomlibjs' own field does", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const lib = require("circomlibjs") as { buildPoseidon(): Promise<{ (x: unknown[]): unknown; F: { e(x: bigint): unknown; toObject(x: unknown): bigint } }> };
    const h = await lib.buildPoseidon();
    expect(poseidon([-1n, 5n])).to.equal(h.F.toObject(h([h.F.e(-1n), h.F.e(5n)])));
  });

  it("encodes a negative integer x as r + x and decodes it back", () => {
    expect(encodeSigned(-5n)).to.equal(R - 5n);
    expect(decodeSigned(R - 5n)).to.equal(-5n);
    expect(decodeSigned(encodeSigned(2n ** 63n - 1n))).to.equal(2n ** 63n - 1n);
    expect(mod(-1n)).to.equal(R - 1n);
  });

  it("matches circomlib's Poseidon test vectors", () => {
    expect(poseidon([1n, 2n])).to.equal(7853200120776062878684798364095072458815029376092732009249414926327459813530n);
    expect(poseidon([0n, 0n, 0n, 0n])).to.equal(2351654555892372227640888372176282444150254868378439619268573230312091195718n);
  });

  it("hashes negative inputs as their field encoding", () => {
    expect(poseidon([-3n, 4n])).to.equal(poseidon([R - 3n, 4n]));
  });

  it("formats collateral units with 6 decimals and thousands separators", () => {
    expect(formatUnits(1_200_000_000n)).to.equal("1,200.000000");
    expect(formatUnits(-1_350_000_001n)).to.equal("-1,350.000001");
    expect(formatUnits(5n)).to.equal("0.000005");
  });

  it("signs and verifies EdDSA-Poseidon, and refuses a changed message or key", () => {
    const k = insecureDevAccountKey(3);
    const pub = publicKey(k);
    const sig = signPoseidon(k, 12345n);
    expect(verifyPoseidon(12345n, sig, pub)).to.equal(true);
    expect(verifyPoseidon(12346n, sig, pub)).to.equal(false);
    expect(verifyPoseidon(12345n, sig, publicKey(insecureDevAccountKey(4)))).to.equal(false);
    expect(verifyPoseidon(12345n, { ...sig, S: sig.S + 1n }, pub)).to.equal(false);
  });

  it("gives an empty account the leaf 0", () => {
    expect(accountLeaf(emptyAccount(4))).to.equal(0n);
  });

  it("hashes an account leaf as Poseidon(ax, ay, nonce, collateral, pairHash_0, …), two slots per pair", () => {
    const slot0 = { marketId: 2, size: -4n, fundingSnapshot: 9n };
    const empty = { marketId: 0, size: 0n, fundingSnapshot: 0n };
    const slot2 = { marketId: 1, size: 5n, fundingSnapshot: -3n };
    const a: Account = { ax: 11n, ay: 12n, nonce: 3n, collateral: -7n, positions: [slot0, empty, slot2, empty] };
    const pair0 = poseidon([2n, R - 4n, 9n, 0n, 0n, 0n]);
    const pair1 = poseidon([1n, 5n, R - 3n, 0n, 0n, 0n]);
    expect(pairHashes(a.positions)).to.deep.equal([pair0, pair1]);
    expect(accountLeaf(a)).to.equal(poseidon([11n, 12n, 3n, R - 7n, pair0, pair1]));
  });

  it("pads an odd number of slots with the empty slot", () => {
    const a: Account = { ax: 11n, ay: 12n, nonce: 3n, collateral: 5n, positions: [{ marketId: 2, size: -4n, fundingSnapshot: 9n }] };
    expect(accountLeaf(a)).to.equal(poseidon([11n, 12n, 3n, 5n, poseidon([2n, R - 4n, 9n, 0n, 0n, 0n])]));
  });

  it("hashes an order with domain tag 1 and isBuy as 1/0", () => {
    const o: Order = { accountIndex: 5, marketId: 1, isBuy: true, size: 3n, limitPrice: 99n, expiry: 1000n, nonce: 2n, maxFeeBps: 7n };
    expect(orderHash(o)).to.equal(poseidon([1n, 5n, 1n, 1n, 3n, 99n, 1000n, 2n, 7n]));
  });

  it("commits the global state as protocol.md section 3 writes it", async () => {
    const s = await devGenesis();
    const g = s.global;
    const mk = g.markets[0];
    expect(marketLeaf(mk)).to.equal(poseidon([poseidon([0n, mk.lotSize, 0n, 0n]), mk.markPrice, 0n, 0n, 0n]));
    const rows = g.risk.pnl.map((row) => poseidon(row));
    expect(riskHash(g.risk)).to.equal(poseidon([5000n, 100n, 1_000_000n, ...rows]));
    const keys = poseidon(g.oracleKeys.map((k) => poseidon([k.ax, k.ay])));
    const markets = poseidon([poseidon(g.markets.map(marketLeaf))]); // M = 4: one chunk of 4 leaves
    expect(globalHash(g)).to.equal(poseidon([0n, markets, riskHash(g.risk), keys, 0n]));
    expect(s.stateRoot()).to.equal(stateRoot(s.accountsRoot(), globalHash(g)));
    expect(s.stateRoot()).to.equal(poseidon([s.tree.root, globalHash(g)]));
  });

  it("builds genesis risk arrays from a 10% scan range: ±scan, ±scan/2, …; options by delta ±1/2, a long losing at most its premium", async () => {
    const s = await devGenesis();
    expect(s.global.risk.pnl[0]).to.deep.equal([6_000_000n, -6_000_000n, 3_000_000n, -3_000_000n]); // BTC-PERP
    expect(s.global.risk.pnl[1]).to.deep.equal([6_000_000n, -6_000_000n, 3_000_000n, -3_000_000n]); // BTC-FUT
    expect(s.global.risk.pnl[2]).to.deep.equal([3_000_000n, -1_200_000n, 1_500_000n, -1_200_000n]); // BTC-CALL, premium 1.2
    expect(s.global.risk.pnl[3]).to.deep.equal([-1_100_000n, 3_000_000n, -1_100_000n, 1_500_000n]); // BTC-PUT, premium 1.1
    expect([s.global.risk.mmBps, s.global.risk.penaltyBps, s.global.risk.maxFundingRate]).to.deep.equal([5000n, 100n, 1_000_000n]);
  });

  it("opens the four market kinds at genesis: BTC-PERP, BTC-FUT, BTC-CALL and BTC-PUT (strike 60 USDC), dated ones expiring a day later", async () => {
    const s = await devGenesis(undefined, { timestamp: 500n });
    expect(s.global.markets.map((m) => [m.kind, m.expiry, m.strike])).to.deep.equal([
      [0, 0n, 0n],
      [1, 86_900n, 0n],
      [2, 86_900n, 60_000_000n],
      [3, 86_900n, 60_000_000n],
    ]);
    const t = await devGenesis(undefined, { expiry: 5000n });
    expect(t.global.markets[1].expiry).to.equal(5000n);
  });

  it("hashes liquidation messages with domain tag 3 and withdrawals with tag 4", () => {
    expect(liquidationHash({ liquidatorIndex: 2, liquidateeIndex: 3, marketId: 1, maxSize: 5n, expiry: 99n, nonce: 4n })).to.equal(
      poseidon([3n, 2n, 3n, 1n, 5n, 99n, 4n]),
    );
    expect(withdrawalHash(3, 7n, 2n)).to.equal(poseidon([4n, 3n, 7n, 2n]));
  });

  it("hashes the oracle message as Poseidon(2, timestamp, pricesHash, ratesHash, riskHash), rates signed", () => {
    expect(oracleHash(10n, [1n, 2n], [-3n, 0n], 77n)).to.equal(poseidon([2n, 10n, poseidon([1n, 2n]), poseidon([R - 3n, 0n]), 77n]));
  });
});
