import assert from "node:assert/strict";
import { noF16, noGpu, relRms, testDevice } from "../_helpers.ts";
import { linearAttention } from "../../ops/linear_attention/mod.ts";
import { type Case, checkLinearAttention, type Input, label, makeInput, seeded } from "./_cases.ts";

const device = (await testDevice())!;

const f32 = "f32" as const, f16 = "f16" as const, BHTD = "BHTD" as const;
const BTHD = "BTHD" as const;
// Every T in {1, 63, 1000} and D in {1, 60, 64, 128, 256}, both layouts, L_q ≠ L_k. With
// L_k = 1 or d_k = 1 the output depends on q only through ε (o = v·z/(z+ε), or S/m likewise):
// dq = O(ε/z²) is a cancellation of two O(1/z) terms, so those cases use ε ≈ 4·z ≈ 4·d_k to
// keep dq well-conditioned.
const CASES: Case[] = [
  { B: 2, H: 3, lq: 63, lk: 63, dk: 60, dv: 64, dtype: f32, layout: BHTD },
  { B: 1, H: 2, lq: 1000, lk: 1000, dk: 64, dv: 1, dtype: f32, layout: BTHD },
  { B: 3, H: 1, lq: 1, lk: 1, dk: 128, dv: 60, dtype: f32, layout: BHTD },
  { B: 1, H: 2, lq: 63, lk: 63, dk: 256, dv: 256, dtype: f32, layout: BTHD },
  { B: 2, H: 2, lq: 1, lk: 1000, dk: 1, dv: 128, dtype: f32, layout: BHTD },
  { B: 1, H: 3, lq: 1000, lk: 63, dk: 60, dv: 60, dtype: f32, layout: BTHD },
  { B: 2, H: 2, lq: 63, lk: 63, dk: 64, dv: 64, dtype: f16, layout: BTHD },
  { B: 1, H: 1, lq: 1000, lk: 1000, dk: 128, dv: 1, dtype: f16, layout: BHTD },
  { B: 1, H: 1, lq: 63, lk: 1, dk: 256, dv: 60, dtype: f16, layout: BHTD },
];

for (const c of CASES) {
  Deno.test({
    name: `linearAttention fwd+bwd vs f64 reference: ${label(c, 0).replace(" seed 0", "")}`,
    ignore: noGpu || (c.dtype === "f16" && noF16),
    fn: () => checkLinearAttention(device, c, c.lk === 1 || c.dk === 1 ? { eps: 4 * c.dk } : {}),
  });
}

Deno.test({
  name: "linearAttention σ ≠ 1/L and ε = 1 probes (docs/math.md §10)",
  ignore: noGpu,
  fn: async () => {
    const c: Case = { B: 1, H: 2, lq: 63, lk: 63, dk: 60, dv: 64, dtype: f32, layout: BHTD };
    await checkLinearAttention(device, c, { scale: 0.3 });
    await checkLinearAttention(device, c, { eps: 1 });
    const { seed, random } = seeded();
    const [q, k, v] = [
      makeInput(device, c, c.lq, c.dk, random, "features"),
      makeInput(device, c, c.lk, c.dk, random, "features"),
      makeInput(device, c, c.lk, c.dv, random, "normal"),
    ];
    const run = (opts: { scale?: number; eps?: number }) =>
      linearAttention(q.tensor, k.tensor, v.tensor, opts).read();
    const base = await run({}), scaled = await run({ scale: 0.3 }), eps1 = await run({ eps: 1 });
    // σ scales the output by σ·L_k.
    const expected = base.map((x) => x * 0.3 * c.lk);
    assert.ok(relRms(scaled, expected) < 1e-5, `σ probe, seed ${seed}`);
    // ε = 1 changes only the denominator: o·(q·m + ε) is the same numerator.
    const z = denominators(q, k, c);
    const num1 = eps1.map((x, i) => x * (z[Math.floor(i / c.dv)] + 1));
    const num0 = base.map((x, i) => x * (z[Math.floor(i / c.dv)] + 1e-6));
    assert.ok(relRms(num1, num0) < 1e-5, `ε probe, seed ${seed}`);
  },
});

/** q_i·m per query row (BHTD, f64). */
function denominators(q: Input, k: Input, c: Case): Float64Array {
  const z = new Float64Array(c.B * c.H * c.lq);
  for (let bh = 0; bh < c.B * c.H; bh++) {
    const m = new Float64Array(c.dk);
    for (let j = 0; j < c.lk; j++) {
      for (let a = 0; a < c.dk; a++) m[a] += k.data[(bh * c.lk + j) * c.dk + a] / c.lk;
    }
    for (let i = 0; i < c.lq; i++) {
      for (let a = 0; a < c.dk; a++) z[bh * c.lq + i] += q.data[(bh * c.lq + i) * c.dk + a] * m[a];
    }
  }
  return z;
}

Deno.test({
  name: "linearAttention forward and backward are deterministic (bitwise)",
  ignore: noGpu,
  fn: async () => {
    const c: Case = { B: 2, H: 2, lq: 1000, lk: 1000, dk: 64, dv: 60, dtype: f32, layout: BHTD };
    const { random } = seeded();
    const q = makeInput(device, c, c.lq, c.dk, random, "features");
    const k = makeInput(device, c, c.lk, c.dk, random, "features");
    const v = makeInput(device, c, c.lk, c.dv, random, "normal");
    const dO = makeInput(device, c, c.lq, c.dv, random, "normal");
    const runOnce = async () => {
      using f = linearAttention.vjp(q.tensor, k.tensor, v.tensor);
      const g = f.pullback(dO.tensor);
      return await Promise.all([f.output, g.dq, g.dk, g.dv].map((t) => t.readRaw()));
    };
    const [a, b] = [await runOnce(), await runOnce()];
    for (let i = 0; i < a.length; i++) {
      assert.deepEqual(new Uint8Array(a[i].buffer), new Uint8Array(b[i].buffer), `output ${i}`);
    }
  },
});
