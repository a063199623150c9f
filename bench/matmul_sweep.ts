/**
 * Matmul tile sweep: the GPU time and FLOP rate of `nn.matmul`'s kernel with each candidate
 * tile, on the products of the paper layers at high resolution (16 384 tokens), f16 and f32
 * storage — the projections are most of a layer's time there (bench/NOTES.md, session 11,
 * call 9). Each case's result is compared with the first tile's (same inputs, a prefix).
 *
 *   deno run -A bench/matmul_sweep.ts [--dtype f16,f32] [--shapes NAMES] [--only TILES]
 *                                      [--reps 20] [--tiny] [--json]
 *
 * `--tiny` divides every size by 64 (for a CPU adapter and the tests). On a GPU each case
 * follows ≈ 200 ms of the same work, and the profiler's clock probe runs between its samples
 * (bench/clock_probe.ts).
 * @module
 */
import { parseArgs } from "node:util";
import { type DType, flush, requestDevice, type Tensor } from "../ops/_runtime/mod.ts";
import {
  MATMUL_TILE_TRANSPOSED_A,
  type MatmulDims,
  type MatmulPlanOptions,
  recordMatmul,
} from "../ops/nn/_matmul_launch.ts";
import { MATMUL_TILE } from "../shaders/nn/matmul.ts";
import type { Tile } from "../shaders/outer_product.ts";
import { featureTensor } from "./inputs.ts";
import { gpuTime, isCpuAdapter } from "./measure.ts";
import { clockCell, clockProbe, timeWarmedProbed } from "./clock_probe.ts";
import { readPrefix } from "./_sweep.ts";

/** The products: C[M, N] = op(A)·op(B) over K, as the layers call them. */
const SHAPES: Record<string, Omit<MatmulDims, "batch" | "strideA" | "strideB">> = {
  // LinFusion at 128 × 128 tokens, 1024 channels: a projection, its dx and its dW.
  "x·Wᵀ 16384×1024×1024": { m: 16384, k: 1024, n: 1024, transA: false, transB: true },
  "dy·W 16384×1024×1024": { m: 16384, k: 1024, n: 1024, transA: false, transB: false },
  "dyᵀ·x 1024×16384×1024": { m: 1024, k: 16384, n: 1024, transA: true, transB: false },
  // MLLA and RALA (512 channels), PolaFormer (256).
  "x·Wᵀ 16384×512×512": { m: 16384, k: 512, n: 512, transA: false, transB: true },
  "x·Wᵀ 16384×256×256": { m: 16384, k: 256, n: 256, transA: false, transB: true },
};

const tile = (m: number, n: number, rm: number, rn: number, steps: number): Tile => ({
  m,
  n,
  rm,
  rn,
  steps,
});

/** Candidates: the op's own choice first, then tiles (each with the op's copy rule for B). */
const TILES: Record<string, MatmulPlanOptions> = {
  default: {},
  "default, B as stored": { copyB: false },
  "64x64 8x4 s8": { tile: MATMUL_TILE },
  "64x64 8x4 s16": { tile: tile(64, 64, 8, 4, 16) },
  "128x64 8x4 s16": { tile: tile(128, 64, 8, 4, 16) },
  "128x128 8x8 s8": { tile: tile(128, 128, 8, 8, 8) },
  "64x64 4x4 s16": { tile: MATMUL_TILE_TRANSPOSED_A },
};

const { values } = parseArgs({
  args: Deno.args,
  options: {
    dtype: { type: "string", default: "f16,f32" },
    shapes: { type: "string" },
    only: { type: "string" },
    reps: { type: "string", default: "20" },
    tiny: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
});
const device = await requestDevice();
const adapter = await navigator.gpu.requestAdapter();
const cpu = isCpuAdapter(adapter!.info);
const reps = Number(values.reps);
const dtypes = values.dtype.split(",").filter((d) =>
  d === "f32" || device.features.has("shader-f16")
) as DType[];
const pick = <T>(all: Record<string, T>, flag?: string) =>
  Object.entries(all).filter(([name]) => !flag || flag.split(",").includes(name));
using probe = cpu ? undefined : await clockProbe(device, false);

interface Row {
  shape: string;
  dtype: DType;
  tile: string;
  ms: number;
  tflops: number;
  clock?: number;
  maxRelDiff: number;
}
const rows: Row[] = [];
for (const dtype of dtypes) {
  for (const [shape, s] of pick(SHAPES, values.shapes)) {
    const scale = values.tiny ? 64 : 1;
    const dims: MatmulDims = {
      ...s,
      m: s.m / scale,
      n: s.n / scale,
      k: s.k / scale,
      batch: 1,
      strideA: 0,
      strideB: 0,
    };
    using a = featureTensor(device, s.transA ? [dims.k, dims.m] : [dims.m, dims.k], dtype, 1);
    using b = featureTensor(device, s.transB ? [dims.n, dims.k] : [dims.k, dims.n], dtype, 2);
    let first: Float32Array | undefined;
    for (const [name, t] of pick(TILES, values.only)) {
      const work = () => {
        recordMatmul(a, b, dims, [dims.m, dims.n], t).destroy();
        flush(device);
      };
      const timed = probe
        ? await timeWarmedProbed(device, work, probe, reps)
        : { time: await gpuTime(device, work, reps), clock: undefined };
      const [ms, clock] = [timed.time.p50, timed.clock];
      using c: Tensor = recordMatmul(a, b, dims, [dims.m, dims.n], t);
      const got = await readPrefix(c, 2 ** 20);
      first ??= got;
      const maxRelDiff = got.reduce(
        (w, x, i) => Math.max(w, Math.abs(x - first![i]) / Math.max(Math.abs(first![i]), 1e-30)),
        0,
      );
      const tflops = (2 * dims.m * dims.n * dims.k) / (ms * 1e9);
      rows.push({ shape, dtype, tile: name, ms, tflops, clock, maxRelDiff });
      if (!values.json) {
        console.error(
          `${dtype} ${shape} ${name}: ${ms.toFixed(3)} ms, ${tflops.toFixed(1)} TFLOP/s`,
        );
      }
    }
  }
}

if (values.json) {
  console.log(JSON.stringify({ adapter: adapter!.info, rows }, null, 2));
} else {
  console.log(
    `Matmul tiles on ${adapter!.info.description || adapter!.info.vendor}, ` +
      `median of ${reps} back-to-back samples${values.tiny ? " (sizes / 64)" : ""}\n`,
  );
  console.log("| dtype | product (M×K×N) | tile | ms | TFLOP/s | clock | max rel. diff vs first |");
  console.log("| ----- | --------------- | ---- | -- | ------- | ----- | ---------------------- |");
  for (const r of rows) {
    console.log(
      `| ${r.dtype} | ${r.shape} | ${r.tile} | ${r.ms.toFixed(3)} | ${r.tflops.toFixed(1)} | ` +
        `${clockCell(r.clock)} | ${r.maxRelDiff.toExponential(1)} |`,
    );
  }
}
