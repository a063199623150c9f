import assert from "node:assert/strict";
import { dtypesOf, freshSeed, noGpu, rng, testDevice } from "../_helpers.ts";
import { Tensor } from "../../ops/_runtime/mod.ts";
import { layerNorm } from "../../ops/nn/mod.ts";
import { layerNormGradRef, layerNormRef } from "../../ops/nn/reference.ts";
import { expectClose, randomPair } from "./_nn_helpers.ts";

const device = (await testDevice())!;

Deno.test({
  name: "layerNorm forward and backward (dx, dweight, dbias) match the f64 reference",
  ignore: noGpu,
  fn: async () => {
    for (const dtype of dtypesOf(device)) {
      // C = 1 (x̂ = 0), odd C below and above the workgroup width, rank 2 and 3, more rows
      // than one chunk of the weight/bias reduction (600 rows: 3 chunks of 256, the last
      // partial), C over one workgroup of channels (131: three, the last partial). (It was
      // [4133, 3]: with 3 features some of 4133 random rows are nearly constant, and f32 dx of
      // such a row is ill-conditioned: 4 of 150 seeds over 1e-5, up to 2.7e-5; [600, 8]: ≤ 1e-7.)
      for (const shape of [[5, 1], [3, 37, 7], [2, 13, 131], [600, 8]]) {
        const seed = freshSeed(), random = rng(seed);
        const c = shape[shape.length - 1];
        const x = randomPair(device, shape, dtype, random, 2, 0.5);
        const w = randomPair(device, [c], dtype, random);
        const b = randomPair(device, [c], dtype, random);
        const dy = randomPair(device, shape, dtype, random);
        const what = `layerNorm ${shape} seed ${seed}`;
        using v = layerNorm.vjp(x.t, w.t, b.t);
        await expectClose(v.output, layerNormRef(x.ref, w.ref, b.ref), what);
        const { dx, dweight, dbias } = v.pullback(dy.t);
        const g = layerNormGradRef(x.ref, w.ref, dy.ref);
        if (c > 1) await expectClose(dx, g.dx, `dx ${what}`);
        else assert.ok((await dx.read()).every((d) => d === 0), "dx is 0 when C = 1");
        await expectClose(dweight, g.dw, `dweight ${what}`);
        await expectClose(dbias, g.db, `dbias ${what}`);
        for (const t of [x.t, w.t, b.t, dy.t, v.output, dx, dweight, dbias]) t.destroy();
      }
    }
  },
});

Deno.test({
  name: "layerNorm eps option and bad input",
  ignore: noGpu,
  fn: async () => {
    const seed = freshSeed(), random = rng(seed);
    const x = randomPair(device, [4, 9], "f32", random, 0.01);
    const w = randomPair(device, [9], "f32", random);
    const b = randomPair(device, [9], "f32", random);
    using y = layerNorm(x.t, w.t, b.t, { eps: 1 });
    await expectClose(y, layerNormRef(x.ref, w.ref, b.ref, 1), `eps 1 seed ${seed}`);
    assert.throws(() => layerNorm(x.t, b.t, b.t, { eps: -1 }), /options.eps must be ≥ 0/);
    using w8 = Tensor.fromArraySync(device, new Float32Array(8), [8]);
    assert.throws(
      () => layerNorm(x.t, w8, b.t),
      (e) => e instanceof RangeError && /weight must have shape \[9\]/.test(e.message),
    );
    assert.throws(
      () => layerNorm(x.t, w.t, undefined as unknown as Tensor),
      /bias must be a Tensor/,
    );
    for (const t of [x.t, w.t, b.t]) t.destroy();
  },
});
