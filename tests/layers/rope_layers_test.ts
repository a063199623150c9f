import assert from "node:assert/strict";
import { FocusedLinearAttention } from "../../layers/focused.ts";
import { MambaLikeLinearAttention, RALALinearAttention } from "../../layers/rope_layers.ts";
import { Tensor } from "../../ops/_runtime/mod.ts";
import {
  resolveMambaLikeLinearAttention,
  resolveRALALinearAttention,
} from "../../layers/rope_layers_config.ts";
import {
  mambaLikeLinearAttentionRef,
  ralaLinearAttentionRef,
} from "../../layers/reference/rope_layers.ts";
import { noGpu, testDevice } from "../_helpers.ts";
import { checkImageLayer } from "./_layer_helpers.ts";

const device = (await testDevice())!;

const mllaCases = [
  { dim: 8, inputResolution: [3, 4] as const, numHeads: 2 },
  { dim: 12, inputResolution: [5, 2] as const, numHeads: 3, qkvBias: false },
];
for (const opts of mllaCases) {
  Deno.test({
    name: `MambaLikeLinearAttention vs f64 reference, forward and all gradients: ${
      JSON.stringify(opts)
    }`,
    ignore: noGpu,
    fn: async () => {
      const cfg = resolveMambaLikeLinearAttention(opts);
      await checkImageLayer(
        device,
        cfg.specs,
        (stateDict) => new MambaLikeLinearAttention({ ...opts, device, stateDict }),
        (p, x) => mambaLikeLinearAttentionRef(cfg, p, x, 2),
        { batch: 2, height: cfg.height, width: cfg.width, channels: cfg.dim },
      );
    },
  });
}

const ralaCases = [
  { dim: 16, inputResolution: [3, 4] as const, numHeads: 2 },
  { dim: 8, inputResolution: [2, 3] as const, numHeads: 1, qkvBias: false },
];
for (const opts of ralaCases) {
  Deno.test({
    name: `RALALinearAttention vs f64 reference, forward and all gradients: ${
      JSON.stringify(opts)
    }`,
    ignore: noGpu,
    fn: async () => {
      const cfg = resolveRALALinearAttention(opts);
      await checkImageLayer(
        device,
        cfg.specs,
        (stateDict) => new RALALinearAttention({ ...opts, device, stateDict }),
        (p, x) => ralaLinearAttentionRef(cfg, p, x, 2),
        { batch: 2, height: cfg.height, width: cfg.width, channels: cfg.dim },
      );
    },
  });
}

Deno.test({
  name: "image layers reject bad options, grids and inputs by name",
  ignore: noGpu,
  fn: () => {
    assert.throws(
      () => new MambaLikeLinearAttention({ dim: 6, inputResolution: [2, 2], numHeads: 2, device }),
      /multiple of 4/,
    );
    assert.throws(
      () => new RALALinearAttention({ dim: 8, inputResolution: [2, 2], numHeads: 4, device }),
      /multiple of 4/,
    );
    assert.throws(
      () => new FocusedLinearAttention({ dim: 8, numPatches: 16, kernelSize: 4, device }),
      /odd/,
    );
    using mlla = new MambaLikeLinearAttention({
      dim: 8,
      inputResolution: [2, 3],
      numHeads: 2,
      device,
    });
    using x = Tensor.fromArraySync(device, new Float32Array(6 * 8), [1, 6, 8]);
    assert.throws(() => mlla.forward(x, { height: 3, width: 2 }), /inputResolution 2 × 3/);
    using fla = new FocusedLinearAttention({
      dim: 8,
      numPatches: 16,
      numHeads: 2,
      srRatio: 2,
      device,
    });
    assert.throws(
      () => fla.forward(x, { height: 2, width: 3 }),
      /positional_encoding has 4 rows but the image gives 1 key/,
    );
    using x16 = Tensor.fromArraySync(device, new Float32Array(16 * 8), [1, 16, 8]);
    assert.throws(
      () => fla.forward(x16, { height: 4, width: 5 }),
      /options\.height · options\.width \(4·5\) must equal the token count of x \[1, 16, 8\]/,
    );
    assert.throws(() => fla.forward(x16, { height: 4.5, width: 4 }), RangeError);
  },
});
