import { GeneralizedLinearAttention } from "../../layers/linfusion.ts";
import { FocusedLinearAttention, PolaLinearAttention } from "../../layers/focused.ts";
import { MambaLikeLinearAttention, RALALinearAttention } from "../../layers/rope_layers.ts";
import { layers as ref } from "../../reference.ts";
import { Tensor } from "../../ops/_runtime/mod.ts";
import {
  assertClose,
  freshSeed,
  noGpu,
  randn,
  rng,
  roundToF16,
  testDevice,
  tolFor,
} from "../_helpers.ts";

const device = (await testDevice())!;
const B = 2, H = 4, W = 4, C = 16;

/** f16 storage (f32 arithmetic) vs the f64 reference on f16-rounded parameters and input. */
const cases = {
  GeneralizedLinearAttention: () => {
    const cfg = ref.resolveGeneralizedLinearAttention({ queryDim: C, heads: 2, dimHead: 8 });
    return {
      specs: cfg.specs,
      make: (stateDict: ref.StateDict) =>
        new GeneralizedLinearAttention({
          queryDim: C,
          heads: 2,
          dimHead: 8,
          device,
          dtype: "f16",
          stateDict,
        }),
      reference: (p: Map<string, ref.F64>, x: ref.F64) =>
        ref.generalizedLinearAttentionRef(cfg, p, x, B),
    };
  },
  MambaLikeLinearAttention: () => {
    const o = { dim: C, inputResolution: [H, W] as [number, number], numHeads: 2 };
    const cfg = ref.resolveMambaLikeLinearAttention(o);
    return {
      specs: cfg.specs,
      make: (stateDict: ref.StateDict) =>
        new MambaLikeLinearAttention({ ...o, device, dtype: "f16", stateDict }),
      reference: (p: Map<string, ref.F64>, x: ref.F64) =>
        ref.mambaLikeLinearAttentionRef(cfg, p, x, B),
    };
  },
  RALALinearAttention: () => {
    const o = { dim: C, inputResolution: [H, W] as [number, number], numHeads: 2 };
    const cfg = ref.resolveRALALinearAttention(o);
    return {
      specs: cfg.specs,
      make: (stateDict: ref.StateDict) =>
        new RALALinearAttention({ ...o, device, dtype: "f16", stateDict }),
      reference: (p: Map<string, ref.F64>, x: ref.F64) => ref.ralaLinearAttentionRef(cfg, p, x, B),
    };
  },
  FocusedLinearAttention: () => {
    const o = { dim: C, numPatches: H * W, numHeads: 2, srRatio: 2 };
    const cfg = ref.resolveFocusedLinearAttention(o);
    return {
      specs: cfg.specs,
      make: (stateDict: ref.StateDict) =>
        new FocusedLinearAttention({ ...o, device, dtype: "f16", stateDict }),
      reference: (p: Map<string, ref.F64>, x: ref.F64) =>
        ref.focusedLinearAttentionRef(cfg, p, x, B, H, W),
    };
  },
  PolaLinearAttention: () => {
    const o = { dim: C, numPatches: H * W, numHeads: 2, srRatio: 2 };
    const cfg = ref.resolvePolaLinearAttention(o);
    return {
      specs: cfg.specs,
      make: (stateDict: ref.StateDict) =>
        new PolaLinearAttention({ ...o, device, dtype: "f16", stateDict }),
      reference: (p: Map<string, ref.F64>, x: ref.F64) =>
        ref.polaLinearAttentionRef(cfg, p, x, B, H, W),
    };
  },
};

for (const [name, setup] of Object.entries(cases)) {
  Deno.test({
    name: `${name} in f16 storage vs f64 reference (rel. RMS ≤ 2e-3)`,
    ignore: noGpu || !device?.features.has("shader-f16"),
    fn: async () => {
      const seed = freshSeed();
      const { specs, make, reference } = setup();
      const dict = ref.randomParameters(specs, seed);
      for (const t of dict.values()) t.data = roundToF16(Float64Array.from(t.data));
      const x = roundToF16(randn(B * H * W * C, rng(seed + 1)));
      using layer = make(dict);
      using xt = Tensor.fromArraySync(device, x, [B, H * W, C], "f16");
      using y = name === "GeneralizedLinearAttention"
        ? (layer as GeneralizedLinearAttention).forward(xt)
        : (layer as MambaLikeLinearAttention).forward(xt, { height: H, width: W });
      const got = await y.read(), want = reference(ref.toFloat64(dict), x);
      assertClose(got, want, tolFor("f16"), `${name} f16 (seed ${seed})`);
    },
  });
}
