import assert from "node:assert/strict";
import { assertClose, freshSeed, noGpu, randn, rng, testDevice } from "../_helpers.ts";
import { Tensor } from "../../ops/_runtime/mod.ts";
import { piecewiseSparseAttention } from "../../ops/piecewise_attention/mod.ts";
import {
  piecewiseSparseAttentionBackwardReference,
  piecewiseSparseAttentionReference,
  piecewiseSparseAttentionSelectionReference,
} from "../../ops/piecewise_attention/reference.ts";
import { scaledDotProductAttention } from "../../ops/sdpa/mod.ts";
import { sdpaReference } from "../../ops/sdpa/reference.ts";
import { gpuSelection, pisaInputs } from "./_pisa.ts";

const device = (await testDevice())!;

Deno.test({
  name: "pisa density = 1 is exact softmax attention (float64 reference and GPU SDPA)",
  ignore: noGpu,
  fn: async () => {
    const d = { B: 1, H: 2, T: 90, dk: 20, dv: 12 };
    const seed = freshSeed();
    const x = pisaInputs(d, 16, "f32", rng(seed));
    const up = (a: Float64Array<ArrayBuffer>, D: number) =>
      Tensor.fromArraySync(device, a, [d.B, d.H, d.T, D]);
    using q = up(x.q, d.dk), k = up(x.k, d.dk), v = up(x.v, d.dv), dO = up(x.dO, d.dv);
    using pisa = piecewiseSparseAttention.vjp(q, k, v, { density: 1, blockSize: 16 });
    using sdpa = scaledDotProductAttention.vjp(q, k, v);
    using o1 = pisa.output, o2 = sdpa.output;
    const g1 = pisa.pullback(dO), g2 = sdpa.pullback(dO);
    const ref = sdpaReference(
      { data: x.q, shape: q.shape },
      { data: x.k, shape: k.shape },
      { data: x.v, shape: v.shape },
      x.dO,
    );
    const at = `(seed ${seed})`;
    assertClose(await o1.read(), ref.output, 1e-5, `o vs float64 softmax ${at}`);
    assertClose(await o1.read(), await o2.read(), 1e-5, `o vs SDPA ${at}`);
    for (const n of ["dq", "dk", "dv"] as const) {
      assertClose(await g1[n].read(), ref[n], 1e-5, `${n} vs float64 softmax ${at}`);
      assertClose(await g1[n].read(), await g2[n].read(), 1e-5, `${n} vs SDPA ${at}`);
      g1[n].destroy();
      g2[n].destroy();
    }
  },
});

Deno.test("pisa float64 backward equals central finite differences (selection fixed)", () => {
  const d = { B: 1, H: 2, T: 37, dk: 5, dv: 3 }; // 3 chunks, the last one partial
  const x = pisaInputs(d, 16, "f32", rng(freshSeed()));
  const opts = { blockSize: 16, density: 0.34, useBias: true, scale: 0.7 };
  const selection = piecewiseSparseAttentionSelectionReference(x.q, x.k, x.v, d, opts);
  const fixed = { ...opts, selection };
  const loss = () =>
    piecewiseSparseAttentionReference(x.q, x.k, x.v, d, fixed).reduce(
      (s, o, i) => s + o * x.dO[i],
      0,
    );
  const grads = piecewiseSparseAttentionBackwardReference(x.q, x.k, x.v, x.dO, d, fixed);
  for (
    const [name, input, grad] of [["q", x.q, grads.dq], ["k", x.k, grads.dk], [
      "v",
      x.v,
      grads.dv,
    ]] as const
  ) {
    const fd = input.map((x0, i) => {
      const h = 1e-5;
      input[i] = x0 + h;
      const up = loss();
      input[i] = x0 - h;
      const down = loss();
      input[i] = x0;
      return (up - down) / (2 * h);
    });
    assertClose(grad, fd, 1e-7, `d${name} vs finite differences`);
  }
});

Deno.test({
  name: "pisa useBias adds ln(‖hc_n‖_F + 1e-5) to the block scores",
  ignore: noGpu,
  fn: async () => {
    // q > 0; chunk 2 has keys below 0 (lowest plain score) and values 1e3 times larger
    // (largest moment norm: ln 1e3 ≈ 6.9 above the others).
    const d = { B: 1, H: 1, T: 64, dk: 4, dv: 4 };
    const seed = freshSeed(), random = rng(seed);
    const chunkOf = (e: number, D: number) => Math.floor(e / D / 16);
    const qData = randn(d.T * d.dk, random).map(Math.abs);
    const kData = randn(d.T * d.dk, random).map((r, e) =>
      0.2 * r + (chunkOf(e, d.dk) === 2 ? -0.5 : 0.5)
    );
    const vData = randn(d.T * d.dv, random).map((r, e) => (chunkOf(e, d.dv) === 2 ? 1e3 * r : r));
    const up = (a: Float64Array<ArrayBuffer>, D: number) =>
      Tensor.fromArraySync(device, a, [d.B, d.H, d.T, D]);
    using q = up(qData, d.dk), k = up(kData, d.dk), v = up(vData, d.dv);
    const o = { blockSize: 16, density: 0.25 }; // top_k = 1
    const plain = await gpuSelection(q, k, v, d, o);
    const biased = await gpuSelection(q, k, v, d, { ...o, useBias: true });
    assert.deepEqual([...biased], [2, 2, 2, 2], `seed ${seed}`);
    assert.ok(plain.every((n) => n !== 2), `seed ${seed}: plain ${plain}`);
    for (const [sel, useBias] of [[plain, false], [biased, true]] as const) {
      const ref = piecewiseSparseAttentionSelectionReference(qData, kData, vData, d, {
        ...o,
        useBias,
      });
      assert.deepEqual(sel, ref, `seed ${seed}, useBias ${useBias}`);
    }
  },
});

Deno.test({
  name: "pisa ties go to the lower chunk index, and results are bitwise deterministic",
  ignore: noGpu,
  fn: async () => {
    // Every chunk of k holds the same rows, so all block scores tie exactly.
    const d = { B: 1, H: 2, T: 160, dk: 8, dv: 8 };
    const random = rng(freshSeed());
    const chunkRows = randn(16 * d.dk, random);
    const k = new Float64Array(d.B * d.H * d.T * d.dk).map((_, e) => chunkRows[e % (16 * d.dk)]);
    const q = randn(k.length, random), v = randn(d.B * d.H * d.T * d.dv, random);
    const up = (a: Float64Array<ArrayBuffer>, D: number) =>
      Tensor.fromArraySync(device, a, [d.B, d.H, d.T, D]);
    using tq = up(q, d.dk), tk = up(k, d.dk), tv = up(v, d.dv);
    const o = { blockSize: 16, density: 0.3 }; // NT = 10, top_k = 3
    const sel = await gpuSelection(tq, tk, tv, d, o);
    assert.deepEqual([...sel], Array.from({ length: 2 * 10 }, () => [0, 1, 2]).flat());
    using a = piecewiseSparseAttention(tq, tk, tv, o), b = piecewiseSparseAttention(tq, tk, tv, o);
    assert.deepEqual(await a.readRaw(), await b.readRaw());
    using s1 = piecewiseSparseAttention.vjp(tq, tk, tv, o),
      s2 = piecewiseSparseAttention.vjp(tq, tk, tv, o);
    using o1 = s1.output, o2 = s2.output;
    assert.deepEqual(await o1.readRaw(), await o2.readRaw());
    const g1 = s1.pullback(o1), g2 = s2.pullback(o1);
    for (const n of ["dq", "dk", "dv"] as const) {
      assert.deepEqual(await g1[n].readRaw(), await g2[n].readRaw(), `${n} bitwise`);
    }
  },
});

Deno.test({
  name: "pisa rejects bad inputs and options with TypeError/RangeError naming them",
  ignore: noGpu,
  fn: () => {
    const t = (shape: number[], dtype: "f32" | "f16" = "f32") =>
      Tensor.fromArraySync(device, new Float32Array(shape.reduce((a, b) => a * b)), shape, dtype);
    using q = t([1, 2, 20, 8]), v = t([1, 2, 20, 4]);
    const f = piecewiseSparseAttention;
    const bad: [() => unknown, ErrorConstructor, RegExp][] = [
      [() => f(q, q, v, { density: 0 }), RangeError, /density/],
      [() => f(q, q, v, { density: -0.1 }), RangeError, /density/],
      [() => f(q, q, v, { density: 1.5 }), RangeError, /density/],
      [() => f(q, q, v, { density: NaN }), RangeError, /density/],
      [() => f(q, q, v, { density: "0.1" as unknown as number }), TypeError, /density/],
      [() => f(q, q, v, { blockSize: 48 }), RangeError, /blockSize/],
      [() => f(q, q, v, { blockSize: 8 }), RangeError, /blockSize/],
      [() => f(q, q, v, { blockSize: 256 }), RangeError, /blockSize/],
      [() => f(q, q, v, { blockSize: 64.5 }), RangeError, /blockSize/],
      [() => f(q, q, v, { scale: Infinity }), RangeError, /scale/],
      [() => f(q, q, v, { useBias: 1 as unknown as boolean }), TypeError, /useBias/],
      [() => f(q, q, v, { layout: "BHDT" as "BHTD" }), TypeError, /layout/],
      [() => f(q, q, v, { precision: "bf16" as "f16" }), TypeError, /precision/],
      [() => f(q, v, v), RangeError, /k/],
      [() => f(q, q, t([1, 2, 21, 4])), RangeError, /v/],
      [() => f(q, t([1, 2, 21, 8]), t([1, 2, 21, 4])), RangeError, /k has shape .*equal q's 20/],
      [() => f(q, q, t([2, 20, 4])), RangeError, /v/],
      [() => f(q, q, t([1, 2, 20, 257])), RangeError, /d_v of v/],
      [() => f(q, q, t([1, 2, 20, 4], "f16")), TypeError, /dtype/],
      [() => f(q, {} as Tensor, v), TypeError, /k/],
    ];
    for (const [call, type, message] of bad) {
      assert.throws(call, (e: Error) => e instanceof type && message.test(e.message));
    }
    using step = f.vjp(q, q, v, { blockSize: 16 });
    using _output = step.output;
    assert.throws(() => step.pullback(q), RangeError);
  },
});

Deno.test({
  name: 'pisa precision "f16" runs the same f32 arithmetic as "f32" (bitwise equal)',
  ignore: noGpu,
  fn: async () => {
    const random = rng(freshSeed());
    const shape = [1, 2, 70, 12];
    const t = () => Tensor.fromArraySync(device, randn(2 * 70 * 12, random), shape);
    using q = t(), k = t(), v = t();
    const o = { blockSize: 16, density: 0.3 };
    using a = piecewiseSparseAttention(q, k, v, o);
    using b = piecewiseSparseAttention(q, k, v, { ...o, precision: "f16" });
    assert.deepEqual(await b.read(), await a.read());
  },
});
