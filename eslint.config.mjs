// Lint rules for zksettle's TypeScript (docs/decisions.md, "Lint"). typescript-eslint's
// recommended set without type information: the type-aware rules cost a full program
// build per run on a 2-core machine, and `tsc --noEmit` (strict) already runs in CI.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: ["node_modules/", "build/", "dist/", "artifacts/", "cache/", "typechain-types/", "coverage/", "native/target/", "ui/dist/", "contracts/generated/", "**/*.js", "**/*.cjs"],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // `_`-prefixed names are deliberate: a parameter an interface requires but this
      // implementation does not read.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_" }],
    },
  },
);
