import assert from "node:assert/strict";
import { dtypesOf, freshSeed, noGpu, rng, testDevice } from "../_helpers.ts";
import { Tensor } from "../../ops/_runtime/mod.ts";
import { interpolateTokens } from "../../ops/nn/mod.ts";
import { interpolateTokensRef } from "../../ops/nn/reference.ts";
import { expectClose, randomPair } from "./_nn_helpers.ts";

const device = (await testDevice())!;

Deno.test({
  name: "interpolateTokens (up, down, same, from 1) forward and backward match the f64 reference",
  ignore: noGpu,
  fn: async () => {
    for (const dtype of dtypesOf(device)) {
      // [shape, size]: Focused sr 2 (n = ⌊7/2⌋·⌊9/2⌋ = 12 → 63), odd ratios, downsampling,
      // head layout, a single source token.
      for (
        const [shape, size] of [[[2, 12, 5], 63], [[3, 7, 4], 50], [[2, 3, 17, 3], 5], [
          [1, 9, 2],
          9,
        ], [[2, 1, 3], 7]] as const
      ) {
        const seed = freshSeed(), random = rng(seed);
        const x = randomPair(device, [...shape], dtype, random);
        const outShape = [...shape.slice(0, -2), size, shape[shape.length - 1]];
        const dy = randomPair(device, outShape, dtype, random);
        const [n, c] = shape.slice(-2);
        const ref = interpolateTokensRef(x.ref, [x.ref.length / (n * c), n, c], size, dy.ref);
        const what = `interp ${shape} → ${size} seed ${seed}`;
        using v = interpolateTokens.vjp(x.t, size);
        assert.deepEqual(v.output.shape, outShape);
        await expectClose(v.output, ref.y, what);
        using dx = v.pullback(dy.t).dx;
        await expectClose(dx, ref.dx, `dx ${what}`);
        for (const t of [x.t, dy.t, v.output]) t.destroy();
      }
    }
  },
});

Deno.test({
  name: "interpolateTokens rejects bad input",
  ignore: noGpu,
  fn: () => {
    using x = Tensor.fromArraySync(device, new Float32Array(6), [6]);
    using y = Tensor.fromArraySync(device, new Float32Array(6), [1, 2, 3]);
    assert.throws(() => interpolateTokens(x, 4), /x must have shape \[..., n, C\]/);
    assert.throws(() => interpolateTokens(y, 0), /size must be an integer ≥ 1/);
  },
});
