/**
 * The page's self-test (`window.runSelfTest()`): runs the package's ops and a layer on the
 * browser's GPU at odd sizes, forward and backward, and compares them with the float64
 * references by relative RMS error (f32 ≤ 1e-5, f16 ≤ 2e-3; f16 references see the
 * f16-rounded inputs). Fresh random inputs on every run; outputs NaN-poisoned.
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

/** What {@linkcode runSelfTest} returns. */
export interface SelfTestReport {
  /** Device features. */
  features: string[];
  /** Seed of the random inputs (printed so a failure can be reproduced). */
  seed: number;
  /** Every comparison. */
  checks: CheckResult[];
  /** Whether every check passed. */
  ok: boolean;
  /** Wall-clock time of the whole self-test in ms. */
  ms: number;
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

/** Compares GPU tensors with float64 references, one CheckResult per named quantity. */
async function compare(
  name: string,
  dtype: DType,
  pairs: Record<string, [Tensor, ArrayLike<number>]>,
): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const [quantity, [tensor, ref]] of Object.entries(pairs)) {
    const error = relRms(await tensor.read(), ref);
    out.push({ name, dtype, quantity, error, tol: tolFor(dtype), ok: error <= tolFor(dtype) });
  }
  return out;
}

/** linearAttention forward and backward at odd sizes against the exact float64 gradients. */
async function checkLinearAttention(
  lib: Lib,
  device: GPUDevice,
  dtype: DType,
  random: () => number,
): Promise<CheckResult[]> {
  const shape = [2, 3, 37, 13]; // B, H, T, D: odd on purpose
  const n = shape.reduce((a, b) => a * b, 1);
  const q = await upload(lib, device, positiveFeatures(n, random), shape, dtype);
  const k = await upload(lib, device, positiveFeatures(n, random), shape, dtype);
  const v = await upload(lib, device, randn(n, random), shape, dtype);
  const dO = await upload(lib, device, randn(n, random), shape, dtype);
  const step = lib.linearAttention.vjp(q.tensor, k.tensor, v.tensor);
  const { dq, dk, dv } = step.pullback(dO.tensor);
  const ref = lib.reference.linearAttentionReferenceGrads(
    { data: q.values, shape },
    { data: k.values, shape },
    { data: v.values, shape },
    dO.values,
  );
  const results = await compare(`linearAttention [${shape.join(", ")}]`, dtype, {
    output: [step.output, ref.output],
    dq: [dq, ref.dq],
    dk: [dk, ref.dk],
    dv: [dv, ref.dv],
  });
  step.dispose();
  for (const t of [q, k, v, dO].map((u) => u.tensor).concat(step.output, dq, dk, dv)) {
    t.destroy();
  }
  return results;
}

/**
 * Runs every check on a fresh device with output poisoning on: linearAttention (f32, and f16
 * when the device has `shader-f16`).
 */
export async function runSelfTest(lib: Lib): Promise<SelfTestReport> {
  const start = performance.now();
  const device = await lib.requestDevice();
  lib.setPoisonOutputs(device, true);
  const seed = (Math.random() * 2 ** 32) >>> 0;
  const random = rng(seed);
  const dtypes: DType[] = device.features.has("shader-f16") ? ["f32", "f16"] : ["f32"];
  const checks: CheckResult[] = [];
  for (const dtype of dtypes) {
    checks.push(...await checkLinearAttention(lib, device, dtype, random));
  }
  device.destroy();
  return {
    features: [...device.features].sort(),
    seed,
    checks,
    ok: checks.every((c) => c.ok),
    ms: performance.now() - start,
  };
}
