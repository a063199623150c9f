/**
 * Test helpers: the test device (CPU adapter in CI), seeded random data, error metrics.
 * Importing this module also installs the GPU-error guard (tests/_gpu_guard.ts): a test that
 * causes a GPU error on the test devices fails.
 */
import { deviceContext, type DType, requestDevice, setPoisonOutputs } from "../ops/_runtime/mod.ts";
import { randn, rng } from "../ops/_random.ts";
import { guardGpuErrors } from "./_gpu_guard.ts";

/** Seeded PRNG (mulberry32; seeds come from the test name) and normal samples. */
export { randn, rng };

let devicePromise: Promise<GPUDevice | undefined> | undefined;

/**
 * The device GPU tests run on, with output poisoning on; `undefined` only when the machine has
 * no WebGPU adapter at all (tests then skip, saying so).
 */
export function testDevice(): Promise<GPUDevice | undefined> {
  devicePromise ??= (async () => {
    const adapter = await navigator.gpu?.requestAdapter({ powerPreference: "high-performance" });
    if (!adapter) {
      console.warn("SKIPPING GPU tests: no WebGPU adapter on this machine");
      return undefined;
    }
    const device = await requestDevice();
    setPoisonOutputs(device, true);
    guardGpuErrors(device);
    // Destroyed before the runtime tears down: with lavapipe, Deno 2.9.6 otherwise aborts at exit
    // now and then ("double free or corruption"; 2 runs in 30 of tests/quick_test.ts, 0 in 60
    // with this; the full suite still can, see CONTRIBUTING.md).
    globalThis.addEventListener("unload", () => device.destroy());
    return device;
  })();
  return devicePromise;
}

let smallDevicePromise: Promise<GPUDevice | undefined> | undefined;

/**
 * A second device with WebGPU's default limits (256 MiB buffers, 128 MiB storage bindings),
 * guarded like {@linkcode testDevice}: for too-large-shape cases that must be refused before
 * anything is allocated.
 */
export function smallLimitsDevice(): Promise<GPUDevice | undefined> {
  smallDevicePromise ??= testDevice().then(async (main) => {
    if (!main) return undefined;
    const device = await requestDevice({ limits: "default" });
    guardGpuErrors(device);
    globalThis.addEventListener("unload", () => device.destroy()); // as testDevice's
    return device;
  });
  return smallDevicePromise;
}

/** Runs `fn` with the device's storage-binding limit lowered to `bytes` (restored after). */
export async function withBindingLimit<T>(
  device: GPUDevice,
  bytes: number,
  fn: () => Promise<T> | T,
): Promise<T> {
  const ctx = deviceContext(device);
  const saved = ctx.maxBindingBytes;
  ctx.maxBindingBytes = bytes;
  try {
    return await fn();
  } finally {
    ctx.maxBindingBytes = saved;
  }
}

/** Whether GPU tests must be skipped (no adapter at all). */
export const noGpu = !(await testDevice());

/**
 * Whether f16 cases must be skipped: the adapter lacks `shader-f16` (e.g. llvmpipe over OpenGL,
 * without Mesa's Vulkan drivers). Said once, like the no-adapter skip.
 */
export const noF16 = !noGpu && !(await testDevice())!.features.has("shader-f16");
if (noF16) console.warn("SKIPPING f16 test cases: this adapter lacks the shader-f16 feature");

/** Storage dtypes to test on `device`: f32, and f16 where it has shader-f16. */
export function dtypesOf(device: GPUDevice | undefined): DType[] {
  return device?.features.has("shader-f16") ? ["f32", "f16"] : ["f32"];
}

/** A fresh seed per call, printed on failure through the returned label. */
export function freshSeed(): number {
  return (Math.random() * 2 ** 32) >>> 0;
}

/** Uniform samples in [lo, hi). */
export function uniform(
  n: number,
  random: () => number,
  lo = 0,
  hi = 1,
): Float64Array<ArrayBuffer> {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * random();
  return out;
}

/** elu(x) + 1 applied to standard normal samples: the positive features the original uses. */
export function eluPlusOne(n: number, random: () => number): Float64Array<ArrayBuffer> {
  return randn(n, random).map((x) => (x > 0 ? x + 1 : Math.exp(x)));
}

/** Rounds values to the nearest float16 (so references see exactly what the GPU stores). */
export function roundToF16(values: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> {
  const f16 = new Float16Array(values);
  return Float64Array.from(f16);
}

/**
 * Relative RMS error ‖a − ref‖ / ‖scale‖ (`scale` defaults to `ref`); NaN anywhere gives Infinity.
 * Pass as `scale` the sums of |term| of a reduced quantity: a float sum's rounding error is
 * bounded relative to Σ|term|, so a sum that cancels is judged by what it added up.
 */
export function relRms(
  actual: ArrayLike<number>,
  ref: ArrayLike<number>,
  scale: ArrayLike<number> = ref,
): number {
  if (actual.length !== ref.length || scale.length !== ref.length) {
    throw new Error(`length mismatch: ${actual.length} vs ${ref.length} (scale ${scale.length})`);
  }
  let num = 0, den = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = actual[i] - ref[i];
    if (!Number.isFinite(actual[i])) return Infinity;
    num += d * d;
    den += scale[i] * scale[i];
  }
  return Math.sqrt(num / Math.max(den, 1e-300));
}

/** Asserts the relative RMS error (see {@linkcode relRms}) is within `tol`, naming the quantity. */
export function assertClose(
  actual: ArrayLike<number>,
  ref: ArrayLike<number>,
  tol: number,
  what: string,
  scale: ArrayLike<number> = ref,
): void {
  const err = relRms(actual, ref, scale);
  if (!(err <= tol)) {
    throw new Error(`${what}: relative RMS error ${err.toExponential(3)} > ${tol}`);
  }
}

/** Tolerance by storage dtype (CONTRIBUTING.md): f32 1e-5, f16 2e-3. */
export function tolFor(dtype: DType): number {
  return dtype === "f32" ? 1e-5 : 2e-3;
}
