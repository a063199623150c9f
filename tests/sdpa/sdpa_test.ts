import assert from "node:assert/strict";
import {
  assertClose,
  dtypesOf,
  freshSeed,
  noGpu,
  randn,
  rng,
  roundToF16,
  testDevice,
  tolFor,
} from "../_helpers.ts";
import { type DType, Tensor } from "../../ops/_runtime/mod.ts";
import { scaledDotProductAttention } from "../../ops/sdpa/mod.ts";
import { sdpaReference } from "../../ops/sdpa/reference.ts";

const device = (await testDevice())!;
const dtypes = dtypesOf(device);

// label, B, H, Lq, Lk, dk, dv, scale
const cases: [string, number, number, number, number, number, number, number | undefined][] = [
  ["odd sizes", 2, 3, 63, 70, 17, 33, undefined],
  ["T=1, D=1", 1, 2, 1, 1, 1, 1, undefined],
  ["Lq≠Lk, scale 0.3", 1, 1, 100, 37, 64, 64, 0.3],
  ["D=128", 1, 1, 33, 40, 128, 128, undefined],
  ["D=256, dv=60", 1, 1, 20, 19, 256, 60, undefined],
];

for (const dtype of dtypes) {
  for (const layout of ["BHTD", "BTHD"] as const) {
    for (const [label, B, H, Lq, Lk, dk, dv, scale] of cases) {
      if (layout === "BTHD" && dk >= 128) continue; // layouts share all but row_off
      Deno.test({
        name:
          `sdpa ${dtype} ${layout} ${label} B${B} H${H} Lq${Lq} Lk${Lk} dk${dk} dv${dv}: fwd + bwd`,
        ignore: noGpu,
        fn: async () => {
          const seed = freshSeed(), random = rng(seed);
          const bthd = layout === "BTHD";
          const shape = (t: number, d: number) => (bthd ? [B, t, H, d] : [B, H, t, d]);
          const round = (x: Float64Array<ArrayBuffer>) =>
            dtype === "f16" ? roundToF16(x) : Float64Array.from(new Float32Array(x));
          // Scores of order 1 to a few: a softmax that is neither flat nor one-hot.
          const spread = Math.sqrt(Math.sqrt(dk)) * 1.5;
          const q = round(randn(B * H * Lq * dk, random).map((x) => x * spread));
          const k = round(randn(B * H * Lk * dk, random));
          const v = round(randn(B * H * Lk * dv, random));
          const dO = round(randn(B * H * Lq * dv, random));
          const up = (x: Float64Array<ArrayBuffer>, s: number[]) =>
            Tensor.fromArraySync(device, x, s, dtype);
          using tq = up(q, shape(Lq, dk));
          using tk = up(k, shape(Lk, dk));
          using tv = up(v, shape(Lk, dv));
          using tdO = up(dO, shape(Lq, dv));
          using run = scaledDotProductAttention.vjp(tq, tk, tv, { scale, layout });
          using o = run.output;
          const g = run.pullback(tdO);
          const ref = sdpaReference(
            { data: q, shape: shape(Lq, dk) },
            { data: k, shape: shape(Lk, dk) },
            { data: v, shape: shape(Lk, dv) },
            dO,
            { scale, layout },
          );
          assert.deepEqual(o.shape, shape(Lq, dv));
          const tol = tolFor(dtype);
          assertClose(await o.read(), ref.output, tol, `o (seed ${seed})`);
          assertClose(await g.dq.read(), ref.dq, tol, `dq (seed ${seed})`);
          assertClose(await g.dk.read(), ref.dk, tol, `dk (seed ${seed})`);
          assertClose(await g.dv.read(), ref.dv, tol, `dv (seed ${seed})`);
          for (const t of [g.dq, g.dk, g.dv]) t.destroy();
        },
      });
    }
  }
}

Deno.test({
  name: "sdpa backward is deterministic (two runs bitwise equal)",
  ignore: noGpu,
  fn: async () => {
    const random = rng(freshSeed());
    const s = [1, 2, 45, 24];
    const t = () => Tensor.fromArraySync(device, randn(45 * 48, random), s);
    using q = t(), k = t(), v = t(), dO = t();
    const grads = async () => {
      using run = scaledDotProductAttention.vjp(q, k, v);
      const g = run.pullback(dO);
      const out = [await g.dq.read(), await g.dk.read(), await g.dv.read()];
      for (const x of [run.output, g.dq, g.dk, g.dv]) x.destroy();
      return out;
    };
    assert.deepEqual(await grads(), await grads());
  },
});

Deno.test({
  name: "sdpa rejects bad input with named errors",
  ignore: noGpu,
  fn: () => {
    const t = (s: number[], dtype: DType = "f32") =>
      Tensor.fromArraySync(device, new Float32Array(s.reduce((a, b) => a * b)), s, dtype);
    using q = t([1, 2, 5, 4]);
    using big = t([1, 1, 2, 257]);
    using k3 = t([2, 5, 4]);
    using kBad = t([1, 3, 5, 4]);
    using vBad = t([1, 2, 6, 4]);
    const sdpa = scaledDotProductAttention;
    assert.throws(() => sdpa(q, k3, q), { name: "RangeError", message: /k must have rank 4/ });
    assert.throws(() => sdpa(q, kBad, q), /batch × heads/);
    assert.throws(() => sdpa(q, q, vBad), /key lengths/);
    assert.throws(() => sdpa(big, big, big), /d_k of q must be in \[1, 256\]/);
    assert.throws(() => sdpa(q, q, q, { scale: NaN }), { name: "RangeError", message: /scale/ });
    assert.throws(() => sdpa(q, q, q, { layout: "x" as "BHTD" }), /layout/);
    assert.throws(() => sdpa(q, q, q, { precision: "f64" as "f32" }), {
      name: "TypeError",
      message: /precision/,
    });
    assert.throws(() => sdpa(q, "k" as never, q), {
      name: "TypeError",
      message: /k must be a Tensor/,
    });
    if (device.features.has("shader-f16")) {
      using h = t([1, 2, 5, 4], "f16");
      assert.throws(() => sdpa(q, h, q), { name: "TypeError", message: /mixed dtypes/ });
    }
    using run = sdpa.vjp(q, q, q);
    using wrong = t([1, 2, 5, 3]);
    assert.throws(() => run.pullback(wrong), /dO has shape/);
    run.output.destroy();
  },
});

Deno.test({
  name: 'sdpa precision "f16" runs the same f32 arithmetic as "f32" (bitwise equal)',
  ignore: noGpu,
  fn: async () => {
    const random = rng(freshSeed());
    const dtype = dtypes.at(-1)!;
    const s = [1, 2, 37, 20];
    const t = () => Tensor.fromArraySync(device, randn(2 * 37 * 20, random), s, dtype);
    using q = t(), k = t(), v = t();
    using a = scaledDotProductAttention(q, k, v);
    using b = scaledDotProductAttention(q, k, v, { precision: "f16" });
    assert.deepEqual(await b.read(), await a.read());
  },
});
