import assert from "node:assert/strict";
import { dtypesOf, freshSeed, noGpu, rng, testDevice } from "../_helpers.ts";
import { Tensor } from "../../ops/_runtime/mod.ts";
import { rope2d, rope2dRotations, rope2dRotationsData } from "../../ops/nn/mod.ts";
import { rope2dRef } from "../../ops/nn/reference.ts";
import { expectClose, randomPair } from "./_nn_helpers.ts";

const device = (await testDevice())!;

Deno.test("rope2d table: f32 angles, rows on the first F/4 pairs, columns on the rest", () => {
  const [H, W, F] = [3, 5, 8];
  const t = rope2dRotationsData(H, W, F);
  const at = (
    r: number,
    c: number,
    p: number,
  ) => [t[((r * W + c) * 4 + p) * 2], t[((r * W + c) * 4 + p) * 2 + 1]];
  assert.deepEqual(at(0, 0, 0), [1, 0]);
  // θ_0 = 1, θ_1 = 10000^{-1/2} = 0.01 (k_max = 2): pair 1 at row 2 turns by 0.02 rad.
  assert.deepEqual(at(2, 4, 0), [Math.fround(Math.cos(2)), Math.fround(Math.sin(2))]);
  assert.deepEqual(at(2, 4, 1), [
    Math.fround(Math.cos(Math.fround(0.02))),
    Math.fround(Math.sin(Math.fround(0.02))),
  ]);
  assert.deepEqual(at(2, 4, 2), [Math.fround(Math.cos(4)), Math.fround(Math.sin(4))]);
  assert.deepEqual(at(2, 0, 3), [1, 0]);
  assert.throws(() => rope2dRotationsData(H, W, 6), /multiple of 4/);
});

Deno.test({
  name: "rope2d in both layouts, forward and backward, matches the f64 reference",
  ignore: noGpu,
  fn: async () => {
    const [H, W] = [3, 5];
    for (const dtype of dtypesOf(device)) {
      // [x shape, F]: MLLA full C; RALA per head on tokens and on the head layout.
      for (
        const [shape, F] of [[[2, H * W, 12], 12], [[2, H * W, 12], 4], [
          [2, 3, H * W, 8],
          8,
        ]] as const
      ) {
        const seed = freshSeed(), random = rng(seed);
        const x = randomPair(device, [...shape], dtype, random);
        const dy = randomPair(device, [...shape], dtype, random);
        using rot = rope2dRotations(device, H, W, F);
        const table = rope2dRotationsData(H, W, F);
        const L = shape[shape.length - 1], what = `rope ${shape} F ${F} seed ${seed}`;
        using v = rope2d.vjp(x.t, rot);
        const y = rope2dRef(x.ref, L, H * W, table, F);
        await expectClose(v.output, y, what);
        using dx = v.pullback(dy.t).dx;
        await expectClose(dx, rope2dRef(dy.ref, L, H * W, table, F, true), `dx ${what}`);
        // A rotation keeps each pair's norm (docs/math.md §10).
        const out = await v.output.read();
        for (let e = 0; e < 8; e += 2) {
          assert.ok(
            Math.abs(Math.hypot(out[e], out[e + 1]) - Math.hypot(x.ref[e], x.ref[e + 1])) < 1e-2,
          );
        }
        for (const t of [x.t, dy.t, v.output]) t.destroy();
      }
    }
  },
});

Deno.test({
  name: "rope2d rejects bad input by name",
  ignore: noGpu,
  fn: () => {
    using x = Tensor.fromArraySync(device, new Float32Array(15 * 12), [1, 15, 12]);
    using rot = rope2dRotations(device, 3, 4, 12);
    using rot8 = rope2dRotations(device, 3, 5, 8);
    using bad = Tensor.fromArraySync(device, new Float32Array(15 * 12), [3, 5, 12]);
    assert.throws(() => rope2d(x, rot), /H·W = 12/);
    assert.throws(() => rope2d(x, rot8), /multiple of F = 8/);
    assert.throws(() => rope2d(x, bad), /rotations must have shape \[H, W, F\/2, 2\]/);
  },
});
