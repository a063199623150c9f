import assert from "node:assert/strict";
import { dtypesOf, freshSeed, noGpu, rng, testDevice } from "../_helpers.ts";
import { mean, sum } from "../../ops/nn/reduce.ts";
import { addScalar, broadcastTo, scale, transpose } from "../../ops/nn/elementwise.ts";
import { reduceReference } from "../../ops/nn/reference.ts";
import { expectClose, randomPair } from "./_nn_helpers.ts";

const device = (await testDevice())!;

const reductions: [number[], number | [number, number]][] = [
  [[3, 1000, 5], 1], // long axis, narrow inner
  [[7, 67], -1], // row sums (inner = 1)
  [[2, 3, 37, 17], [0, 1]], // leading run (the batch sum of a broadcast gradient), short
  [[5, 33, 2], [1, 2]],
  // Few workgroups, long sums: n summed in runs of ≥ 256 (a bias gradient; a long row sum).
  [[600, 40], 0],
  [[2, 1300], -1],
  // Short axes (≤ 64): one invocation per output (RALA's row sums of its features).
  [[300, 33], -1],
  [[3, 20, 70], 1],
];

for (const dtype of noGpu ? [] : dtypesOf(device)) {
  for (const [shape, axis] of reductions) {
    for (const isMean of [false, true]) {
      Deno.test(`${isMean ? "mean" : "sum"} ${dtype} [${shape}] axis ${axis}: fwd + bwd`, async () => {
        const seed = freshSeed(), random = rng(seed);
        const x = randomPair(device, shape, dtype, random);
        const rank = shape.length;
        const [lo, hi] = (typeof axis === "number" ? [axis, axis] : axis).map((a) =>
          a < 0 ? a + rank : a
        );
        const ref = reduceReference({ data: x.ref, shape }, lo, hi, isMean);
        using vjp = (isMean ? mean : sum).vjp(x.t, { axis });
        using y = vjp.output;
        assert.deepEqual(y.shape, ref.shape);
        await expectClose(y, ref.data, `y (seed ${seed})`);
        const dy = randomPair(device, ref.shape, dtype, random);
        using dx = vjp.pullback(dy.t).dx;
        // d/dx of Σ y·dy: dy (÷ n for a mean) spread over the reduced axes.
        const n = shape.slice(lo, hi + 1).reduce((p, d) => p * d, 1);
        const inner = shape.slice(hi + 1).reduce((p, d) => p * d, 1);
        const expected = x.ref.map((_, i) =>
          dy.ref[Math.floor(i / (n * inner)) * inner + (i % inner)] / (isMean ? n : 1)
        );
        await expectClose(dx, expected, `dx (seed ${seed})`);
        x.t.destroy();
        dy.t.destroy();
      });
    }
  }

  Deno.test(`scale, addScalar, transpose, broadcastTo ${dtype}: values and vjps`, async () => {
    const seed = freshSeed(), random = rng(seed);
    const shape = [3, 5, 7];
    const x = randomPair(device, shape, dtype, random);
    using s = scale(x.t, -0.75);
    await expectClose(s, x.ref.map((v) => -0.75 * v), "scale");
    using a = addScalar(x.t, 1.5);
    await expectClose(a, x.ref.map((v) => v + 1.5), "addScalar");
    using tv = transpose.vjp(x.t, [2, 0, 1]);
    using t = tv.output;
    assert.deepEqual(t.shape, [7, 3, 5]);
    const tRef = new Float64Array(x.ref.length);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 5; j++) {
        for (let k = 0; k < 7; k++) tRef[(k * 3 + i) * 5 + j] = x.ref[(i * 5 + j) * 7 + k];
      }
    }
    await expectClose(t, tRef, "transpose");
    using back = tv.pullback(t).dx;
    await expectClose(back, x.ref, "transpose pullback (inverse permutation)");
    using b = broadcastTo(x.t, [3, 1, 5, 7], [3, 4, 5, 7]);
    const bRef = new Float64Array(3 * 4 * 35).map((_, i) =>
      x.ref[Math.floor(i / 140) * 35 + (i % 35)]
    );
    await expectClose(b, bRef, "broadcastTo");
    using sv = scale.vjp(x.t, 3);
    using ds = sv.pullback(x.t).dx;
    await expectClose(ds, x.ref.map((v) => 3 * v), "scale pullback");
    assert.throws(() => transpose(x.t, [0, 0, 1]), RangeError);
    assert.throws(() => broadcastTo(x.t, [3, 2, 5, 7], [3, 4, 5, 7]), RangeError);
    assert.throws(() => scale(x.t, NaN), { name: "RangeError", message: /factor/ });
    assert.throws(() => sum(x.t, { axis: 3 }), { name: "RangeError", message: /axis/ });
    assert.throws(() => mean("x" as never), { name: "TypeError", message: /x must be a Tensor/ });
    x.t.destroy();
  });
}
