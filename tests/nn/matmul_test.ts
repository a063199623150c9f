import assert from "node:assert/strict";
import { assertClose, dtypesOf, freshSeed, noGpu, rng, testDevice, tolFor } from "../_helpers.ts";
import { linear, matmul } from "../../ops/nn/matmul.ts";
import {
  MATMUL_TILE_LARGE_F16,
  MATMUL_TILE_TRANSPOSED_A,
  recordMatmul,
} from "../../ops/nn/_matmul_launch.ts";
import { MATMUL_TILE } from "../../shaders/nn/matmul.ts";
import { type Array64, matmulBackwardReference, matmulReference } from "../../ops/nn/reference.ts";
import { type DType, Tensor } from "../../ops/_runtime/mod.ts";
import { randomPair } from "./_nn_helpers.ts";

/** A random GPU tensor, and its exact values as a reference array. */
function random64(shape: number[], dtype: DType, random: () => number): [Tensor, Array64] {
  const { t, ref } = randomPair(device, shape, dtype, random);
  return [t, { data: ref, shape }];
}

const device = (await testDevice())!;
const dtypes = dtypesOf(device);

/** Shapes of a and b for batch dims, M, K, N and the transposes. */
function shapes(
  batchA: number[],
  batchB: number[],
  m: number,
  k: number,
  n: number,
  tA: boolean,
  tB: boolean,
) {
  return {
    a: [...batchA, ...(tA ? [k, m] : [m, k])],
    b: [...batchB, ...(tB ? [n, k] : [k, n])],
  };
}

const cases: [string, number[], number[], number, number, number][] = [
  ["batched", [2, 3], [2, 3], 37, 19, 45],
  ["2-D b broadcast", [3], [], 70, 33, 5],
  ["2-D a broadcast", [], [2, 2], 9, 66, 17],
  ["plain 2-D, K = 1", [], [], 65, 1, 3],
  // Rows a multiple of 4: 16-byte loads and stores (K = 44: the last staged step half past K).
  ["16-byte rows, K = 44", [2], [2], 68, 44, 36],
  ["16-byte rows, 3 × 2 tiles, long K", [], [], 132, 200, 72],
  // Only M a multiple of 4: 16-byte loads of A where it is stored [K, M], scalar elsewhere.
  ["M a multiple of 4 only", [3], [], 12, 30, 18],
  // 2 × 150 rows against a 2-D b: with transposeB, b is copied into [K, N] order first.
  ["2-D b broadcast, 300 rows", [2], [], 150, 20, 12],
];

for (const dtype of dtypes) {
  for (const [label, batchA, batchB, m, k, n] of cases) {
    for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]]) {
      Deno.test({
        name: `matmul ${dtype} ${label} M${m} K${k} N${n} tA=${tA} tB=${tB}: fwd + bwd`,
        ignore: noGpu,
        fn: async () => {
          const seed = freshSeed(), random = rng(seed);
          const s = shapes(batchA, batchB, m, k, n, tA, tB);
          const outShape = [...(batchA.length ? batchA : batchB), m, n];
          const [ta, a] = random64(s.a, dtype, random);
          const [tb, b] = random64(s.b, dtype, random);
          const [tdc, dc] = random64(outShape, dtype, random);
          using vjp = matmul.vjp(ta, tb, { transposeA: tA, transposeB: tB });
          using c = vjp.output;
          const { da, db } = vjp.pullback(tdc);
          const ref = matmulReference(a, b, tA, tB);
          const grads = matmulBackwardReference(a, b, dc, tA, tB);
          assert.deepEqual(c.shape, ref.shape);
          assert.deepEqual(da.shape, a.shape);
          assert.deepEqual(db.shape, b.shape);
          const tol = tolFor(dtype);
          assertClose(await c.read(), ref.data, tol, `c (seed ${seed})`);
          assertClose(await da.read(), grads.da.data, tol, `da (seed ${seed})`);
          assertClose(await db.read(), grads.db.data, tol, `db (seed ${seed})`);
          for (const t of [ta, tb, tdc, da, db]) t.destroy();
        },
      });
    }
  }

  // 320 rows: the weight is copied into [K, N] order first (the layers' projections).
  for (const rows of [5, 160]) {
    Deno.test({
      name: `linear ${dtype} [2, ${rows}, 67] → 13 with bias: fwd + bwd`,
      ignore: noGpu,
      fn: async () => {
        const seed = freshSeed(), random = rng(seed);
        const [tx, x] = random64([2, rows, 67], dtype, random);
        const [tw, w] = random64([13, 67], dtype, random);
        const [tbias, bias] = random64([13], dtype, random);
        const [tdy, dy] = random64([2, rows, 13], dtype, random);
        using vjp = linear.vjp(tx, tw, tbias);
        using y = vjp.output;
        const g = vjp.pullback(tdy);
        const ref = matmulReference(x, w, false, true);
        ref.data.forEach((v, i) => (ref.data[i] = v + bias.data[i % 13]));
        const grads = matmulBackwardReference(x, w, dy, false, true);
        const dbias = new Float64Array(13);
        dy.data.forEach((v, i) => (dbias[i % 13] += v));
        const tol = tolFor(dtype);
        assertClose(await y.read(), ref.data, tol, `y (seed ${seed})`);
        assertClose(await g.dx.read(), grads.da.data, tol, `dx (seed ${seed})`);
        assertClose(await g.dweight.read(), grads.db.data, tol, `dweight (seed ${seed})`);
        assertClose(await g.dbias!.read(), dbias, tol, `dbias (seed ${seed})`);
        assert.deepEqual(g.dbias!.shape, [13]);
        for (const t of [tx, tw, tbias, tdy, g.dx, g.dweight, g.dbias!]) t.destroy();
      },
    });
  }
}

Deno.test({
  name: "matmul and linear reject bad input with a named TypeError/RangeError",
  ignore: noGpu,
  fn: () => {
    const zeros = (shape: number[], dtype: DType = "f32") =>
      Tensor.fromArraySync(device, new Float32Array(shape.reduce((p, d) => p * d)), shape, dtype);
    using a = zeros([2, 3]);
    using b = zeros([2, 4]);
    using v = zeros([3]);
    using c3 = zeros([2, 3, 4]);
    using d3 = zeros([3, 4, 3]);
    assert.throws(() => matmul(a, b), /inner sizes 3 and 2/);
    assert.throws(() => matmul(a, v), { name: "RangeError", message: /b must have rank/ });
    assert.throws(() => matmul(c3, d3), /batch dimensions/);
    assert.throws(() => matmul(a, "x" as never), {
      name: "TypeError",
      message: /b must be a Tensor/,
    });
    assert.throws(() => linear(a, c3), /weight must have shape/);
    assert.throws(() => linear(a, b, v), /inner sizes|bias/);
    using w = zeros([4, 3]);
    assert.throws(() => linear(a, w, v), /bias must have shape \[4\]/);
    if (device.features.has("shader-f16")) {
      using h = zeros([3, 4], "f16");
      assert.throws(() => matmul(a, h), { name: "TypeError", message: /mixed dtypes/ });
    }
  },
});

Deno.test({
  name: "matmul: each tile the op picks from, on odd and 16-byte sizes, every transpose",
  ignore: noGpu,
  fn: async () => {
    const tiles = { MATMUL_TILE, MATMUL_TILE_TRANSPOSED_A, MATMUL_TILE_LARGE_F16 };
    for (const dtype of dtypes) {
      for (const [m, k, n] of [[133, 37, 130], [136, 24, 132]]) {
        for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]]) {
          const seed = freshSeed(), random = rng(seed);
          const s = shapes([], [], m, k, n, tA, tB);
          const [ta, a] = random64(s.a, dtype, random);
          const [tb, b] = random64(s.b, dtype, random);
          const ref = matmulReference(a, b, tA, tB);
          const dims = { m, n, k, batch: 1, strideA: 0, strideB: 0, transA: tA, transB: tB };
          for (const [name, tile] of Object.entries(tiles)) {
            using c = recordMatmul(ta, tb, dims, [m, n], { tile, copyB: false });
            const what = `${name} ${dtype} M${m} K${k} N${n} tA=${tA} tB=${tB} (seed ${seed})`;
            assertClose(await c.read(), ref.data, tolFor(dtype), what);
          }
          ta.destroy();
          tb.destroy();
        }
      }
    }
  },
});
