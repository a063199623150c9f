import assert from "node:assert/strict";
import { dtypesOf, freshSeed, noGpu, rng, testDevice } from "../_helpers.ts";
import { Tensor } from "../../ops/_runtime/mod.ts";
import { softmax } from "../../ops/nn/mod.ts";
import { softmaxRef } from "../../ops/nn/reference.ts";
import { expectClose, randomPair } from "./_nn_helpers.ts";

const device = (await testDevice())!;

Deno.test({
  name: "softmax along any axis, forward and backward, matches the f64 reference",
  ignore: noGpu,
  fn: async () => {
    for (const dtype of dtypesOf(device)) {
      // RALA's token softmax [B, heads, N, 1] along 2; last axis; a middle axis; one element.
      for (
        const [shape, axis] of [[[2, 3, 133, 1], 2], [[5, 77], -1], [[3, 9, 4], 1], [
          [4, 1],
          1,
        ]] as const
      ) {
        const seed = freshSeed(), random = rng(seed);
        const x = randomPair(device, [...shape], dtype, random, 4);
        const dy = randomPair(device, [...shape], dtype, random);
        const what = `softmax ${shape} axis ${axis} seed ${seed}`;
        const ax = axis < 0 ? axis + shape.length : axis;
        const ref = softmaxRef(x.ref, [...shape], ax, dy.ref);
        using v = softmax.vjp(x.t, { axis });
        await expectClose(v.output, ref.y, what);
        using dx = v.pullback(dy.t).dx;
        if (shape[ax] > 1) await expectClose(dx, ref.dx, `dx ${what}`);
        else assert.ok((await dx.read()).every((d) => d === 0), "dx is 0 along a length-1 axis");
        for (const t of [x.t, dy.t, v.output]) t.destroy();
      }
    }
  },
});

Deno.test({
  name: "softmax rejects a bad axis",
  ignore: noGpu,
  fn: () => {
    using x = Tensor.fromArraySync(device, new Float32Array(6), [2, 3]);
    assert.throws(() => softmax(x, { axis: 2 }), /options.axis must be an integer in \[-2, 1\]/);
    assert.throws(() => softmax(x, { axis: 0.5 }), RangeError);
  },
});
