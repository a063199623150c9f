import assert from "node:assert/strict";
import {
  assertClose,
  dtypesOf,
  eluPlusOne,
  freshSeed,
  noGpu,
  randn,
  rng,
  roundToF16,
  testDevice,
  tolFor,
} from "../_helpers.ts";
import { Tensor } from "../../ops/_runtime/mod.ts";
import { naiveDecoupledLinearAttention } from "../../ops/linear_attention/naive_decoupled.ts";
import { decoupledLinearAttentionReference } from "../../ops/linear_attention/reference.ts";

const device = (await testDevice())!;
const dtypes = dtypesOf(device);

// label, B, H, T, L, dk, dv, scale, eps
const cases: [string, number, number, number, number, number, number, number?, number?][] = [
  ["odd sizes", 2, 3, 37, 37, 17, 33],
  // with dk = 1 and ε ≈ 0 the denominator cancels q: ε = 1 keeps dq measurable
  ["T=1, D=1, ε=1", 1, 2, 1, 1, 1, 1, undefined, 1],
  ["Lq≠Lk, σ=0.3, ε=1", 1, 2, 5, 70, 64, 60, 0.3, 1],
];

for (const dtype of dtypes) {
  for (const layout of ["BHTD", "BTHD"] as const) {
    for (const [label, B, H, T, L, dk, dv, scale, eps] of cases) {
      Deno.test({
        name:
          `naiveDecoupledLinearAttention ${dtype} ${layout} ${label} B${B} H${H} T${T} L${L} dk${dk} dv${dv}: fwd + bwd`,
        ignore: noGpu,
        fn: async () => {
          const seed = freshSeed(), random = rng(seed);
          const shape = (t: number, d: number) => (layout === "BTHD" ? [B, t, H, d] : [B, H, t, d]);
          const round = (x: Float64Array<ArrayBuffer>) =>
            dtype === "f16" ? roundToF16(x) : Float64Array.from(new Float32Array(x));
          const inputs = {
            q: { data: round(eluPlusOne(B * H * T * dk, random)), shape: shape(T, dk) },
            k: { data: round(eluPlusOne(B * H * L * dk, random)), shape: shape(L, dk) },
            qRope: { data: round(randn(B * H * T * dk, random)), shape: shape(T, dk) },
            kRope: { data: round(randn(B * H * L * dk, random)), shape: shape(L, dk) },
            v: { data: round(randn(B * H * L * dv, random)), shape: shape(L, dv) },
          };
          const dO = round(randn(B * H * T * dv, random));
          const [q, k, qRope, kRope, v] = Object.values(inputs).map((x) =>
            Tensor.fromArraySync(device, x.data, x.shape, dtype)
          );
          using tdO = Tensor.fromArraySync(device, dO, shape(T, dv), dtype);
          using run = naiveDecoupledLinearAttention.vjp(q, k, qRope, kRope, v, {
            scale,
            eps,
            layout,
          });
          using o = run.output;
          const g = run.pullback(tdO);
          const ref = decoupledLinearAttentionReference(
            inputs.q,
            inputs.k,
            inputs.qRope,
            inputs.kRope,
            inputs.v,
            dO,
            { scale, eps, layout },
          );
          assert.deepEqual(o.shape, shape(T, dv));
          // The composition stores each intermediate (m, z, S, dz, dm, …) in the input dtype: in f16
          // every gradient path takes several roundings, and dm = Σ dz_i q_i cancels at small T,
          // so its bound is twice the fused ops' (docs/ops.md, baselines).
          const tol = (dtype === "f16" ? 2 : 1) * tolFor(dtype);
          assertClose(await o.read(), ref.output, tol, `o (seed ${seed})`);
          const inputOf = { dq: "q", dk: "k", dqRope: "qRope", dkRope: "kRope", dv: "v" } as const;
          for (
            const [name, input] of Object.entries(inputOf) as [
              keyof typeof inputOf,
              keyof typeof inputs,
            ][]
          ) {
            assert.deepEqual(g[name].shape, inputs[input].shape);
            assertClose(await g[name].read(), ref[name], tol, `${name} (seed ${seed})`);
            g[name].destroy();
          }
          for (const t of [q, k, qRope, kRope, v]) t.destroy();
        },
      });
    }
  }
}

Deno.test({
  name: "naiveDecoupledLinearAttention rejects bad input with named errors",
  ignore: noGpu,
  fn: () => {
    const t = (s: number[]) =>
      Tensor.fromArraySync(device, new Float32Array(s.reduce((a, b) => a * b)), s);
    using q = t([1, 2, 5, 4]);
    using short = t([1, 2, 4, 4]);
    assert.throws(() => naiveDecoupledLinearAttention(q, q, short, q, q), {
      name: "RangeError",
      message: /qRope has shape \[1, 2, 4, 4\]: the query length must match q's 5/,
    });
    assert.throws(() => naiveDecoupledLinearAttention(q, q, q, short, q), {
      name: "RangeError",
      message: /kRope has shape/,
    });
    assert.throws(() => naiveDecoupledLinearAttention(q, q, q, {} as Tensor, q), {
      name: "TypeError",
      message: /kRope/,
    });
    assert.throws(() => naiveDecoupledLinearAttention(q, q, q, q, short), /key lengths/);
    assert.throws(() => naiveDecoupledLinearAttention(q, q, q, q, q, { scale: NaN }), /scale/);
    using run = naiveDecoupledLinearAttention.vjp(q, q, q, q, q);
    using wrong = t([1, 2, 5, 3]);
    assert.throws(() => run.pullback(wrong), /dO has shape/);
    run.output.destroy();
    assert.throws(() => run.pullback(q), {
      name: "TypeError",
      message: /output was destroyed/,
    });
  },
});
