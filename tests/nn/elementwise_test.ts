import assert from "node:assert/strict";
import { dtypesOf, freshSeed, noGpu, rng, testDevice, tolFor } from "../_helpers.ts";
import { Tensor } from "../../ops/_runtime/mod.ts";
import {
  add,
  div,
  elu,
  eluPlusOne,
  leakyRelu,
  mul,
  relu,
  reluPower,
  sigmoid,
  softplus,
} from "../../ops/nn/mod.ts";
import {
  activationGradRef,
  activationRef,
  binaryGradRef,
  binaryRef,
  type RefActivation,
  type RefBinary,
} from "../../ops/nn/reference.ts";
import { expectClose, randomPair, upload } from "./_nn_helpers.ts";

const device = (await testDevice())!;

const ACTIVATIONS = [
  ["elu", elu, {}],
  ["elu", eluPlusOne, { shift: 1 }],
  ["relu", relu, { shift: 1e-6 }],
  ["leaky_relu", leakyRelu, {}],
  ["leaky_relu", leakyRelu, { slope: 0.2 }],
  ["softplus", softplus, {}],
  ["sigmoid", sigmoid, {}],
] as const;

Deno.test({
  name: "activations forward and backward match the f64 reference",
  ignore: noGpu,
  fn: async () => {
    for (const dtype of dtypesOf(device)) {
      for (const [kind, op, opts] of ACTIVATIONS) {
        const seed = freshSeed(), random = rng(seed);
        const shape = [3, 37, 5];
        // scale 8 reaches softplus's threshold (x > 20) and exp's tails.
        const x = randomPair(device, shape, dtype, random, 8);
        const dy = randomPair(device, shape, dtype, random);
        const shift = "shift" in opts ? opts.shift : 0;
        const slope = "slope" in opts ? opts.slope : 0.01;
        const what = `${kind} ${JSON.stringify(opts)} seed ${seed}`;
        using v = op.vjp(x.t, opts);
        await expectClose(
          v.output,
          activationRef(kind as RefActivation, x.ref, shift, slope),
          what,
        );
        const { dx } = v.pullback(dy.t);
        await expectClose(
          dx,
          activationGradRef(kind as RefActivation, x.ref, dy.ref, slope),
          `d ${what}`,
        );
        for (const t of [x.t, dy.t, v.output, dx]) t.destroy();
      }
    }
  },
});

// [a shape, b shape]: same shapes, per-channel vector, Pola's [1, heads, 1, hd], both
// broadcast, a scalar exponent (Focused's q^f).
const SHAPES: [number[], number[]][] = [
  [[2, 33, 7], [2, 33, 7]],
  [[2, 33, 7], [7]],
  [[2, 3, 17, 5], [1, 3, 1, 5]],
  [[3, 1, 5], [1, 4, 1]],
  [[3, 50, 41], [1]], // 6150 elements summed into one: two chunks of the reduction
];

Deno.test({
  name: "broadcast binary ops forward and both gradients match the f64 reference",
  ignore: noGpu,
  fn: async () => {
    const ops = { add, mul, div, relu_pow: reluPower };
    for (const dtype of dtypesOf(device)) {
      for (const [kind, op] of Object.entries(ops) as [RefBinary, typeof add][]) {
        for (const [aShape, bShape] of SHAPES) {
          const seed = freshSeed(), random = rng(seed);
          const a = randomPair(device, aShape, dtype, random);
          // Divisors and exponents kept away from 0 (Pola's p = 1 + 4·sigmoid ∈ (1, 5)).
          const bPositive = kind === "div" || kind === "relu_pow";
          const b = bPositive
            ? upload(
              device,
              randomPair(device, bShape, "f32", random).ref.map((v) => 1.5 + Math.abs(v)),
              bShape,
              dtype,
            )
            : randomPair(device, bShape, dtype, random);
          const alpha = 1.5;
          const ref = binaryRef(kind, { data: a.ref, shape: aShape }, {
            data: b.ref,
            shape: bShape,
          }, alpha);
          const dy = randomPair(device, ref.shape, dtype, random);
          const what = `${kind} ${aShape} ⊗ ${bShape} seed ${seed}`;
          using v = op.vjp(a.t, b.t, { alpha });
          assert.deepEqual(v.output.shape, ref.shape);
          await expectClose(v.output, ref.data, what);
          const { da, db } = v.pullback(dy.t);
          const g = binaryGradRef(
            kind,
            { data: a.ref, shape: aShape },
            { data: b.ref, shape: bShape },
            dy.ref,
            alpha,
          );
          // A broadcast operand's gradient is a sum (6150 terms into one for the scalar): judged
          // against Σ|term|, since random-sign terms cancel and |Σ term| can be tiny.
          await expectClose(da, g.da, `da ${what}`, tolFor(dtype), g.daAbs);
          await expectClose(db, g.db, `db ${what}`, tolFor(dtype), g.dbAbs);
          for (const t of [a.t, b.t, dy.t, v.output, da, db]) t.destroy();
        }
      }
    }
  },
});

Deno.test({
  name: "elementwise blocks reject bad input by name",
  ignore: noGpu,
  fn: () => {
    using x = Tensor.fromArraySync(device, [1, 2, 3, 4, 5, 6], [2, 3]);
    using y = Tensor.fromArraySync(device, [1, 2], [2]);
    assert.throws(() => relu("x" as unknown as Tensor), /x must be a Tensor/);
    assert.throws(() => elu(x, { shift: NaN }), /options.shift/);
    assert.throws(
      () => mul(x, y),
      (e) => e instanceof RangeError && /do not broadcast/.test(e.message),
    );
    assert.throws(() => add(x, x, { alpha: Infinity }), /options.alpha/);
    if (device.features.has("shader-f16")) {
      using h = Tensor.fromArraySync(device, [1, 2, 3], [3], "f16");
      assert.throws(
        () => mul(x, h),
        (e) => e instanceof TypeError && /mixed dtypes/.test(e.message),
      );
    }
    const v = relu.vjp(x);
    using bad = Tensor.fromArraySync(device, [1, 2, 3], [3]);
    assert.throws(
      () => v.pullback(bad),
      (e) => e instanceof RangeError && /dy must have shape/.test(e.message),
    );
    v.dispose();
    v.output.destroy();
  },
});
