/**
 * Records the matmul kernel (`shaders/nn/matmul.ts`) for sizes already checked: the launch
 * behind `matmul`, `linear` and their gradients, and the entry the matmul bench uses to time
 * other tiles.
 * @module
 */
import { type Kernel, launch, planSlices, Tensor, windowOf } from "../_runtime/mod.ts";
import {
  MATMUL_TILE,
  matmulParams,
  matmulStorage,
  matmulTileFits,
  type MatmulVariant,
  matmulWgsl,
} from "../../shaders/nn/matmul.ts";
import type { Tile } from "../../shaders/outer_product.ts";

/** The matmul as the kernel sees it: sizes, batch and per-batch strides (0 = broadcast). */
export interface MatmulDims {
  m: number;
  n: number;
  k: number;
  batch: number;
  strideA: number;
  strideB: number;
  transA: boolean;
  transB: boolean;
}

/**
 * Records `c = op(a)·op(b) (+ bias)` for `dims` into a new tensor of `outShape`, with the
 * outer-product tile `tile` (default {@linkcode MATMUL_TILE}).
 */
export function recordMatmul(
  a: Tensor,
  b: Tensor,
  dims: MatmulDims,
  outShape: readonly number[],
  bias?: Tensor,
  tile: Tile = MATMUL_TILE,
): Tensor {
  if (!matmulTileFits(tile)) {
    throw new RangeError(`matmul: unsupported tile ${JSON.stringify(tile)}`);
  }
  const c = Tensor.empty(a.device, outShape, a.dtype);
  const { m, n, k } = dims;
  const perItem = [dims.strideA, dims.strideB, m * n];
  // Batches are bound in slices when a tensor exceeds the largest binding (a broadcast
  // operand, stride 0, is bound whole).
  const slices = planSlices([a, b, c], perItem, dims.batch, "matmul").map((s) => ({
    count: s.count,
    a: windowOf(a, s.start * dims.strideA, dims.strideA ? s.count * dims.strideA : a.size),
    b: windowOf(b, s.start * dims.strideB, dims.strideB ? s.count * dims.strideB : b.size),
    c: windowOf(c, s.start * m * n, s.count * m * n),
  }));
  // 16-byte loads and stores where each stored row is a multiple of 4 elements and every
  // window starts at a multiple of 4 (then so does every row).
  const aligned = (row: number, which: "a" | "b" | "c") =>
    row % 4 === 0 && slices.every((s) => s[which].elementOffset % 4 === 0);
  const variant: MatmulVariant = {
    dtype: a.dtype,
    transA: dims.transA,
    transB: dims.transB,
    bias: !!bias,
    vec4A: aligned(dims.transA ? m : k, "a"),
    vec4B: aligned(dims.transB ? k : n, "b"),
    vec4C: aligned(n, "c"),
    tile,
  };
  const kernel: Kernel = {
    name: "matmul",
    constants: { ...variant, tile: Object.values(tile).join("x") },
    storage: matmulStorage(variant),
    uniforms: matmulParams,
    wgsl: () => matmulWgsl(variant),
  };
  const tilesM = Math.ceil(m / tile.m), tilesN = Math.ceil(n / tile.n);
  for (const s of slices) {
    launch(a.device, kernel, {
      storage: { a: s.a.binding, b: s.b.binding, c: s.c.binding, bias },
      uniforms: {
        m,
        n,
        k,
        batch: s.count,
        tiles_m: tilesM,
        tiles_n: tilesN,
        off_a: s.a.elementOffset,
        off_b: s.b.elementOffset,
        off_c: s.c.elementOffset,
        off_bias: 0,
        stride_a: dims.strideA,
        stride_b: dims.strideB,
      },
      groups: tilesM * tilesN * s.count,
    });
  }
  return c;
}
