/**
 * Helpers of the `ops/nn` tests: random GPU inputs with their f64 twins, and comparisons.
 */
import { type DType, Tensor } from "../../ops/_runtime/mod.ts";
import { assertClose, randn, roundToF16, tolFor } from "../_helpers.ts";

/** A GPU tensor and the exact f64 values it holds (f16-rounded for f16). */
export interface Pair {
  t: Tensor;
  ref: Float64Array<ArrayBuffer>;
}

/** Uploads `values` as `dtype`; `ref` is what the GPU really stores. */
export function upload(
  device: GPUDevice,
  values: Float64Array<ArrayBuffer>,
  shape: number[],
  dtype: DType,
): Pair {
  const ref = dtype === "f16" ? roundToF16(values) : Float64Array.from(new Float32Array(values));
  return { t: Tensor.fromArraySync(device, ref, shape, dtype), ref };
}

/** Standard normal values (times `scale`, plus `offset`) as a GPU tensor and its f64 twin. */
export function randomPair(
  device: GPUDevice,
  shape: number[],
  dtype: DType,
  random: () => number,
  scale = 1,
  offset = 0,
): Pair {
  const n = shape.reduce((a, b) => a * b, 1);
  return upload(device, randn(n, random).map((v) => v * scale + offset), shape, dtype);
}

/**
 * Reads `t` and asserts rel. RMS vs `ref` within the dtype's tolerance (or `tol`), measured
 * against `scale` (default `ref`; see `relRms`).
 */
export async function expectClose(
  t: Tensor,
  ref: ArrayLike<number>,
  what: string,
  tol = tolFor(t.dtype),
  scale: ArrayLike<number> = ref,
): Promise<void> {
  assertClose(await t.read(), ref, tol, `${what} (${t.dtype} ${t})`, scale);
}
