import { FocusedLinearAttention, PolaLinearAttention } from "../../layers/focused.ts";
import {
  resolveFocusedLinearAttention,
  resolvePolaLinearAttention,
} from "../../layers/focused_config.ts";
import {
  focusedLinearAttentionRef,
  polaLinearAttentionRef,
} from "../../layers/reference/focused.ts";
import { noGpu, testDevice } from "../_helpers.ts";
import { checkImageLayer } from "./_layer_helpers.ts";

const device = (await testDevice())!;

// sr 1 on a 3 × 4 grid; sr 2 on a non-square 4 × 5 grid (n = 2·2 = 4 keys for 20 queries);
// a one-row positional encoding broadcast over the keys, with head width 3 (Pola: 2 + 1 values).
const cases = [
  { opts: { dim: 8, numPatches: 12, numHeads: 2, kernelSize: 3 }, height: 3, width: 4 },
  {
    opts: { dim: 8, numPatches: 16, numHeads: 2, srRatio: 2, qkvBias: true },
    height: 4,
    width: 5,
  },
  { opts: { dim: 6, numPatches: 4, numHeads: 2, srRatio: 2, kernelSize: 3 }, height: 4, width: 4 },
];

for (const c of cases) {
  Deno.test({
    name: `FocusedLinearAttention vs f64 reference, forward and all gradients: ${
      JSON.stringify(c)
    }`,
    ignore: noGpu,
    fn: async () => {
      const cfg = resolveFocusedLinearAttention(c.opts);
      await checkImageLayer(
        device,
        cfg.specs,
        (stateDict) => new FocusedLinearAttention({ ...c.opts, device, stateDict }),
        (p, x) => focusedLinearAttentionRef(cfg, p, x, 2, c.height, c.width),
        { batch: 2, height: c.height, width: c.width, channels: cfg.dim },
      );
    },
  });
  Deno.test({
    name: `PolaLinearAttention vs f64 reference, forward and all gradients: ${JSON.stringify(c)}`,
    ignore: noGpu,
    fn: async () => {
      const cfg = resolvePolaLinearAttention(c.opts);
      await checkImageLayer(
        device,
        cfg.specs,
        (stateDict) => new PolaLinearAttention({ ...c.opts, device, stateDict }),
        (p, x) => polaLinearAttentionRef(cfg, p, x, 2, c.height, c.width),
        { batch: 2, height: c.height, width: c.width, channels: cfg.dim },
      );
    },
  });
}

Deno.test({
  name:
    "FocusedLinearAttention: tokens with every channel negative (u = 1e-6/s) keep finite gradients",
  ignore: noGpu,
  fn: async () => {
    const opts = { dim: 8, numPatches: 12, numHeads: 2, qkvBias: true, focusingFactor: 4 };
    const cfg = resolveFocusedLinearAttention(opts);
    await checkImageLayer(
      device,
      cfg.specs,
      (stateDict) => new FocusedLinearAttention({ ...opts, device, stateDict }),
      (p, x) => focusedLinearAttentionRef(cfg, p, x, 2, 3, 4),
      { batch: 2, height: 3, width: 4, channels: 8 },
      (dict) => dict.get("q.bias")!.data.fill(-30),
    );
  },
});
