/**
 * Helpers of the page's self-test: the bundle's type, seeded random data, uploads that report
 * the exact stored values, and the relative RMS error.
 * @module
 */
import type * as FlashBla from "./lib.ts";
import { randn, rng } from "../ops/_random.ts";

/** Seeded PRNG (mulberry32) and normal samples, as the library and tests use them. */
export { randn, rng };

/** The browser build's module (web/dist/flash-bla.js), typed from its entry. */
export type Lib = typeof FlashBla;
type Tensor = FlashBla.Tensor;
type DType = FlashBla.DType;

/** One compared quantity. */
export interface CheckResult {
  /** What ran, e.g. `linearAttention [1, 2, 37, 24]`. */
  name: string;
  /** Storage dtype. */
  dtype: DType;
  /** `output`, `dq`, `dx`, `d<parameter>`, ... */
  quantity: string;
  /** Relative RMS error against the float64 reference (Infinity if any value is not finite). */
  error: number;
  /** The tolerance it must meet. */
  tol: number;
  /** `error <= tol`. */
  ok: boolean;
}

/** Tolerance by storage dtype (CONTRIBUTING.md). */
export function tolFor(dtype: DType): number {
  return dtype === "f32" ? 1e-5 : 2e-3;
}

/** Relative RMS error ‖a − ref‖ / ‖ref‖; a non-finite value anywhere gives Infinity. */
export function relRms(actual: ArrayLike<number>, ref: ArrayLike<number>): number {
  if (actual.length !== ref.length) {
    throw new RangeError(`length mismatch: ${actual.length} vs ${ref.length}`);
  }
  let num = 0, den = 0;
  for (let i = 0; i < ref.length; i++) {
    if (!Number.isFinite(actual[i])) return Infinity;
    num += (actual[i] - ref[i]) ** 2;
    den += ref[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-300));
}

/** elu(x) + 1 of normal samples: positive features, as linear attention expects. */
export function positiveFeatures(n: number, random: () => number): Float64Array<ArrayBuffer> {
  return randn(n, random).map((x) => (x > 0 ? x + 1 : Math.exp(x)));
}

/** A tensor and the exact values it stores (rounded to its dtype), as float64. */
export interface Uploaded {
  tensor: Tensor;
  values: Float64Array<ArrayBuffer>;
}

/** Uploads `data` as `dtype` and reads back what was stored, so references see exactly that. */
export async function upload(
  lib: Lib,
  device: GPUDevice,
  data: Float64Array<ArrayBuffer>,
  shape: number[],
  dtype: DType,
): Promise<Uploaded> {
  const tensor = lib.Tensor.fromArraySync(device, data, shape, dtype);
  return { tensor, values: Float64Array.from(await tensor.read()) };
}
