import { expect } from "chai";
import { emptyAccount, type Account } from "../../../prover/state/account";
import type { Risk } from "../../../prover/state/global";
import { equity, initialMargin, isReduceOnly, losses, maintenanceMargin, meetsInitialMargin, requirement } from "../../../prover/state/margin";

const risk: Risk = {
  mmBps: 5000n,
  penaltyBps: 100n,
  maxFundingRate: 1_000_000n,
  pnl: [
    [6_000_000n, -6_000_000n, 3_000_000n, -3_000_000n],
    [3_000_000n, -3_000_000n, 1_500_000n, -1_500_000n],
  ],
};
const prices = [60_000_000n, 30_000_000n];

function account(collateral: bigint, btc: bigint, eth: bigint): Account {
  const a = emptyAccount(2);
  return {
    ...a,
    ax: 1n,
    collateral,
    positions: [
      btc === 0n ? a.positions[0] : { marketId: 1, size: btc, fundingSnapshot: 0n },
      eth === 0n ? a.positions[1] : { marketId: 2, size: eth, fundingSnapshot: 0n },
    ],
  };
}

describe("prover/state margin (protocol.md section 6)", () => {
  it("values equity as collateral plus size times mark price", () => {
    expect(equity(account(-590_000_000n, 10n, -2n), prices)).to.equal(-590_000_000n + 600_000_000n - 60_000_000n);
  });

  it("takes loss[s] = −Σ size·pnl[m][s] per scenario", () => {
    expect(losses(account(0n, 10n, 0n), risk)).to.deep.equal([-60_000_000n, 60_000_000n, -30_000_000n, 30_000_000n]);
  });

  it("offsets hedged positions: long BTC against short ETH", () => {
    // 1 BTC lot long, 2 ETH lots short: the scenario P&L cancel exactly
    expect(requirement(account(0n, 1n, -2n), risk)).to.equal(0n);
  });

  it("requires max(0, max_s loss[s]) and never less than 0", () => {
    expect(requirement(account(0n, 0n, 0n), risk)).to.equal(0n);
    expect(initialMargin(account(0n, -3n, 0n), risk)).to.equal(18_000_000n);
  });

  it("sets maintenance to floor(requirement · mmBps / 10000)", () => {
    expect(maintenanceMargin(account(0n, 0n, 1n), { ...risk, mmBps: 3333n })).to.equal((3_000_000n * 3333n) / 10000n);
  });

  it("meets initial margin exactly at equity = requirement and not one unit below", () => {
    // long 10 BTC: equity = c + 600M, requirement 60M
    expect(meetsInitialMargin(account(-540_000_000n, 10n, 0n), prices, risk)).to.equal(true);
    expect(meetsInitialMargin(account(-540_000_001n, 10n, 0n), prices, risk)).to.equal(false);
  });

  it("fails initial margin with negative equity and no positions", () => {
    expect(meetsInitialMargin(account(-1n, 0n, 0n), prices, risk)).to.equal(false);
  });

  it("treats shrinking without a sign change, closing included, as reduce-only", () => {
    expect(isReduceOnly(10n, 4n)).to.equal(true);
    expect(isReduceOnly(10n, 0n)).to.equal(true);
    expect(isReduceOnly(-10n, -1n)).to.equal(true);
    expect(isReduceOnly(-10n, 0n)).to.equal(true);
  });

  it("does not treat growing, flipping or opening as reduce-only", () => {
    expect(isReduceOnly(10n, 11n)).to.equal(false);
    expect(isReduceOnly(10n, -1n)).to.equal(false);
    expect(isReduceOnly(-10n, 1n)).to.equal(false);
    expect(isReduceOnly(0n, 1n)).to.equal(false);
    expect(isReduceOnly(0n, -1n)).to.equal(false);
  });
});
