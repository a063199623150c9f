import assert from "node:assert/strict";
import { GeneralizedLinearAttention } from "../../layers/linfusion.ts";
import { resolveGeneralizedLinearAttention } from "../../layers/linfusion_config.ts";
import { generalizedLinearAttentionRef } from "../../layers/reference/linfusion.ts";
import { Tensor } from "../../ops/_runtime/mod.ts";
import { assertClose, freshSeed, noGpu, testDevice } from "../_helpers.ts";
import { finiteDifferences, randomInput, randomState } from "./_layer_helpers.ts";

const device = (await testDevice())!;

const cases = [
  { name: "self-attention, MLP projections", opts: { queryDim: 12, heads: 3, dimHead: 4 }, L: 7 },
  {
    name: "cross-attention (Lk ≠ L), biases, projectionMidDim 5",
    opts: { queryDim: 8, heads: 2, dimHead: 4, bias: true, projectionMidDim: 5 },
    L: 5,
    Lk: 9,
  },
  {
    name: "Identity projections (mid −1), outDim ≠ queryDim",
    opts: { queryDim: 6, outDim: 8, dimHead: 4, projectionMidDim: -1 },
    L: 6,
  },
];

for (const c of cases) {
  Deno.test({
    name: `GeneralizedLinearAttention forward and gradients vs f64 reference: ${c.name}`,
    ignore: noGpu,
    fn: async () => {
      const seed = freshSeed();
      const cfg = resolveGeneralizedLinearAttention(c.opts);
      const { dict, f64 } = randomState(cfg.specs, seed);
      using layer = new GeneralizedLinearAttention({ ...c.opts, device, stateDict: dict });
      const B = 2;
      const x = randomInput(device, [B, c.L, cfg.queryDim], seed + 1);
      const e = c.Lk ? randomInput(device, [B, c.Lk, cfg.kvDim], seed + 2) : undefined;
      const f = (
        p: Map<string, Float64Array<ArrayBuffer>>,
        xd: Float64Array<ArrayBuffer>,
        ed?: Float64Array<ArrayBuffer>,
      ) => generalizedLinearAttentionRef(cfg, p, xd, B, ed);
      const ref = f(f64, x.data, e?.data);
      const dy = randomInput(device, [B, c.L, cfg.outDim], seed + 3);
      using vjp = layer.vjp(x.tensor, { encoderHiddenStates: e?.tensor });
      using y = layer.forward(x.tensor, { encoderHiddenStates: e?.tensor });
      assertClose(await y.read(), ref, 1e-4, `forward (seed ${seed})`);
      assertClose(await vjp.output.read(), ref, 1e-4, `vjp output (seed ${seed})`);
      const grads = vjp.pullback(dy.tensor);
      const names = [...grads.parameters.keys()];
      assert.deepEqual(names.sort(), cfg.specs.map((s) => s.name).sort());
      const fd = finiteDifferences(f, f64, x.data, dy.data, names, e?.data);
      assertClose(await grads.dx.read(), fd.dx, 1e-4, `dx (seed ${seed})`);
      if (e) {
        assertClose(
          await grads.dEncoderHiddenStates!.read(),
          fd.dEncoder!,
          1e-4,
          `dE (seed ${seed})`,
        );
      }
      for (const n of names) {
        assertClose(
          await grads.parameters.get(n)!.read(),
          fd.params.get(n)!,
          1e-4,
          `d ${n} (seed ${seed})`,
        );
      }
      for (
        const t of [
          x.tensor,
          e?.tensor,
          dy.tensor,
          grads.dx,
          grads.dEncoderHiddenStates,
          ...grads.parameters.values(),
        ]
      ) {
        t?.destroy();
      }
    },
  });
}

Deno.test({
  name: "GeneralizedLinearAttention rejects bad inputs and weights by name",
  ignore: noGpu,
  fn: () => {
    assert.throws(
      () => new GeneralizedLinearAttention({ queryDim: 8, heads: 3, dimHead: 4, device }),
      RangeError,
    );
    using layer = new GeneralizedLinearAttention({ queryDim: 8, heads: 2, dimHead: 4, device });
    using bad = Tensor.fromArraySync(device, new Float32Array(2 * 3 * 7), [2, 3, 7]);
    assert.throws(() => layer.forward(bad), /x must have shape \[B, tokens, 8\]/);
    using x = Tensor.fromArraySync(device, new Float32Array(2 * 3 * 8), [2, 3, 8]);
    using e = Tensor.fromArraySync(device, new Float32Array(1 * 3 * 8), [1, 3, 8]);
    assert.throws(() => layer.forward(x, { encoderHiddenStates: e }), /batch/);
  },
});
