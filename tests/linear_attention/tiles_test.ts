import assert from "node:assert/strict";
import { assertClose, eluPlusOne, noF16, noGpu, randn, testDevice, tolFor } from "../_helpers.ts";
import { deviceContext, Tensor } from "../../ops/_runtime/mod.ts";
import { LA_TILES } from "../../ops/linear_attention/engine.ts";
import {
  decoupledLinearAttention,
  linearAttention,
  simpleLinearAttention,
  varlenLinearAttention,
} from "../../ops/linear_attention/mod.ts";
import {
  decoupledLinearAttentionReference,
  linearAttentionReferenceGrads,
  simpleLinearAttentionReferenceGrads,
  varlenLinearAttentionReference,
} from "../../ops/linear_attention/reference.ts";
import { type Case, compare, label, makeInput, seeded } from "./_cases.ts";

const device = (await testDevice())!;

// Tilings a tuner may pick: larger per-invocation tiles, smaller and larger workgroup tiles,
// short chunks (many partial states; the scratch in o or dq too small for all of them at the
// L_q ≠ L_k cases, so the chunks are lengthened).
const TILINGS = [
  {
    state: { maxTile: 32, rows: 16, rowsPerThread: 8, vec4sPerThread: 2, chunkMax: 16 },
    rows: { maxTile: 32, block: 128, inner: 32, rowsPerThread: 8, vec4sPerThread: 2 },
  },
  {
    state: { maxTile: 64, rows: 8, rowsPerThread: 8, vec4sPerThread: 1, chunkMin: 8, chunkMax: 24 },
    rows: { maxTile: 64, block: 32, inner: 8, rowsPerThread: 4, vec4sPerThread: 2 },
  },
  // Over lavapipe's 32 KiB of workgroup storage (fine on 48 KiB GPUs): falls back there.
  {
    state: { maxTile: 64, rows: 64, rowsPerThread: 4, vec4sPerThread: 1 },
    rows: { maxTile: 64, block: 128, inner: 64, rowsPerThread: 4, vec4sPerThread: 1 },
  },
];

// Cases per tiling (each new tiling compiles its kernels anew: slow on lavapipe).
const CASES: Case[][] = [
  [
    { B: 1, H: 2, lq: 63, lk: 200, dk: 60, dv: 64, dtype: "f32", layout: "BHTD" },
    { B: 2, H: 1, lq: 130, lk: 63, dk: 256, dv: 17, dtype: "f32", layout: "BTHD" },
  ],
  [{ B: 1, H: 1, lq: 63, lk: 63, dk: 64, dv: 128, dtype: "f16", layout: "BHTD" }],
  [{ B: 2, H: 1, lq: 100, lk: 150, dk: 64, dv: 64, dtype: "f32", layout: "BHTD" }],
];

for (const [i, tiles] of TILINGS.entries()) {
  Deno.test({
    name: `linearAttention with alternative tiling ${i} matches the reference`,
    ignore: noGpu,
    fn: async () => {
      const saved = structuredClone(LA_TILES);
      Object.assign(LA_TILES.state, tiles.state);
      Object.assign(LA_TILES.rows, tiles.rows);
      try {
        for (const c of CASES[i].filter((c) => c.dtype === "f32" || !noF16)) {
          const { seed, random } = seeded();
          const q = makeInput(device, c, c.lq, c.dk, random, "features");
          const k = makeInput(device, c, c.lk, c.dk, random, "features");
          const v = makeInput(device, c, c.lk, c.dv, random, "normal");
          const dO = makeInput(device, c, c.lq, c.dv, random, "normal");
          const opts = { layout: c.layout };
          using f = linearAttention.vjp(q.tensor, k.tensor, v.tensor, opts);
          const g = f.pullback(dO.tensor);
          const ref = linearAttentionReferenceGrads(q, k, v, dO.data, opts);
          await compare(c, seed, {
            [`o (tiling ${i}, ${label(c, seed)})`]: [f.output, ref.output],
            dq: [g.dq, ref.dq],
            dk: [g.dk, ref.dk],
            dv: [g.dv, ref.dv],
          });
        }
      } finally {
        Object.assign(LA_TILES.state, saved.state);
        Object.assign(LA_TILES.rows, saved.rows);
      }
    },
  });
}

// vecLoads: 4 features per staging load where d_k and d_v are multiples of 4 (else scalar
// loads). L_q ≥ L_k leaves room in o for several partial states, so the state passes run in
// chunks, the last one partial (T not a multiple of the chunk). d_k = 128 takes the backward's
// per-row statistics from global memory (scalar loads from the vec4 views).
const VEC_CASES: [Case, boolean][] = [
  [{ B: 1, H: 2, lq: 200, lk: 150, dk: 64, dv: 64, dtype: "f32", layout: "BHTD" }, true],
  [{ B: 1, H: 2, lq: 400, lk: 300, dk: 64, dv: 64, dtype: "f16", layout: "BTHD" }, true],
  [{ B: 1, H: 1, lq: 300, lk: 150, dk: 128, dv: 64, dtype: "f32", layout: "BTHD" }, true],
  [{ B: 1, H: 2, lq: 200, lk: 150, dk: 63, dv: 64, dtype: "f32", layout: "BTHD" }, false],
  [{ B: 2, H: 1, lq: 300, lk: 90, dk: 64, dv: 17, dtype: "f16", layout: "BHTD" }, false],
];

/**
 * Runs `fn` with both vecLoads knobs on and the labels (name:constants) of the dispatched
 * pipelines recorded in `launched` (cleared by `fn` as it likes).
 */
async function withVecLoads(fn: (launched: string[]) => Promise<void>) {
  const saved = structuredClone(LA_TILES);
  LA_TILES.state.vecLoads = true;
  LA_TILES.rows.vecLoads = true;
  const recorder = deviceContext(device).recorder;
  const dispatch = recorder.dispatch;
  const launched: string[] = [];
  recorder.dispatch = (name, pipeline, ...rest) => {
    launched.push(pipeline.label);
    return dispatch.call(recorder, name, pipeline, ...rest);
  };
  try {
    await fn(launched);
  } finally {
    recorder.dispatch = dispatch;
    Object.assign(LA_TILES.state, saved.state);
    Object.assign(LA_TILES.rows, saved.rows);
  }
}

/** The state and row kernels among `launched`, and those of them compiled with vecLoads. */
function laKernels(launched: string[]) {
  const kernels = launched.filter((l) => /^la_(state|rows)_/.test(l));
  return { kernels, vec: kernels.filter((l) => l.includes('"vecLoads":true')) };
}

Deno.test({
  name: "linearAttention with vecLoads matches the reference (scalar loads where d % 4 ≠ 0)",
  ignore: noGpu,
  fn: () =>
    withVecLoads(async (launched) => {
      for (const [c, vec] of VEC_CASES) {
        const { seed, random } = seeded();
        const q = makeInput(device, c, c.lq, c.dk, random, "features");
        const k = makeInput(device, c, c.lk, c.dk, random, "features");
        const v = makeInput(device, c, c.lk, c.dv, random, "normal");
        const dO = makeInput(device, c, c.lq, c.dv, random, "normal");
        const opts = { layout: c.layout };
        launched.length = 0;
        using f = linearAttention.vjp(q.tensor, k.tensor, v.tensor, opts);
        const g = f.pullback(dO.tensor);
        const ref = linearAttentionReferenceGrads(q, k, v, dO.data, opts);
        await compare(c, seed, {
          "o (vecLoads)": [f.output, ref.output],
          dq: [g.dq, ref.dq],
          dk: [g.dk, ref.dk],
          dv: [g.dv, ref.dv],
        });
        const run = laKernels(launched);
        assert.equal(run.kernels.length, 6, `state fwd/bwd and four row kernels: ${run.kernels}`);
        assert.equal(run.vec.length, vec ? 6 : 0, `kernels with vecLoads (${label(c, seed)})`);
        // The state passes ran in chunks (a reduce dispatch each).
        assert.equal(launched.filter((l) => l.startsWith("la_reduce_")).length, 2, label(c, seed));
      }
    }),
});

Deno.test({
  name: "decoupled, simple and varlen linear attention with vecLoads match the references",
  ignore: noGpu,
  fn: () =>
    withVecLoads(async (launched) => {
      const { seed, random } = seeded();
      // Decoupled (plain features staged beside the rotary ones), f32.
      const c: Case = {
        B: 1,
        H: 2,
        lq: 200,
        lk: 150,
        dk: 64,
        dv: 64,
        dtype: "f32",
        layout: "BTHD",
      };
      const [q, k, qr, kr] = [c.lq, c.lk, c.lq, c.lk].map((T, i) =>
        makeInput(device, c, T, c.dk, random, i < 2 ? "features" : "normal")
      );
      const v = makeInput(device, c, c.lk, c.dv, random, "normal");
      const dO = makeInput(device, c, c.lq, c.dv, random, "normal");
      const opts = { layout: c.layout };
      using f = decoupledLinearAttention.vjp(
        q.tensor,
        k.tensor,
        qr.tensor,
        kr.tensor,
        v.tensor,
        opts,
      );
      const g = f.pullback(dO.tensor);
      const ref = decoupledLinearAttentionReference(q, k, qr, kr, v, dO.data, opts);
      await compare(c, seed, {
        "o (decoupled, vecLoads)": [f.output, ref.output],
        dq: [g.dq, ref.dq],
        dk: [g.dk, ref.dk],
        dqRope: [g.dqRope, ref.dqRope],
        dkRope: [g.dkRope, ref.dkRope],
        dv: [g.dv, ref.dv],
      });
      // Simple (no normaliser), f16.
      const s: Case = { B: 2, H: 1, lq: 130, lk: 70, dk: 32, dv: 64, dtype: "f16", layout: "BHTD" };
      const [sq, sk, sv, sdO] = [[s.lq, s.dk], [s.lk, s.dk], [s.lk, s.dv], [s.lq, s.dv]].map((
        [T, D],
        i,
      ) => makeInput(device, s, T, D, random, i < 2 ? "features" : "normal"));
      using sf = simpleLinearAttention.vjp(sq.tensor, sk.tensor, sv.tensor, { layout: s.layout });
      const sg = sf.pullback(sdO.tensor);
      const sref = simpleLinearAttentionReferenceGrads(sq, sk, sv, sdO.data, { layout: s.layout });
      await compare(s, seed, {
        "o (simple, vecLoads)": [sf.output as Tensor, sref.output],
        dq: [sg.dq, sref.dq],
        dk: [sg.dk, sref.dk],
        dv: [sg.dv, sref.dv],
      });
      // Varlen (packed [T_total, H, D], an empty sequence), f32.
      const cu = new Int32Array([0, 5, 5, 68, 198, 199]);
      const packed = (D: number, features: boolean) => {
        const shape = [199, 2, D], n = 199 * 2 * D;
        const data = features ? eluPlusOne(n, random) : randn(n, random);
        return { data, shape, tensor: Tensor.fromArraySync(device, data, shape) };
      };
      const [vq, vk, vv, vdO] = [
        packed(64, true),
        packed(64, true),
        packed(64, false),
        packed(64, false),
      ];
      using vf = varlenLinearAttention.vjp(vq.tensor, vk.tensor, vv.tensor, cu);
      const vg = vf.pullback(vdO.tensor);
      const vref = varlenLinearAttentionReference(vq, vk, vv, cu, vdO.data);
      const tol = tolFor("f32");
      assertClose(await vf.output.read(), vref.output, tol, `varlen o (vecLoads, seed ${seed})`);
      assertClose(await vg.dq.read(), vref.dq, tol, `varlen dq (seed ${seed})`);
      assertClose(await vg.dk.read(), vref.dk, tol, `varlen dk (seed ${seed})`);
      assertClose(await vg.dv.read(), vref.dv, tol, `varlen dv (seed ${seed})`);
      const run = laKernels(launched);
      assert.equal(
        run.vec.length,
        run.kernels.length,
        `every kernel with vecLoads: ${run.kernels}`,
      );
      assert.equal(run.kernels.length, 18);
    }),
});
