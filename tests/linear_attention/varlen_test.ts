import assert from "node:assert/strict";
import {
  assertClose,
  eluPlusOne,
  noF16,
  noGpu,
  randn,
  roundToF16,
  testDevice,
  tolFor,
} from "../_helpers.ts";
import { type DType, Tensor } from "../../ops/_runtime/mod.ts";
import { linearAttention, varlenLinearAttention } from "../../ops/linear_attention/mod.ts";
import { varlenLinearAttentionReference } from "../../ops/linear_attention/reference.ts";
import { seeded } from "./_cases.ts";

const device = (await testDevice())!;

interface VarlenCase {
  lengths: number[];
  H: number;
  dk: number;
  dv: number;
  dtype: DType;
  scale?: number;
}

function packed(c: VarlenCase, random: () => number) {
  const total = c.lengths.reduce((a, b) => a + b, 0);
  const cu = new Int32Array(c.lengths.length + 1);
  c.lengths.forEach((n, s) => (cu[s + 1] = cu[s] + n));
  const make = (D: number, features: boolean) => {
    const shape = [total, c.H, D];
    const n = total * c.H * D;
    let data = features ? eluPlusOne(n, random) : randn(n, random);
    if (c.dtype === "f16") data = roundToF16(data);
    return { data, shape, tensor: Tensor.fromArraySync(device, data, shape, c.dtype) };
  };
  return {
    cu,
    q: make(c.dk, true),
    k: make(c.dk, true),
    v: make(c.dv, false),
    dO: make(c.dv, false),
  };
}

// Lengths with an empty sequence, T ∈ {1, 63, 1000}, D ∈ {1, 60, 64, 128, 256}.
const CASES: VarlenCase[] = [
  { lengths: [5, 0, 63, 1000, 1], H: 3, dk: 60, dv: 64, dtype: "f32" },
  { lengths: [1000, 63], H: 2, dk: 128, dv: 1, dtype: "f16", scale: 0.5 },
  { lengths: [0, 30, 33], H: 1, dk: 256, dv: 256, dtype: "f32" },
];

for (const c of CASES) {
  Deno.test({
    name:
      `varlenLinearAttention fwd+bwd vs f64 reference: lengths ${c.lengths} H${c.H} dk${c.dk} ` +
      `dv${c.dv} ${c.dtype}`,
    ignore: noGpu || (c.dtype === "f16" && noF16),
    fn: async () => {
      const { seed, random } = seeded();
      const x = packed(c, random);
      const opts = { scale: c.scale };
      using f = varlenLinearAttention.vjp(x.q.tensor, x.k.tensor, x.v.tensor, x.cu, opts);
      const g = f.pullback(x.dO.tensor);
      const ref = varlenLinearAttentionReference(x.q, x.k, x.v, x.cu, x.dO.data, opts);
      const tol = tolFor(c.dtype), what = `seed ${seed}`;
      assertClose(await f.output.read(), ref.output, tol, `o (${what})`);
      assertClose(await g.dq.read(), ref.dq, tol, `dq (${what})`);
      assertClose(await g.dk.read(), ref.dk, tol, `dk (${what})`);
      assertClose(await g.dv.read(), ref.dv, tol, `dv (${what})`);
    },
  });
}

Deno.test({
  name: "varlenLinearAttention equals linearAttention on each segment (fwd and bwd)",
  ignore: noGpu,
  fn: async () => {
    const c: VarlenCase = { lengths: [63, 0, 1, 200], H: 2, dk: 60, dv: 64, dtype: "f32" };
    const { seed, random } = seeded();
    const x = packed(c, random);
    using f = varlenLinearAttention.vjp(x.q.tensor, x.k.tensor, x.v.tensor, x.cu);
    const g = f.pullback(x.dO.tensor);
    const all = await Promise.all([f.output, g.dq, g.dk, g.dv].map((t) => t.read()));
    for (let s = 0; s < c.lengths.length; s++) {
      const n = c.lengths[s];
      if (n === 0) continue;
      // One segment of the packed [T_total, H, D] tensors is a [1, n, H, D] (BTHD) tensor.
      const part = (t: { data: Float64Array }, D: number) =>
        Tensor.fromArraySync(
          device,
          t.data.slice(x.cu[s] * c.H * D, x.cu[s + 1] * c.H * D),
          [1, n, c.H, D],
        );
      const [q, k, v, dO] = [part(x.q, c.dk), part(x.k, c.dk), part(x.v, c.dv), part(x.dO, c.dv)];
      using one = linearAttention.vjp(q, k, v, { layout: "BTHD" });
      const gs = one.pullback(dO);
      const expected = await Promise.all([one.output, gs.dq, gs.dk, gs.dv].map((t) => t.read()));
      expected.forEach((e, i) => {
        const D = i === 0 || i === 3 ? c.dv : c.dk;
        const got = all[i].slice(x.cu[s] * c.H * D, x.cu[s + 1] * c.H * D);
        assertClose(got, e, 1e-6, `output ${i} of segment ${s} (seed ${seed})`);
      });
    }
  },
});

Deno.test({
  name: "varlenLinearAttention validates cuSeqlens and shapes",
  ignore: noGpu,
  fn: () => {
    const q = Tensor.fromArraySync(device, new Float32Array(10 * 2 * 4), [10, 2, 4]);
    const v = Tensor.fromArraySync(device, new Float32Array(10 * 2 * 3), [10, 2, 3]);
    const run = (cu: unknown, vv: Tensor = v, kk: Tensor = q) =>
      varlenLinearAttention(q, kk, vv, cu as Int32Array);
    assert.throws(
      () => run([0, 10]),
      (e: Error) => e instanceof TypeError && /Int32Array/.test(e.message),
    );
    assert.throws(() => run(new Int32Array([10])), /at least 2 entries/);
    assert.throws(() => run(new Int32Array([1, 10])), /cuSeqlens\[0\] must be 0/);
    assert.throws(() => run(new Int32Array([0, 6, 4, 10])), /non-decreasing/);
    assert.throws(() => run(new Int32Array([0, 4, 9])), /must end at T_total = 10/);
    const bad = Tensor.fromArraySync(device, new Float32Array(9 * 2 * 3), [9, 2, 3]);
    assert.throws(() => run(new Int32Array([0, 10]), bad), /v has shape \[9, 2, 3\]/);
    const k3 = Tensor.fromArraySync(device, new Float32Array(10 * 2 * 5), [10, 2, 5]);
    assert.throws(() => run(new Int32Array([0, 10]), v, k3), /k has shape/);
    const q4 = Tensor.fromArraySync(device, new Float32Array(10 * 2 * 4), [1, 10, 2, 4]);
    assert.throws(() => varlenLinearAttention(q4, q4, q4, new Int32Array([0, 10])), /rank 3/);
  },
});
