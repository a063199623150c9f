import assert from "node:assert/strict";
import { noF16, noGpu, randn, testDevice, tolFor } from "../_helpers.ts";
import { Tensor } from "../../ops/_runtime/mod.ts";
import { decoupledLinearAttention, simpleLinearAttention } from "../../ops/linear_attention/mod.ts";
import {
  decoupledLinearAttentionReference,
  simpleLinearAttentionReferenceGrads,
} from "../../ops/linear_attention/reference.ts";
import { type Case, compare, label, makeInput, seeded } from "./_cases.ts";

const device = (await testDevice())!;

async function checkSimple(c: Case, scale?: number, withState = false) {
  const { seed, random } = seeded();
  const q = makeInput(device, c, c.lq, c.dk, random, "features");
  const k = makeInput(device, c, c.lk, c.dk, random, "features");
  const v = makeInput(device, c, c.lk, c.dv, random, "normal");
  const dO = makeInput(device, c, c.lq, c.dv, random, "normal");
  const gS = randn(c.B * c.H * c.dk * c.dv, random);
  const opts = { scale, layout: c.layout };
  const ref = simpleLinearAttentionReferenceGrads(q, k, v, dO.data, {
    ...opts,
    gS: withState ? gS : undefined,
  });
  if (withState) {
    using f = simpleLinearAttention.vjp(q.tensor, k.tensor, v.tensor, {
      ...opts,
      returnState: true,
    });
    const { output, state } = f.output as { output: Tensor; state: Tensor };
    assert.deepEqual(state.shape, [c.B, c.H, c.dk, c.dv]);
    using tgS = Tensor.fromArraySync(device, gS, state.shape);
    const g = f.pullback({ output: dO.tensor, state: tgS });
    await compare(c, seed, {
      o: [output, ref.output],
      state: [state, ref.state],
      dq: [g.dq, ref.dq],
      dk: [g.dk, ref.dk],
      dv: [g.dv, ref.dv],
    });
  } else {
    using f = simpleLinearAttention.vjp(q.tensor, k.tensor, v.tensor, opts);
    const g = f.pullback(dO.tensor);
    await compare(c, seed, {
      o: [f.output as Tensor, ref.output],
      dq: [g.dq, ref.dq],
      dk: [g.dk, ref.dk],
      dv: [g.dv, ref.dv],
    });
  }
}

const SIMPLE: [Case, number | undefined, boolean][] = [
  [{ B: 2, H: 3, lq: 63, lk: 63, dk: 60, dv: 64, dtype: "f32", layout: "BHTD" }, undefined, true],
  [
    { B: 1, H: 2, lq: 1000, lk: 1000, dk: 64, dv: 128, dtype: "f16", layout: "BTHD" },
    undefined,
    false,
  ],
  [{ B: 1, H: 2, lq: 1, lk: 63, dk: 256, dv: 1, dtype: "f32", layout: "BHTD" }, 0.7, true],
  [{ B: 2, H: 1, lq: 63, lk: 1, dk: 1, dv: 256, dtype: "f16", layout: "BTHD" }, undefined, true],
];

for (const [c, scale, withState] of SIMPLE) {
  Deno.test({
    name: `simpleLinearAttention fwd+bwd${withState ? " with state gradient" : ""}: ${
      label(c, 0).slice(0, -7)
    }`,
    ignore: noGpu || (c.dtype === "f16" && noF16),
    fn: () => checkSimple(c, scale, withState),
  });
}

Deno.test({
  name: "simpleLinearAttention: returnState result and state-gradient errors",
  ignore: noGpu,
  fn: async () => {
    const x = Tensor.fromArraySync(device, new Float32Array(2 * 5 * 3).fill(0.5), [1, 2, 5, 3]);
    const r = simpleLinearAttention(x, x, x, { returnState: true });
    assert.deepEqual(r.state.shape, [1, 2, 3, 3]);
    // S = σ KᵀV = 3^-1/2 · 5 · 0.25 in every entry.
    for (const s of await r.state.read()) assert.ok(Math.abs(s - 1.25 / Math.sqrt(3)) < 1e-6);
    const plain = simpleLinearAttention.vjp(x, x, x);
    assert.throws(
      () => plain.pullback({ output: x, state: r.state }),
      /state gradient needs returnState/,
    );
    const f = simpleLinearAttention.vjp(x, x, x, { returnState: true });
    assert.throws(() => f.pullback({ output: x, state: x }), /state gradient must be/);
    assert.throws(
      () => simpleLinearAttention(x, x, x, { returnState: 1 as unknown as boolean }),
      /returnState must be a boolean/,
    );
  },
});

const DECOUPLED: Case[] = [
  { B: 2, H: 2, lq: 63, lk: 63, dk: 60, dv: 64, dtype: "f32", layout: "BHTD" },
  { B: 1, H: 3, lq: 1000, lk: 63, dk: 64, dv: 60, dtype: "f16", layout: "BTHD" },
  // f16, d_k and d_v multiples of 8: the state passes load 8 features at a time (16 × 16 and
  // 32 × 32 tiles, d_v < the tile).
  { B: 2, H: 2, lq: 77, lk: 150, dk: 16, dv: 16, dtype: "f16", layout: "BHTD" },
  { B: 1, H: 2, lq: 40, lk: 300, dk: 32, dv: 24, dtype: "f16", layout: "BTHD" },
  { B: 1, H: 1, lq: 1, lk: 1, dk: 128, dv: 1, dtype: "f32", layout: "BTHD" },
  { B: 1, H: 1, lq: 63, lk: 1000, dk: 256, dv: 256, dtype: "f32", layout: "BHTD" },
];

for (const c of DECOUPLED) {
  Deno.test({
    name: `decoupledLinearAttention fwd+bwd (5 gradients): ${label(c, 0).slice(0, -7)}`,
    ignore: noGpu || (c.dtype === "f16" && noF16),
    fn: async () => {
      const { seed, random } = seeded();
      const q = makeInput(device, c, c.lq, c.dk, random, "features");
      const k = makeInput(device, c, c.lk, c.dk, random, "features");
      const qRope = makeInput(device, c, c.lq, c.dk, random, "normal");
      const kRope = makeInput(device, c, c.lk, c.dk, random, "normal");
      const v = makeInput(device, c, c.lk, c.dv, random, "normal");
      const dO = makeInput(device, c, c.lq, c.dv, random, "normal");
      const opts = { layout: c.layout, scale: c.lq === 1 ? 0.3 : undefined };
      using f = decoupledLinearAttention.vjp(
        q.tensor,
        k.tensor,
        qRope.tensor,
        kRope.tensor,
        v.tensor,
        opts,
      );
      const g = f.pullback(dO.tensor);
      const ref = decoupledLinearAttentionReference(q, k, qRope, kRope, v, dO.data, opts);
      await compare(c, seed, {
        o: [f.output, ref.output],
        dq: [g.dq, ref.dq],
        dk: [g.dk, ref.dk],
        dqRope: [g.dqRope, ref.dqRope],
        dkRope: [g.dkRope, ref.dkRope],
        dv: [g.dv, ref.dv],
      }, tolFor(c.dtype));
    },
  });
}

Deno.test({
  name: "decoupledLinearAttention rejects mismatched rotary features",
  ignore: noGpu,
  fn: () => {
    const x = Tensor.fromArraySync(device, new Float32Array(2 * 5 * 4), [1, 2, 5, 4]);
    const y = Tensor.fromArraySync(device, new Float32Array(2 * 6 * 4), [1, 2, 6, 4]);
    assert.throws(() => decoupledLinearAttention(x, x, y, x, x), /qRope has shape .*query length/);
    assert.throws(() => decoupledLinearAttention(x, x, x, y, x), /kRope has shape .*key length/);
  },
});
