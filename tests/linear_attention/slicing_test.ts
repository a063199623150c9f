import assert from "node:assert/strict";
import { assertClose, noGpu, randn, rng, testDevice } from "../_helpers.ts";
import { deviceContext, Tensor } from "../../ops/_runtime/mod.ts";
import { linearAttention } from "../../ops/linear_attention/mod.ts";
import { linearAttentionReferenceGrads } from "../../ops/linear_attention/reference.ts";
import { type Case, compare, label, makeInput, seeded } from "./_cases.ts";

const device = (await testDevice())!;

/** Runs `fn` with the device's binding limit lowered to `bytes`. */
async function withBindingLimit(bytes: number, fn: () => Promise<void> | void) {
  const ctx = deviceContext(device);
  const saved = ctx.maxBindingBytes;
  ctx.maxBindingBytes = bytes;
  try {
    await fn();
  } finally {
    ctx.maxBindingBytes = saved;
  }
}

// Items per slice: BHTD slices (b·h) of ≤ 16 KiB each, BTHD slices batches of ≤ 32 KiB.
const SLICED: [Case, number][] = [
  [{ B: 3, H: 2, lq: 63, lk: 63, dk: 60, dv: 64, dtype: "f32", layout: "BHTD" }, 40_000],
  [{ B: 3, H: 2, lq: 63, lk: 63, dk: 60, dv: 64, dtype: "f32", layout: "BTHD" }, 70_000],
  [{ B: 3, H: 2, lq: 40, lk: 63, dk: 64, dv: 60, dtype: "f16", layout: "BTHD" }, 40_000],
];

for (const [c, limit] of SLICED) {
  Deno.test({
    name: `linearAttention in slices (binding limit ${limit} B): ${label(c, 0).slice(0, -7)}`,
    ignore: noGpu,
    fn: () =>
      withBindingLimit(limit, async () => {
        const { seed, random } = seeded();
        const q = makeInput(device, c, c.lq, c.dk, random, "features");
        const k = makeInput(device, c, c.lk, c.dk, random, "features");
        const v = makeInput(device, c, c.lk, c.dv, random, "normal");
        const dO = makeInput(device, c, c.lq, c.dv, random, "normal");
        using f = linearAttention.vjp(q.tensor, k.tensor, v.tensor, { layout: c.layout });
        const g = f.pullback(dO.tensor);
        const ref = linearAttentionReferenceGrads(q, k, v, dO.data, { layout: c.layout });
        await compare(c, seed, {
          o: [f.output, ref.output],
          dq: [g.dq, ref.dq],
          dk: [g.dk, ref.dk],
          dv: [g.dv, ref.dv],
        });
      }),
  });
}

Deno.test({
  name: "linearAttention: one BTHD batch over the binding limit is a RangeError",
  ignore: noGpu,
  fn: () =>
    withBindingLimit(20_000, () => {
      const x = Tensor.fromArraySync(device, new Float32Array(2 * 63 * 2 * 60), [2, 63, 2, 60]);
      assert.throws(
        () => linearAttention(x, x, x, { layout: "BTHD" }),
        (e: Error) => e instanceof RangeError && /linearAttention: one slice/.test(e.message),
      );
      x.destroy();
    }),
});

Deno.test({
  name: "linearAttention with v over lavapipe's real 128 MiB binding (fwd + bwd)",
  // Only where the binding limit is WebGPU's default (lavapipe, CI); GPUs bind 2 GiB.
  ignore: noGpu || deviceContext(device).maxBindingBytes > 2 ** 27,
  fn: async () => {
    // v: [1, 2, 270 000, 64] f32 = 138 MB, bound in two (b·h) slices of 69 MB; L_q = 40.
    const [H, lq, lk, dk, dv] = [2, 40, 270_000, 3, 64];
    assert.ok(H * lk * dv * 4 > deviceContext(device).maxBindingBytes);
    const seed = (Math.random() * 2 ** 32) >>> 0, random = rng(seed);
    const shape = (T: number, D: number) => [1, H, T, D];
    const positive = (n: number) => Float32Array.from(randn(n, random), (x) => Math.abs(x) + 0.1);
    const q = { data: positive(H * lq * dk), shape: shape(lq, dk) };
    const k = { data: positive(H * lk * dk), shape: shape(lk, dk) };
    const v = { data: new Float32Array(randn(H * lk * dv, random)), shape: shape(lk, dv) };
    const dO = new Float32Array(randn(H * lq * dv, random));
    const gpu = (x: { data: Float32Array<ArrayBuffer>; shape: number[] }) =>
      Tensor.fromArraySync(device, x.data, x.shape);
    using tq = gpu(q), tk = gpu(k), tv = gpu(v), tdO = gpu({ data: dO, shape: shape(lq, dv) });
    using f = linearAttention.vjp(tq, tk, tv);
    const g = f.pullback(tdO);
    const ref = linearAttentionReferenceGrads(q, k, v, dO);
    const what = `seed ${seed}`;
    assertClose(await f.output.read(), ref.output, 1e-5, `o (${what})`);
    assertClose(await g.dq.read(), ref.dq, 1e-5, `dq (${what})`);
    assertClose(await g.dk.read(), ref.dk, 1e-5, `dk (${what})`);
    assertClose(await g.dv.read(), ref.dv, 1e-5, `dv (${what})`);
    for (const t of [f.output, g.dq, g.dk, g.dv]) t.destroy();
  },
});

const llvmpipe = (device as { adapterInfo?: GPUAdapterInfo } | undefined)?.adapterInfo
  ?.description?.includes("llvmpipe");

Deno.test({
  name: "linearAttention over 10⁶ rows on llvmpipe: chunked, or a RangeError when it cannot be",
  ignore: noGpu || !llvmpipe,
  fn: async () => {
    const T = 1_100_000;
    const long = Tensor.fromArraySync(device, new Float32Array(T).fill(1), [1, 1, T, 1]);
    const q = Tensor.fromArraySync(device, new Float32Array(3).fill(1), [1, 1, 3, 1]);
    // L_q = L_k: the state pass splits the rows into chunks (partials in o); all-ones inputs
    // give o = 1 / (1 + ε).
    for (const o of await linearAttention(long, long, long).read()) {
      assert.ok(Math.abs(o - 1) < 1e-5);
    }
    // L_q = 3: o is too small to hold the partial states, so one workgroup would loop over all
    // 1.1·10⁶ rows, past llvmpipe's shader loop cap.
    assert.throws(
      () => linearAttention(q, long, long),
      (e: Error) =>
        e instanceof RangeError && /linearAttention: a chunk of 1100000 rows/.test(e.message),
    );
    for (const t of [long, q]) t.destroy();
  },
});
