/**
 * Every compiled variant of the linear-attention kernels against the float64 references, for
 * all four ops, forward and backward: the default tiling (vec4 loads of the inputs and the
 * padded state rows, vec4 output stores, two staging buffers in every pass,
 * literal staged indices, X staged row-major, transposed state copies), the subgroup-shuffle
 * kernels (where the device has subgroups), the portable kernels (scalar loads, two buffers, no
 * subgroups), small tiles with short chunks and an FMA loop, state workgroups split into groups
 * of invocations, f16 precision, the state loaded and
 * the outputs stored one float at a time with one buffer and the FMA loop not unrolled, a device
 * requested without subgroups, and a row pass with its own tile (`rows.byRole`).
 */
import assert from "node:assert/strict";
import { eluPlusOne, noF16, noGpu, randn, roundToF16, testDevice, tolFor } from "../_helpers.ts";
import { requestDevice, setPoisonOutputs, subgroupSize, Tensor } from "../../ops/_runtime/mod.ts";
import type { LaTilingOverrides } from "../../ops/linear_attention/engine.ts";
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
import type { LaPrecision } from "../../shaders/linear_attention/kernels.ts";
import { type Case, compare, label, makeInput, recording, seeded } from "./_cases.ts";

const device = (await testDevice())!;

interface Variant {
  name: string;
  /** Storage dtypes tested (each variant compiles every kernel anew: slow on lavapipe). */
  dtypes: ("f32" | "f16")[];
  tiling?: LaTilingOverrides;
  precision?: LaPrecision;
}

/** Names the checks below refer to. */
const SHUFFLES = "subgroup shuffles, two state buffers";
const SCALAR =
  "scalar state loads and stores, one buffer, FMA loop, 8 × 8 state tiles, Sᵀ staged, X transposed";
const PORTABLE = "portable, two buffers";
const SMALL = "small tiles, short chunks, FMA loop of 4";
const SPLIT = "state workgroups split in 4 groups, short chunks";
const WIDE = "state passes loading f16 8 features at a time";

const VARIANTS: Variant[] = [
  { name: "default", dtypes: ["f32", "f16"] },
  {
    name: SHUFFLES,
    dtypes: ["f32"],
    // Row tiles of 4 × 8: 8 lanes share x, so that lavapipe's subgroups of 8 shuffle. One
    // buffer in the row passes, two in both state passes.
    tiling: {
      subgroups: true,
      buffers: 1,
      state: { buffers: 2 },
      rows: { rowsPerThread: 4, colsPerThread: 8 },
    },
  },
  {
    name: PORTABLE,
    dtypes: ["f32"],
    tiling: {
      vecLoads: false,
      buffers: 2,
      subgroups: false,
    },
  },
  {
    name: SMALL,
    dtypes: ["f16"],
    tiling: {
      state: { rowsPerThread: 4, colsPerThread: 4, steps: 8, chunkMin: 8, chunkMax: 24 },
      rows: { rowsPerThread: 4, colsPerThread: 4, block: 32, steps: 8 },
      // A loop of 4 staged indices per iteration (row-major X with a loop counter).
      unroll: 4,
    },
  },
  {
    name: SPLIT,
    dtypes: ["f16"],
    // 4 groups of 4 × 8 tiles where they fit 256 invocations (d_v ≤ 32), the 4 × 4 tiles
    // elsewhere; chunked (partials and reduce) and one-chunk (direct) state passes.
    tiling: {
      state: {
        fillBelow: 2 ** 31,
        fill: { rowsPerThread: 4, colsPerThread: 8, split: 4 },
        chunkMin: 32,
        chunkMax: 96,
      },
    },
  },
  // Wide loads in every op (the default: decoupled only) where d_k and d_v are multiples of 8
  // (both state passes, every op but simple, whose d_v is 20), chunked and direct.
  {
    name: WIDE,
    dtypes: ["f16"],
    tiling: { state: { wideLoads: true, chunkMin: 32, chunkMax: 96 } },
  },
  { name: "f16 precision", dtypes: ["f16"], precision: "f16" },
  {
    name: SCALAR,
    dtypes: ["f32"],
    tiling: {
      vecStateLoads: false,
      vecStores: false,
      buffers: 1,
      unroll: 2,
      state: { fillBelow: 0, rowsPerThread: 8, colsPerThread: 8 },
      transposedState: false,
    },
  },
];

/** All four ops of the family on `dev` with `variant`, each against its reference. */
async function checkFamily(dev: GPUDevice, variant: Variant, dtype: "f32" | "f16") {
  const { seed, random } = seeded();
  const kernel = { tiling: variant.tiling, precision: variant.precision };
  const tol = variant.precision === "f16" ? 3e-3 : tolFor(dtype);
  const input = (c: Case, T: number, D: number, kind: "features" | "normal") =>
    makeInput(dev, c, T, D, random, kind);
  // Normalised, L_q ≠ L_k (chunked state passes with the short chunks of SMALL), d_k not a
  // multiple of 4 in one case.
  for (
    const c of [
      { B: 1, H: 2, lq: 150, lk: 203, dk: 64, dv: 64, dtype, layout: "BTHD" },
      { B: 2, H: 1, lq: 37, lk: 90, dk: 30, dv: 17, dtype, layout: "BHTD" },
    ] satisfies Case[]
  ) {
    const [q, k] = [c.lq, c.lk].map((T) => input(c, T, c.dk, "features"));
    const v = input(c, c.lk, c.dv, "normal"), dO = input(c, c.lq, c.dv, "normal");
    const opts = { layout: c.layout, ...kernel };
    using f = linearAttention.vjp(q.tensor, k.tensor, v.tensor, opts);
    const g = f.pullback(dO.tensor);
    const ref = linearAttentionReferenceGrads(q, k, v, dO.data, { layout: c.layout });
    await compare(c, seed, {
      [`o (${variant.name})`]: [f.output, ref.output],
      dq: [g.dq, ref.dq],
      dk: [g.dk, ref.dk],
      dv: [g.dv, ref.dv],
    }, tol);
  }
  // Decoupled.
  const d: Case = { B: 1, H: 2, lq: 70, lk: 45, dk: 64, dv: 32, dtype, layout: "BHTD" };
  const [q, k, qr, kr] = [d.lq, d.lk, d.lq, d.lk].map((T, i) =>
    input(d, T, d.dk, i < 2 ? "features" : "normal")
  );
  const v = input(d, d.lk, d.dv, "normal"), dO = input(d, d.lq, d.dv, "normal");
  using df = decoupledLinearAttention.vjp(q.tensor, k.tensor, qr.tensor, kr.tensor, v.tensor, {
    ...kernel,
  });
  const dg = df.pullback(dO.tensor);
  const dref = decoupledLinearAttentionReference(q, k, qr, kr, v, dO.data, {});
  await compare(d, seed, {
    [`decoupled o (${variant.name})`]: [df.output, dref.output],
    dq: [dg.dq, dref.dq],
    dk: [dg.dk, dref.dk],
    dqRope: [dg.dqRope, dref.dqRope],
    dkRope: [dg.dkRope, dref.dkRope],
    dv: [dg.dv, dref.dv],
  }, tol);
  // Simple, with the state's gradient.
  const s: Case = { B: 2, H: 1, lq: 41, lk: 77, dk: 64, dv: 20, dtype, layout: "BHTD" };
  const [sq, sk] = [s.lq, s.lk].map((T) => input(s, T, s.dk, "features"));
  const sv = input(s, s.lk, s.dv, "normal"), sdO = input(s, s.lq, s.dv, "normal");
  const gS = randn(s.B * s.H * s.dk * s.dv, random);
  using sf = simpleLinearAttention.vjp(sq.tensor, sk.tensor, sv.tensor, {
    returnState: true,
    ...kernel,
  });
  const { output, state } = sf.output as { output: Tensor; state: Tensor };
  using tgS = Tensor.fromArraySync(dev, gS, state.shape);
  const sg = sf.pullback({ output: sdO.tensor, state: tgS });
  const sref = simpleLinearAttentionReferenceGrads(sq, sk, sv, sdO.data, { gS });
  await compare(s, seed, {
    [`simple o (${variant.name})`]: [output, sref.output],
    state: [state, sref.state],
    dq: [sg.dq, sref.dq],
    dk: [sg.dk, sref.dk],
    dv: [sg.dv, sref.dv],
  }, tol);
  // Varlen: packed [T_total, H, D] with an empty sequence, in the storage dtype.
  const cu = new Int32Array([0, 5, 5, 68, 130]);
  const packed = (D: number, features: boolean) => {
    const n = 130 * 2 * D;
    let data = features ? eluPlusOne(n, random) : randn(n, random);
    if (dtype === "f16") data = roundToF16(data);
    const shape = [130, 2, D];
    return { data, shape, tensor: Tensor.fromArraySync(dev, data, shape, dtype) };
  };
  const [vq, vk, vv, vdO] = [
    packed(64, true),
    packed(64, true),
    packed(48, false),
    packed(48, false),
  ];
  using vf = varlenLinearAttention.vjp(vq.tensor, vk.tensor, vv.tensor, cu, kernel);
  const vg = vf.pullback(vdO.tensor);
  const vref = varlenLinearAttentionReference(vq, vk, vv, cu, vdO.data);
  const vc: Case = { B: 1, H: 2, lq: 130, lk: 130, dk: 64, dv: 48, dtype, layout: "BTHD" };
  await compare(vc, seed, {
    [`varlen o (${variant.name})`]: [vf.output, vref.output],
    dq: [vg.dq, vref.dq],
    dk: [vg.dk, vref.dk],
    dv: [vg.dv, vref.dv],
  }, tol);
}

for (const variant of VARIANTS) {
  Deno.test({
    name: `linear-attention family, ${variant.name} kernels, match the float64 references`,
    ignore: noGpu || (variant.precision === "f16" && noF16) ||
      variant.dtypes.every((d) => d === "f16" && noF16),
    fn: async () => {
      const launched = await recording(device, async () => {
        for (const dtype of variant.dtypes.filter((d) => d === "f32" || !noF16)) {
          await checkFamily(device, variant, dtype);
        }
      });
      const kernels = launched.filter((l) => /^la_(state|rows)_/.test(l));
      const rows = kernels.filter((l) => l.startsWith("la_rows_"));
      const flag = (name: string, value: unknown) =>
        kernels.filter((l) => l.includes(`"${name}":${JSON.stringify(value)}`)).length;
      if (variant.name === "default") {
        assert.ok(flag("vec4", true) > 0 && flag("vec4", false) > 0, "vec4 and scalar kernels");
        // The test shapes are short: every state pass fills the device with two groups of 8 × 4
        // tiles.
        const states = kernels.filter((l) => l.startsWith("la_state_"));
        assert.ok(states.every((l) => l.includes('"rm":8,"rn":4,"split":2')), "split state tiles");
        // f16 inputs loaded 8 features at a time in the decoupled op's state passes only.
        const wide = states.filter((l) => l.includes('"wideLoads":true'));
        assert.ok(wide.every((l) => l.includes('"decoupled":true')), "wide loads: decoupled");
        assert.equal(wide.length, noF16 ? 0 : 2, "decoupled f16, forward and backward");
        // Two staging buffers in every pass.
        for (const l of kernels) assert.ok(l.includes(`"buffers":2`), l);
        // Every family member has a case with d_v a multiple of 4, and only those load the
        // state and store the outputs 4 at a time.
        for (const flagged of ['"stateVec4":true', '"outVec4":true']) {
          assert.ok(rows.filter((l) => l.includes(flagged)).length >= 8, flagged);
        }
        assert.ok(rows.some((l) => !l.includes('"stateVec4"')), "scalar state where d_v = 17");
        assert.ok(rows.some((l) => !l.includes('"outVec4"')), "scalar stores where d_v = 17");
        // dq and dk read the transposed copies (every member has a dq or dk pass).
        const transposedReads = rows.filter((l) => /^la_rows_d[qk]:/.test(l));
        assert.ok(transposedReads.every((l) => l.includes('"stateT":true')), "Sᵀ copies");
        assert.ok(launched.some((l) => l.startsWith("la_transpose")), "transpose kernel");
        assert.ok(rows.every((l) => l.includes('"rowMajorX":true')), "X staged row-major");
      }
      if (variant.name === SHUFFLES) {
        if (subgroupSize(device) === 8) {
          assert.ok(flag("shuffle", true) > 0, "subgroup kernels");
          // 4 × 8 row tiles: dq's 8 lanes per row sum dz (normalised ops) by shuffles.
          const dq = kernels.filter((l) =>
            l.startsWith("la_rows_dq:") && l.includes('"normalised":true')
          );
          assert.ok(dq.length > 0 && dq.every((l) => l.includes('"dzShuffle":true')), "dz sums");
        }
        const states = kernels.filter((l) => l.startsWith("la_state_"));
        assert.ok(states.length > 0 && states.every((l) => l.includes('"buffers":2')));
        assert.ok(
          kernels.filter((l) => l.startsWith("la_rows_")).every((l) => l.includes('"buffers":1')),
        );
      }
      if (variant.name === PORTABLE) {
        assert.equal(flag("vec4", false), kernels.length);
        assert.equal(flag("shuffle", false), kernels.length);
        assert.equal(flag("buffers", 2), kernels.length);
      }
      if (variant.name === SMALL) {
        assert.ok(rows.length > 0 && rows.every((l) => l.includes('"unroll":4')), "FMA loop");
        assert.ok(rows.every((l) => l.includes('"rowMajorX":true')), "row-major X in the loop");
      }
      if (variant.name === SCALAR) {
        assert.ok(
          rows.every((l) =>
            !l.includes('"stateVec4"') && !l.includes('"outVec4"') && !l.includes('"stateT"') &&
            !l.includes('"rowMajorX"') // the FMA loop takes 2 staged indices per iteration
          ),
        );
        const states = kernels.filter((l) => l.startsWith("la_state_"));
        assert.ok(states.some((l) => l.includes('"rm":8,"rn":8')), "8 × 8 state tiles");
      }
      if (variant.name === SPLIT) {
        const split = kernels.filter((l) => l.includes('"split":4'));
        assert.ok(split.length >= 4, "split state kernels");
        assert.ok(split.every((l) => l.startsWith("la_state_") && l.includes('"rm":4,"rn":8')));
      }
      if (variant.name === WIDE) {
        const wide = kernels.filter((l) => l.includes('"wideLoads":true'));
        // linear (d 64), decoupled (64, 32) and varlen (64, 48): forward and backward each.
        assert.ok(wide.length === 6 && wide.every((l) => l.startsWith("la_state_")), "wide loads");
        for (const pass of ["fwd", "bwd"]) {
          for (const member of ['"decoupled":true', '"varlen":true']) {
            assert.ok(wide.some((l) => l.startsWith(`la_state_${pass}`) && l.includes(member)));
          }
        }
        assert.ok(kernels.some((l) => l.startsWith("la_state_") && !l.includes("wideLoads")));
      }
      if (variant.precision === "f16") {
        // The forward state and the dq, dk passes keep f32 products (dq's terms can cancel), and
        // so does the backward state pass with its default tiles (8 × 4).
        const f32 = kernels.filter((l) => /^la_(state|rows_dq|rows_dk)/.test(l));
        assert.equal(flag("precision", "f16"), kernels.length - f32.length);
        assert.ok(f32.every((l) => l.includes('"precision":"f32"')));
      }
    },
  });
}

Deno.test({
  name: "linear-attention family on a device requested without subgroups matches the references",
  ignore: noGpu,
  fn: async () => {
    const portable = await requestDevice({ subgroups: false });
    setPoisonOutputs(portable, true);
    try {
      assert.equal(subgroupSize(portable), undefined);
      const launched = await recording(portable, () => checkFamily(portable, VARIANTS[0], "f32"));
      assert.ok(launched.every((l) => !l.includes('"shuffle":true')));
    } finally {
      portable.destroy();
    }
  },
});

Deno.test({
  name: "rows.byRole gives one row pass its own tile, and the results still match the reference",
  ignore: noGpu,
  fn: async () => {
    const c: Case = { B: 1, H: 2, lq: 70, lk: 45, dk: 64, dv: 64, dtype: "f32", layout: "BHTD" };
    const { seed, random } = seeded();
    const [q, k] = [c.lq, c.lk].map((T) => makeInput(device, c, T, c.dk, random, "features"));
    const v = makeInput(device, c, c.lk, c.dv, random, "normal");
    const dO = makeInput(device, c, c.lq, c.dv, random, "normal");
    const tiling = { rows: { byRole: { dq: { rowsPerThread: 4, colsPerThread: 8 } } } };
    const launched = await recording(device, async () => {
      using f = linearAttention.vjp(q.tensor, k.tensor, v.tensor, { tiling });
      const g = f.pullback(dO.tensor);
      const ref = linearAttentionReferenceGrads(q, k, v, dO.data, {});
      await compare(c, seed, {
        "o (dq 4 × 8)": [f.output, ref.output],
        dq: [g.dq, ref.dq],
        dk: [g.dk, ref.dk],
        dv: [g.dv, ref.dv],
      }, tolFor("f32"));
    });
    const tile = (role: string) => launched.find((l) => l.startsWith(`la_rows_${role}:`));
    assert.ok(tile("dq")?.includes('"rm":4,"rn":8'), "dq's own tile");
    for (const role of ["o", "dk", "dv"]) {
      assert.ok(tile(role)?.includes('"rm":8,"rn":4'), `${role} keeps the default tile`);
    }
  },
});

Deno.test({
  name: "f16 storage: dq where its two terms nearly cancel (one key, ε near q·m) stays accurate",
  ignore: noGpu || noF16,
  fn: async () => {
    // With one key, dq = σ(dO·v)·k·ε/z²: the terms acc/z and dz·m cancel to ε/z of their size.
    // dz comes from f32 products (not from the f16-rounded output), so dq keeps f16 accuracy.
    const c: Case = { B: 1, H: 2, lq: 53, lk: 1, dk: 8, dv: 8, dtype: "f16", layout: "BHTD" };
    const { seed, random } = seeded();
    const q = makeInput(device, c, c.lq, c.dk, random, "features");
    const k = makeInput(device, c, c.lk, c.dk, random, "features");
    const v = makeInput(device, c, c.lk, c.dv, random, "normal");
    const dO = makeInput(device, c, c.lq, c.dv, random, "normal");
    const opts = { eps: 0.5 };
    using f = linearAttention.vjp(q.tensor, k.tensor, v.tensor, opts);
    const g = f.pullback(dO.tensor);
    const ref = linearAttentionReferenceGrads(q, k, v, dO.data, opts);
    await compare(c, seed, { [`dq (${label(c, seed)})`]: [g.dq, ref.dq] });
  },
});
