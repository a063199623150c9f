import assert from "node:assert/strict";
import { dtypesOf, freshSeed, noGpu, rng, testDevice } from "../_helpers.ts";
import { Tensor } from "../../ops/_runtime/mod.ts";
import { depthwiseConv2d } from "../../ops/nn/mod.ts";
import { depthwiseConv2dGradRef, depthwiseConv2dRef } from "../../ops/nn/reference.ts";
import { expectClose, randomPair } from "./_nn_helpers.ts";

const device = (await testDevice())!;

// [B, H, W, C, cw, k]: MLLA lepe (k 3), RALA lepe (k 5), Focused/Pola dwc shared by heads
// (cw = hd), non-square images, a kernel larger than the image, a long reduction.
const CASES = [
  [2, 5, 7, 6, 6, 3],
  [1, 6, 4, 5, 5, 5],
  [2, 7, 3, 12, 4, 5],
  [1, 2, 3, 3, 3, 7],
  [2, 33, 31, 8, 2, 3], // 2046 tokens: 8 chunks of the parameter gradient, 4 channels a weight
];

Deno.test({
  name: "depthwiseConv2d forward and backward (dx, dweight, dbias) match the f64 reference",
  ignore: noGpu,
  fn: async () => {
    for (const dtype of dtypesOf(device)) {
      for (const [B, H, W, C, cw, k] of CASES) {
        const seed = freshSeed(), random = rng(seed);
        const x = randomPair(device, [B, H * W, C], dtype, random);
        const w = randomPair(device, [cw, 1, k, k], dtype, random, 0.3);
        const b = randomPair(device, [cw], dtype, random);
        const dy = randomPair(device, [B, H * W, C], dtype, random);
        const what = `dwconv ${[B, H, W, C, cw, k]} seed ${seed}`;
        using v = depthwiseConv2d.vjp(x.t, w.t, b.t, { height: H, width: W });
        await expectClose(v.output, depthwiseConv2dRef(x.ref, [B, H, W, C], w.ref, b.ref, k), what);
        const { dx, dweight, dbias } = v.pullback(dy.t);
        const g = depthwiseConv2dGradRef(x.ref, [B, H, W, C], w.ref, cw, k, dy.ref);
        assert.deepEqual(dweight.shape, [cw, 1, k, k]);
        await expectClose(dx, g.dx, `dx ${what}`);
        await expectClose(dweight, g.dw, `dweight ${what}`);
        // dbias sums B·H·W·C/cw random terms per weight channel: a sum that cancels to a small
        // value (it happens: −2.03 from 8184 terms) has a relative error far above its terms'
        // rounding, so its error is measured against the terms' norm √Σdy², the scale of such a sum.
        const dbScale = new Float64Array(cw);
        dy.ref.forEach((d, i) => dbScale[(i % C) % cw] += d * d);
        await expectClose(dbias, g.db, `dbias ${what}`, undefined, dbScale.map(Math.sqrt));
        for (const t of [x.t, w.t, b.t, dy.t, v.output, dx, dweight, dbias]) t.destroy();
      }
    }
  },
});

Deno.test({
  name: "depthwiseConv2d rejects bad input by name",
  ignore: noGpu,
  fn: () => {
    using x = Tensor.fromArraySync(device, new Float32Array(2 * 6 * 4), [2, 6, 4]);
    using w = Tensor.fromArraySync(device, new Float32Array(4 * 9), [4, 1, 3, 3]);
    using w3 = Tensor.fromArraySync(device, new Float32Array(3 * 9), [3, 1, 3, 3]);
    using wEven = Tensor.fromArraySync(device, new Float32Array(4 * 4), [4, 1, 2, 2]);
    using b = Tensor.fromArraySync(device, new Float32Array(4), [4]);
    const size = { height: 2, width: 3 };
    assert.throws(
      () => depthwiseConv2d(x, w, b, { height: 2, width: 2 }),
      /height · options.width \(2·2\)/,
    );
    assert.throws(() => depthwiseConv2d(x, w, b, { height: 2 } as typeof size), /options.width/);
    assert.throws(() => depthwiseConv2d(x, w3, b, size), /weight must have shape \[cw, 1, k, k\]/);
    assert.throws(() => depthwiseConv2d(x, wEven, b, size), /odd k/);
    assert.throws(() => depthwiseConv2d(x, w, w, size), /bias must have shape \[4\]/);
  },
});
