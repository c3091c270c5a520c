// Calls the component's typed export, `factorial:api/compute`, from
// JavaScript: `jco transpile` turns the component into an ES module, and
// preview2-shim gives it WASI, with the process's environment as its own
// (FACTORIAL_MAX_NUMBER unset: the maximum is 900000).
//
//   npm ci
//   npx jco transpile ../../target/wasm32-wasip2/release/factorial.wasm --name factorial -o factorial
//   node embed.mjs
import assert from "node:assert/strict";
import { compute } from "./factorial/factorial.js";

// A u64 is a BigInt; the digits come back as a string.
assert.equal(compute.factorial(20n), "2432902008176640000");
// The error variant is thrown, as a ComponentError that carries it.
assert.throws(() => compute.factorial(900_001n), {
  payload: { tag: "too-large", val: 900_000n },
});
console.log(`20! = ${compute.factorial(20n)}`);
