/** Test fixtures: the dev keys and helpers live in prover/dev so that the demo shares them. */
export * from "../../../prover/dev/fixtures";
