/**
 * Records the matmul kernel (`shaders/nn/matmul.ts`) for sizes already checked: the launch
 * behind `matmul`, `linear` and their gradients, and the entry the matmul bench uses to time
 * other tiles.
 * @module
 */
import { type Kernel, launch, planSlices, Tensor, windowOf } from "../_runtime/mod.ts";
import { stridedCopy } from "./_copy.ts";
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
 * The tile for A stored transposed (dyᵀ·x, a weight's gradient): 4 × 4 outputs per invocation,
 * 256 invocations, 16 K per step. On the H200 at 1024 × 16384 × 1024: 33.0 / 33.4 TFLOP/s (f16 /
 * f32 storage) against 27.4 / 29.1 for {@linkcode MATMUL_TILE} (bench/NOTES.md, session 12,
 * calls 1–2).
 */
export const MATMUL_TILE_TRANSPOSED_A: Readonly<Tile> = Object.freeze({
  m: 64,
  n: 64,
  rm: 4,
  rn: 4,
  steps: 16,
});

/**
 * The tile for a layer's projection x·Wᵀ in f16 storage with ≥ 1024 rows and ≥ 512 columns: 128 ×
 * 128 outputs per workgroup, 8 × 8 per invocation (256 invocations), 8 K per step. On the H200
 * x·Wᵀ at 16384 × 1024 × 1024 took 0.859 ms against 0.974 with {@linkcode MATMUL_TILE}, at 512
 * channels 0.226 against 0.256; dy·W as fast in isolation, but LinFusion's forward+backward went
 * from 26.6 to 27.6 ms with its dx on this tile; with f32 storage and for dyᵀ·x it was slower
 * (bench/NOTES.md, session 12, calls 3 and 6).
 */
export const MATMUL_TILE_LARGE_F16: Readonly<Tile> = Object.freeze({
  m: 128,
  n: 128,
  rm: 8,
  rn: 8,
  steps: 8,
});

/** The tile {@linkcode recordMatmul} takes for `dims` in `dtype` unless told. */
export function matmulTileFor(dims: MatmulDims, dtype: string): Tile {
  if (dims.transA) return MATMUL_TILE_TRANSPOSED_A;
  const projection = dims.transB && dims.m >= 1024 && dims.n >= 512;
  return dtype === "f16" && projection ? MATMUL_TILE_LARGE_F16 : MATMUL_TILE;
}

/**
 * Fewest rows of C from which a B stored `[N, K]` and shared by the whole batch (a layer's
 * weight in x·Wᵀ) is first copied into `[K, N]` order, so that the kernel fetches it along N. On
 * the H200 x·Wᵀ ran at 28 TFLOP/s against 36 for dy·W of the same sizes (bench/NOTES.md,
 * session 12, calls 1–2); the copy (N·K elements) is small beside the M·N·K products.
 */
export const COPY_B_FROM_ROWS = 256;

/** How {@linkcode recordMatmul} runs (the defaults are chosen from the sizes). */
export interface MatmulPlanOptions {
  /** Added to every row of C. */
  bias?: Tensor;
  /** The tile (default: {@linkcode matmulTileFor}). */
  tile?: Tile;
  /** Copy a shared B stored `[N, K]` into `[K, N]` order first (default from 256 rows). */
  copyB?: boolean;
}

/**
 * Records `c = op(a)·op(b) (+ bias)` for `dims` into a new tensor of `outShape`. Whatever the
 * tile and the copy, each output's K products are added in K order by one invocation: the same
 * bits.
 */
export function recordMatmul(
  a: Tensor,
  b: Tensor,
  dims: MatmulDims,
  outShape: readonly number[],
  options: MatmulPlanOptions = {},
): Tensor {
  const { bias, tile = matmulTileFor(dims, a.dtype) } = options;
  if (!matmulTileFits(tile)) {
    throw new RangeError(`matmul: unsupported tile ${JSON.stringify(tile)}`);
  }
  const shared = dims.transB && dims.strideB === 0;
  if (shared && (options.copyB ?? dims.m >= COPY_B_FROM_ROWS)) {
    const bt = Tensor.empty(b.device, [dims.k, dims.n], b.dtype);
    try {
      const src = { tensor: b, offset: 0, strides: [1, dims.k] }; // b[n][k] at n·K + k
      stridedCopy([dims.k, dims.n], src, { tensor: bt, offset: 0, strides: [dims.n, 1] });
      return recordMatmul(a, bt, { ...dims, transB: false }, outShape, { bias, tile });
    } finally {
      bt.destroy(); // (no `using` in the library: the npm package runs on Node 20)
    }
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
