/**
 * Tiling options that change how operands are staged, not what is multiplied in which order, so
 * that every output and gradient of every member of the family must be bitwise equal with and
 * without them: `f16Staging` (f16 storage: the unmodified row inputs staged in workgroup memory
 * as f16, converted to f32 where read; with and without subgroup shuffles; ignored for f32
 * storage), `transposedState` (dq and dk read a transposed copy of the state instead of
 * transposing it while staging) and `rowMajorX` (the row passes stage X as stored instead of
 * transposed).
 */
import assert from "node:assert/strict";
import { eluPlusOne, noF16, noGpu, randn, roundToF16, testDevice } from "../_helpers.ts";
import { subgroupSize, Tensor } from "../../ops/_runtime/mod.ts";
import type { LaTilingOverrides } from "../../ops/linear_attention/engine.ts";
import {
  decoupledLinearAttention,
  linearAttention,
  simpleLinearAttention,
  varlenLinearAttention,
} from "../../ops/linear_attention/mod.ts";
import { type Case, label, makeInput, recording, seeded } from "./_cases.ts";

const device = (await testDevice())!;

/** The raw bits of each result (f16 storage: the 16-bit words). */
type Bits = Record<string, Uint8Array>;

/** Reads the bits of every result and frees it. */
async function bitsOf(results: Record<string, Tensor | undefined>): Promise<Bits> {
  const out: Bits = {};
  for (const [name, t] of Object.entries(results)) {
    if (!t) continue;
    out[name] = new Uint8Array((await t.readRaw()).buffer);
    t.destroy();
  }
  return out;
}

/**
 * Asserts that two results have the same bits, naming how many bytes differ and the first
 * (a diff of the whole arrays would be megabytes).
 */
function assertSameBits(actual: Uint8Array | undefined, expected: Uint8Array, what: string) {
  assert.ok(actual !== undefined && expected.length > 0, what);
  assert.equal(actual.length, expected.length, what);
  let differ = 0, first = -1;
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) {
      differ++;
      if (first < 0) first = i;
    }
  }
  assert.equal(
    differ,
    0,
    `${what}: ${differ} of ${expected.length} bytes differ, first at ${first}`,
  );
}

/**
 * Fresh inputs on odd sizes for each member of the family, and for each a function running its
 * forward and backward with a tiling (the bits of its output, state and gradients).
 */
function familyRuns(dtype: "f16" | "f32") {
  const { seed, random } = seeded();
  const inputs: Tensor[] = [];
  const input = (c: Case, T: number, D: number, kind: "features" | "normal") => {
    const t = makeInput(device, c, T, D, random, kind).tensor;
    inputs.push(t);
    return t;
  };
  const runs: [string, (tiling: LaTilingOverrides) => Promise<Bits>][] = [];
  // Normalised, L_q ≠ L_k; d_k, d_v not multiples of 4 (scalar loads).
  for (
    const c of [
      { B: 1, H: 2, lq: 150, lk: 203, dk: 64, dv: 64, dtype, layout: "BTHD" },
      { B: 2, H: 1, lq: 37, lk: 90, dk: 30, dv: 17, dtype, layout: "BHTD" },
    ] satisfies Case[]
  ) {
    const [q, k] = [c.lq, c.lk].map((T) => input(c, T, c.dk, "features"));
    const v = input(c, c.lk, c.dv, "normal"), dO = input(c, c.lq, c.dv, "normal");
    runs.push([`normalised ${label(c, seed)}`, async (tiling) => {
      using f = linearAttention.vjp(q, k, v, { layout: c.layout, tiling });
      return await bitsOf({ o: f.output, ...f.pullback(dO) });
    }]);
  }
  const d: Case = { B: 1, H: 2, lq: 70, lk: 45, dk: 64, dv: 32, dtype, layout: "BHTD" };
  const [q, k, qr, kr] = [d.lq, d.lk, d.lq, d.lk].map((T, i) =>
    input(d, T, d.dk, i < 2 ? "features" : "normal")
  );
  const v = input(d, d.lk, d.dv, "normal"), dO = input(d, d.lq, d.dv, "normal");
  runs.push([`decoupled ${label(d, seed)}`, async (tiling) => {
    using f = decoupledLinearAttention.vjp(q, k, qr, kr, v, { tiling });
    return await bitsOf({ o: f.output, ...f.pullback(dO) });
  }]);
  // Simple, with an upstream gradient of the returned state.
  const s: Case = { B: 2, H: 1, lq: 41, lk: 77, dk: 64, dv: 20, dtype, layout: "BHTD" };
  const [sq, sk] = [s.lq, s.lk].map((T) => input(s, T, s.dk, "features"));
  const sv = input(s, s.lk, s.dv, "normal"), sdO = input(s, s.lq, s.dv, "normal");
  const gS = Tensor.fromArraySync(device, randn(s.B * s.H * s.dk * s.dv, random), [
    s.B,
    s.H,
    s.dk,
    s.dv,
  ]);
  inputs.push(gS);
  runs.push([`simple ${label(s, seed)}`, async (tiling) => {
    using f = simpleLinearAttention.vjp(sq, sk, sv, { returnState: true, tiling });
    const { output, state } = f.output as { output: Tensor; state: Tensor };
    return await bitsOf({ output, state, ...f.pullback({ output: sdO, state: gS }) });
  }]);
  // Varlen: packed [T_total, H, D] with an empty sequence.
  const cu = new Int32Array([0, 5, 5, 68, 130]);
  const packed = (D: number, features: boolean) => {
    const n = 130 * 2 * D, data = features ? eluPlusOne(n, random) : randn(n, random);
    const t = Tensor.fromArraySync(device, roundToF16(data), [130, 2, D], dtype);
    inputs.push(t);
    return t;
  };
  const [pq, pk, pv, pdO] = [
    packed(64, true),
    packed(64, true),
    packed(48, false),
    packed(48, false),
  ];
  runs.push([`varlen T130 H2 dk64 dv48 ${dtype} seed ${seed}`, async (tiling) => {
    using f = varlenLinearAttention.vjp(pq, pk, pv, cu, { tiling });
    return await bitsOf({ o: f.output, ...f.pullback(pdO) });
  }]);
  return { runs, dispose: () => inputs.forEach((t) => t.destroy()) };
}

for (const subgroups of [false, true]) {
  Deno.test({
    name: `f16 staging: every op of the family, forward and backward, is bitwise equal to f32 ` +
      `staging (subgroups ${subgroups ? "on" : "off"})`,
    ignore: noGpu || noF16,
    fn: async () => {
      const { runs, dispose } = familyRuns("f16");
      // Row tiles of 4 × 8: 8 lanes share x, so that lavapipe's subgroups of 8 shuffle.
      // (One staging buffer: these kernels are compiled for this test alone, and one buffer
      // halves their code.)
      const tiling = subgroups
        ? { subgroups, buffers: 1 as const, rows: { rowsPerThread: 4, colsPerThread: 8 } }
        : {};
      try {
        for (const [what, run] of runs) {
          // (Without f16 staging the decoupled op's state passes would take wide loads, which
          // group the vector column's rows differently: the same sum, not always the same bits.)
          const plain = await run({ ...tiling, f16Staging: false, state: { wideLoads: false } });
          let staged: Bits = {};
          const launched = await recording(device, async () => {
            // (The state passes stage as f32 by default: their own field overrides.)
            const f16 = { f16Staging: true };
            staged = await run({ ...tiling, ...f16, state: f16 });
          });
          const kernels = launched.filter((l) => /^la_(state|rows)_/.test(l));
          assert.ok(kernels.length > 0 && kernels.every((l) => l.includes('"f16Staging":true')));
          if (subgroups && subgroupSize(device) === 8 && what.startsWith("normalised B1")) {
            assert.ok(kernels.some((l) => l.includes('"shuffle":true')), "subgroup kernels");
          }
          assert.deepEqual(Object.keys(staged), Object.keys(plain), what);
          for (const name of Object.keys(plain)) {
            assertSameBits(staged[name], plain[name], `${name} of ${what}`);
          }
        }
      } finally {
        dispose();
      }
    },
  });
}

Deno.test({
  name: "f16 staging is ignored for f32 storage",
  ignore: noGpu,
  fn: async () => {
    const { runs, dispose } = familyRuns("f32");
    try {
      const [what, run] = runs[0];
      const launched = await recording(device, async () => {
        await run({ f16Staging: true });
      });
      const kernels = launched.filter((l) => /^la_(state|rows)_/.test(l));
      assert.ok(kernels.length > 0, what);
      assert.ok(kernels.every((l) => l.includes('"f16Staging":false')), what);
    } finally {
      dispose();
    }
  },
});

/**
 * In f16 storage (f32 where the device has no f16: the staged types differ, the switches under
 * test do not, and the default kernels of both dtypes are tested against float64 in
 * variants_test.ts), every op of the family run with tiling `on` has the same bits as with `off`,
 * and every kernel whose launch key `kernels` matches carries `flag` in the `on` runs.
 */
async function assertBitwiseEqual(
  off: LaTilingOverrides,
  on: LaTilingOverrides,
  kernels: RegExp,
  flag: string,
) {
  const { runs, dispose } = familyRuns(noF16 ? "f32" : "f16");
  try {
    for (const [what, run] of runs) {
      const expected = await run(off);
      let actual: Bits = {};
      const launched = await recording(device, async () => {
        actual = await run(on);
      });
      const flagged = launched.filter((l) => kernels.test(l));
      assert.ok(flagged.length > 0 && flagged.every((l) => l.includes(flag)), what);
      for (const name of Object.keys(expected)) {
        assertSameBits(actual[name], expected[name], `${name} of ${what}`);
      }
    }
  } finally {
    dispose();
  }
}

Deno.test({
  name: "transposed state copies: every op of the family, forward and backward, is bitwise " +
    "equal to transposing the state while staging",
  ignore: noGpu,
  fn: () =>
    assertBitwiseEqual(
      { transposedState: false },
      { transposedState: true },
      /^la_rows_d[qk]:/,
      '"stateT":true',
    ),
});

Deno.test({
  name: "row-major X staging: every op of the family, forward and backward, is bitwise equal to " +
    "X transposed while staged",
  ignore: noGpu,
  fn: () =>
    assertBitwiseEqual({ rowMajorX: false }, { rowMajorX: true }, /^la_rows_/, '"rowMajorX":true'),
});
