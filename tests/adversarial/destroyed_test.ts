/**
 * Pullbacks whose saved inputs were destroyed (and the destruction submitted) throw a
 * TypeError naming the input, before recording any kernel: work recorded with them still runs
 * (issue 14, items 2 and 7).
 */
import assert from "node:assert/strict";
import { noGpu, testDevice } from "../_helpers.ts";
import { counting } from "./_tensors.ts";
import * as nn from "../../ops/nn/mod.ts";
import { scaledDotProductAttention } from "../../ops/sdpa/mod.ts";
import { linearAttention } from "../../ops/linear_attention/mod.ts";
import { naiveLinearAttention } from "../../ops/linear_attention/naive.ts";
import { piecewiseSparseAttention } from "../../ops/piecewise_attention/mod.ts";
import { flush, type Tensor } from "../../ops/_runtime/mod.ts";
import { MambaLikeLinearAttention } from "../../layers/mod.ts";

const device = (await testDevice())!;

interface Case {
  what: string;
  /** Makes the vjp and returns the tensor to destroy. */
  make: () => { vjp: { output: Tensor; pullback(dy: Tensor): unknown }; victim: Tensor };
  message: RegExp;
}

const t = (shape: number[]) => counting(device, shape);
const image = { height: 2, width: 3 };

const CASES: Case[] = [
  ...(["relu", "elu", "sigmoid", "softplus"] as const).map((op): Case => ({
    what: op,
    make: () => {
      const x = t([2, 3]);
      return { vjp: nn[op].vjp(x), victim: x };
    },
    message: /pullback: x was destroyed/,
  })),
  ...(["a", "b"] as const).map((name): Case => ({
    what: `mul (${name})`,
    make: () => {
      const a = t([2, 3]), b = t([3]);
      return { vjp: nn.mul.vjp(a, b), victim: name === "a" ? a : b };
    },
    message: new RegExp(`pullback: ${name} was destroyed`),
  })),
  ...(["x", "weight"] as const).map((name): Case => ({
    what: `layerNorm (${name})`,
    make: () => {
      const x = t([2, 3]), w = t([3]), b = t([3]);
      return { vjp: nn.layerNorm.vjp(x, w, b), victim: name === "x" ? x : w };
    },
    message: new RegExp(`pullback: ${name} was destroyed`),
  })),
  ...(["x", "weight"] as const).map((name): Case => ({
    what: `depthwiseConv2d (${name})`,
    make: () => {
      const x = t([1, 6, 2]), w = t([2, 1, 3, 3]), b = t([2]);
      return { vjp: nn.depthwiseConv2d.vjp(x, w, b, image), victim: name === "x" ? x : w };
    },
    message: new RegExp(`pullback: ${name} was destroyed`),
  })),
  ...(["x", "weight"] as const).map((name): Case => ({
    what: `linear (${name})`,
    make: () => {
      const x = t([2, 4]), w = t([3, 4]);
      return { vjp: nn.linear.vjp(x, w), victim: name === "x" ? x : w };
    },
    message: new RegExp(`pullback: ${name} was destroyed`),
  })),
  {
    what: "matmul (b)",
    make: () => {
      const a = t([2, 4]), b = t([4, 3]);
      return { vjp: nn.matmul.vjp(a, b), victim: b };
    },
    message: /pullback: b was destroyed/,
  },
  {
    what: "softmax (its output)",
    make: () => {
      const vjp = nn.softmax.vjp(t([2, 3]));
      return { vjp, victim: vjp.output };
    },
    message: /pullback: output was destroyed/,
  },
  {
    what: "rope2d (rotations)",
    make: () => {
      const rotations = nn.rope2dRotations(device, 2, 3, 4);
      return { vjp: nn.rope2d.vjp(t([1, 6, 4]), rotations), victim: rotations };
    },
    message: /pullback: rotations was destroyed/,
  },
  {
    what: "scaledDotProductAttention (q)",
    make: () => {
      const q = t([1, 1, 3, 2]);
      return { vjp: scaledDotProductAttention.vjp(q, t([1, 1, 4, 2]), t([1, 1, 4, 2])), victim: q };
    },
    message: /q was destroyed/,
  },
  {
    what: "linearAttention (v)",
    make: () => {
      const v = t([1, 1, 4, 2]);
      return { vjp: linearAttention.vjp(t([1, 1, 3, 2]), t([1, 1, 4, 2]), v), victim: v };
    },
    message: /v was destroyed/,
  },
  {
    what: "naiveLinearAttention (k)",
    make: () => {
      const k = t([1, 1, 4, 2]);
      return { vjp: naiveLinearAttention.vjp(t([1, 1, 3, 2]), k, t([1, 1, 4, 2])), victim: k };
    },
    message: /k was destroyed/,
  },
  {
    what: "piecewiseSparseAttention (k)",
    make: () => {
      const k = t([1, 1, 20, 4]);
      const vjp = piecewiseSparseAttention.vjp(t([1, 1, 20, 4]), k, t([1, 1, 20, 4]), {
        blockSize: 16,
      });
      return { vjp, victim: k };
    },
    message: /k was destroyed/,
  },
];

/**
 * Destroys the victim, submits, records an unrelated op, then expects the pullback to throw
 * `message`; the unrelated op must still read right (nothing was recorded on a dead buffer).
 */
async function expectRefusal(
  what: string,
  pullback: () => unknown,
  victim: Tensor,
  message: RegExp,
): Promise<void> {
  victim.destroy();
  flush(device);
  using bystander = counting(device, [3]);
  using doubled = nn.scale(bystander, 2);
  assert.throws(pullback, (e: Error) => {
    assert.ok(e instanceof TypeError, `${what}: ${e}`);
    assert.match(e.message, message, what);
    return true;
  });
  assert.deepEqual([...await doubled.read()], [2, 4, 6], `${what}: the bystander op`);
}

for (const c of CASES) {
  Deno.test({
    name: `pullback after its input was destroyed: ${c.what}`,
    ignore: noGpu,
    fn: async () => {
      const { vjp, victim } = c.make();
      using dy = counting(device, [...vjp.output.shape]);
      await expectRefusal(c.what, () => vjp.pullback(dy), victim, c.message);
    },
  });
}

Deno.test({
  name: "layer pullbacks name x, or the parameter freed by dispose()/loadStateDict()",
  ignore: noGpu,
  fn: async () => {
    const options = { dim: 8, numHeads: 2, inputResolution: [2, 3] as [number, number], device };
    const hw = { height: 2, width: 3 };
    {
      using layer = new MambaLikeLinearAttention(options);
      const x = t([1, 6, 8]);
      using vjp = layer.vjp(x, hw);
      using dy = counting(device, [1, 6, 8]);
      await expectRefusal("MLLA x", () => vjp.pullback(dy), x, /^x was destroyed/);
    }
    for (const how of ["dispose", "loadStateDict"] as const) {
      const layer = new MambaLikeLinearAttention(options);
      using x = t([1, 6, 8]);
      using vjp = layer.vjp(x, hw);
      using dy = counting(device, [1, 6, 8]);
      const state = await layer.stateDict();
      const freeParameters = () => {
        if (how === "dispose") layer.dispose();
        else layer.loadStateDict(state);
      };
      // expectRefusal destroys its victim itself: hand it a spare and free the parameters here.
      freeParameters();
      await expectRefusal(
        `MLLA after ${how}`,
        () => vjp.pullback(dy),
        counting(device, [1]),
        /^parameter "(qk|lepe)\.weight" \(freed by dispose\(\) or loadStateDict\(\)\) was destroyed/,
      );
      layer.dispose();
    }
  },
});
