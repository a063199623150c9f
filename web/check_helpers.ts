/**
 * Helpers of the page's self-test: the bundle's type, seeded random data, uploads that report
 * the exact stored values, and the relative RMS error.
 * @module
 */
import type * as FlashBla from "./lib.ts";

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

/** Seeded PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples (Box–Muller). */
export function randn(n: number, random: () => number): Float64Array<ArrayBuffer> {
  return Float64Array.from(
    { length: n },
    () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()),
  );
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
