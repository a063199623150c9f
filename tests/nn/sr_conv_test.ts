import assert from "node:assert/strict";
import { dtypesOf, freshSeed, noGpu, rng, testDevice } from "../_helpers.ts";
import { Tensor } from "../../ops/_runtime/mod.ts";
import { spatialReductionConv } from "../../ops/nn/mod.ts";
import { spatialReductionConvRef } from "../../ops/nn/reference.ts";
import { expectClose, randomPair } from "./_nn_helpers.ts";

const device = (await testDevice())!;

Deno.test({
  name: "spatialReductionConv forward and backward (dx, dweight, dbias) match the f64 reference",
  ignore: noGpu,
  fn: async () => {
    for (const dtype of dtypesOf(device)) {
      // [B, H, W, C, sr]: odd non-square image (uncovered last row/column), exact fit, sr 1.
      for (const [B, H, W, C, sr] of [[2, 7, 5, 6, 2], [1, 6, 9, 5, 3], [1, 3, 4, 3, 1]]) {
        const seed = freshSeed(), random = rng(seed);
        const x = randomPair(device, [B, H * W, C], dtype, random);
        const w = randomPair(device, [C, C, sr, sr], dtype, random, 0.3);
        const b = randomPair(device, [C], dtype, random);
        const ho = Math.floor(H / sr), wo = Math.floor(W / sr);
        const dy = randomPair(device, [B, ho * wo, C], dtype, random);
        const ref = spatialReductionConvRef(x.ref, [B, H, W, C], w.ref, b.ref, sr, dy.ref);
        const what = `SR ${[B, H, W, C, sr]} seed ${seed}`;
        using v = spatialReductionConv.vjp(x.t, w.t, b.t, { height: H, width: W, ratio: sr });
        assert.deepEqual(v.output.shape, [B, ho * wo, C]);
        await expectClose(v.output, ref.y, what);
        const { dx, dweight, dbias } = v.pullback(dy.t);
        assert.deepEqual(dweight.shape, [C, C, sr, sr]);
        await expectClose(dx, ref.dx, `dx ${what}`);
        await expectClose(dweight, ref.dw, `dweight ${what}`);
        await expectClose(dbias, ref.db, `dbias ${what}`);
        for (const t of [x.t, w.t, b.t, dy.t, v.output, dx, dweight, dbias]) t.destroy();
      }
    }
  },
});

Deno.test({
  name: "spatialReductionConv rejects bad input by name",
  ignore: noGpu,
  fn: () => {
    using x = Tensor.fromArraySync(device, new Float32Array(12 * 3), [1, 12, 3]);
    using w = Tensor.fromArraySync(device, new Float32Array(3 * 3 * 4), [3, 3, 2, 2]);
    using b = Tensor.fromArraySync(device, new Float32Array(3), [3]);
    assert.throws(
      () => spatialReductionConv(x, w, b, { height: 3, width: 4, ratio: 3 }),
      /weight must have shape \[3, 3, 3, 3\]/,
    );
    assert.throws(
      () => spatialReductionConv(x, w, b, { height: 3, width: 4, ratio: 0 }),
      /options.ratio/,
    );
    assert.throws(
      () => spatialReductionConv(x, w, b, { height: 2, width: 4, ratio: 2 }),
      /token count/,
    );
    assert.throws(
      () => spatialReductionConv(x, w, b, { height: 1, width: 12, ratio: 2 }),
      /must not exceed/,
    );
  },
});
