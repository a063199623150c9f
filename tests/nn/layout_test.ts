import assert from "node:assert/strict";
import { dtypesOf, freshSeed, noGpu, rng, testDevice } from "../_helpers.ts";
import { Tensor } from "../../ops/_runtime/mod.ts";
import {
  chunkSizes,
  concatFeatures,
  mergeHeads,
  splitFeatures,
  splitHeads,
} from "../../ops/nn/mod.ts";
import { mergeHeadsRef, splitHeadsRef } from "../../ops/nn/reference.ts";
import { simplifyDims } from "../../shaders/nn/common.ts";
import { expectClose, randomPair } from "./_nn_helpers.ts";

const device = (await testDevice())!;

Deno.test({
  name: "head split/merge and their gradients are the inverse permutations",
  ignore: noGpu,
  fn: async () => {
    for (const dtype of dtypesOf(device)) {
      const seed = freshSeed(), random = rng(seed);
      const [B, N, heads, hd] = [2, 37, 3, 5];
      const x = randomPair(device, [B, N, heads * hd], dtype, random);
      const dy = randomPair(device, [B, heads, N, hd], dtype, random);
      using v = splitHeads.vjp(x.t, heads);
      assert.deepEqual(v.output.shape, [B, heads, N, hd]);
      await expectClose(
        v.output,
        splitHeadsRef(x.ref, [B, N, heads * hd], heads),
        `split ${seed}`,
        0,
      );
      using dx = v.pullback(dy.t).dx;
      await expectClose(dx, mergeHeadsRef(dy.ref, [B, heads, N, hd]), `d split ${seed}`, 0);
      using m = mergeHeads.vjp(dy.t);
      await expectClose(m.output, mergeHeadsRef(dy.ref, [B, heads, N, hd]), `merge ${seed}`, 0);
      using dm = m.pullback(x.t).dx;
      await expectClose(dm, splitHeadsRef(x.ref, [B, N, heads * hd], heads), `d merge ${seed}`, 0);
      for (const t of [x.t, dy.t, v.output, m.output]) t.destroy();
    }
  },
});

Deno.test({
  name: "feature split (chunk sizes) and concat, forward and gradients",
  ignore: noGpu,
  fn: async () => {
    assert.deepEqual(chunkSizes(7, 2), [4, 3]);
    assert.deepEqual(chunkSizes(8, 2), [4, 4]);
    assert.deepEqual(chunkSizes(1, 2), [1]);
    for (const dtype of dtypesOf(device)) {
      const seed = freshSeed(), random = rng(seed);
      const [rows, m] = [2 * 31, 13];
      const sizes = [...chunkSizes(9, 2), 4]; // 5, 4, 4
      const x = randomPair(device, [2, 31, m], dtype, random);
      using v = splitFeatures.vjp(x.t, sizes);
      let start = 0;
      for (const [i, part] of v.output.entries()) {
        assert.deepEqual(part.shape, [2, 31, sizes[i]]);
        const ref = new Float64Array(rows * sizes[i]);
        for (let r = 0; r < rows; r++) {
          for (let c = 0; c < sizes[i]; c++) ref[r * sizes[i] + c] = x.ref[r * m + start + c];
        }
        await expectClose(part, ref, `part ${i} seed ${seed}`, 0);
        start += sizes[i];
      }
      using dx = v.pullback(v.output).dx;
      await expectClose(dx, x.ref, `split grad = concat, seed ${seed}`, 0);
      using c = concatFeatures.vjp(v.output);
      await expectClose(c.output, x.ref, `concat seed ${seed}`, 0);
      const { dxs } = c.pullback(x.t);
      for (const [i, d] of dxs.entries()) {
        assert.deepEqual(await d.read(), await v.output[i].read());
      }
      for (const t of [x.t, c.output, ...v.output, ...dxs]) t.destroy();
    }
  },
});

Deno.test({
  name: "layout blocks reject bad input by name",
  ignore: noGpu,
  fn: () => {
    using x = Tensor.fromArraySync(device, new Float32Array(2 * 3 * 6), [2, 3, 6]);
    using y = Tensor.fromArraySync(device, new Float32Array(2 * 4 * 1), [2, 4, 1]);
    assert.throws(
      () => splitHeads(x, 4),
      (e) => e instanceof RangeError && /heads \(4\)/.test(e.message),
    );
    assert.throws(() => splitHeads(x, 0), /heads must be an integer/);
    assert.throws(() => mergeHeads(x), /x must have rank 4/);
    assert.throws(() => splitFeatures(x, [2, 2]), /sizes \[2, 2\] sum to 4/);
    assert.throws(() => concatFeatures([x, y]), /xs\[1\] \[2, 4, 1\] must match/);
    assert.throws(() => concatFeatures([]), TypeError);
  },
});

Deno.test("simplifyDims: size-1 dims dropped, dims contiguous in every view merged", () => {
  // splitHeads of [1, 5, 2·3]: the copy shape [1, 2, 5, 3]; only the batch dim goes.
  assert.deepEqual(simplifyDims([1, 2, 5, 3], [[30, 3, 6, 1], [30, 15, 3, 1]]), {
    shape: [2, 5, 3],
    strides: [[3, 6, 1], [15, 3, 1]],
  });
  // Same-shape operands: one dim; a broadcast (stride 0) merges with a neighbouring broadcast.
  assert.deepEqual(simplifyDims([2, 3, 4], [[12, 4, 1], [12, 4, 1]]), {
    shape: [24],
    strides: [[1], [1]],
  });
  assert.deepEqual(simplifyDims([2, 3, 4], [[0, 0, 1], [12, 4, 1]]), {
    shape: [6, 4],
    strides: [[0, 1], [4, 1]],
  });
  assert.deepEqual(simplifyDims([1, 1], [[1, 1]]), { shape: [1], strides: [[0]] });
});
