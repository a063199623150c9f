/**
 * Bench inputs made on the GPU: positive features uniform in [0.5, 1.5) (like elu+1 of a
 * normal), one value per element from a hash of (seed, index). A host PRNG plus the upload
 * took ≈ 20 s per set of four `[8, 16, 32768, 64]` tensors on a 2-core host; this kernel takes
 * milliseconds and needs no host memory.
 * @module
 */
import {
  bytesPerElement,
  deviceContext,
  type DType,
  FLAT_GROUP_WGSL,
  type Kernel,
  launch,
  readWrite,
  storageBuffer,
  Tensor,
  UniformBlock,
} from "../ops/_runtime/mod.ts";

const WORKGROUP = 256;
const PARAMS = new UniformBlock({ count: "u32", base: "u32", seed: "u32" });

/**
 * The largest f16 below 1.5: f16 outputs are clamped to it, since rounding a value in
 * [1.49951171875, 1.5) to f16 would give 1.5.
 */
export const F16_BELOW_1_5 = 1.4990234375;

/** PCG hash (Jarzynski & Olano 2020): a bijection of u32 with well-mixed output bits. */
export const PCG_WGSL = `fn pcg(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}`;

function featureKernel(dtype: DType): Kernel {
  return {
    name: "bench_features",
    constants: { dtype },
    storage: [readWrite("out", dtype)],
    uniforms: PARAMS,
    wgsl: () =>
      /* wgsl */ `${dtype === "f16" ? "enable f16;" : ""}
${FLAT_GROUP_WGSL}
${PCG_WGSL}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = flat_group(wid, nwg) * ${WORKGROUP}u + lid; // within this slice
  if (i >= u.count) { return; }
  // 23 random bits: 0.5 + k / 2²³ is exact in f32 (24 bits would round 1.5 − 2⁻²⁴ up to 1.5).
  let x = 0.5 + f32(pcg(pcg(u.base + i) ^ pcg(u.seed)) >> 9u) / 8388608.0;
  out[i] = ${dtype === "f16" ? `f16(min(x, ${F16_BELOW_1_5}))` : "x"};
}`,
  };
}

/**
 * A tensor of `shape` and `dtype` whose element `i` is `0.5 + (h >> 9) / 2²³` with
 * `h = pcg(pcg(i) ^ pcg(seed))` (uniform in [0.5, 1.5); f16 rounded to nearest, at most
 * {@linkcode F16_BELOW_1_5}). The same `seed` gives the same values on every device; the fill
 * is recorded, not awaited (it runs before any work recorded after it), in slices of at most
 * the device's largest storage binding.
 *
 * @param device the device to make it on
 * @param shape dimensions; at most 2³² elements
 * @param dtype `"f32"` or `"f16"` (needs `shader-f16`)
 * @param seed any u32
 * @example
 * ```ts
 * import { requestDevice } from "../ops/_runtime/mod.ts";
 * import { featureTensor } from "./inputs.ts";
 * const device = await requestDevice();
 * using q = featureTensor(device, [8, 16, 32768, 64], "f16", 1);
 * ```
 */
export function featureTensor(
  device: GPUDevice,
  shape: readonly number[],
  dtype: DType,
  seed: number,
): Tensor {
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
    throw new RangeError(`seed: expected a u32, got ${seed}`);
  }
  const size = shape.reduce((a, b) => a * b, 1);
  if (size >= 2 ** 32) throw new RangeError(`shape: at most 2³² - 1 elements, got ${size}`);
  const out = Tensor.empty(device, shape, dtype);
  const bytes = bytesPerElement(dtype);
  // Slices start at multiples of 256 elements: byte offsets aligned as bindings need.
  const blocks = Math.floor(deviceContext(device).maxBindingBytes / (256 * bytes));
  const perSlice = 256 * Math.max(1, blocks);
  for (let base = 0; base < out.size; base += perSlice) {
    const count = Math.min(perSlice, out.size - base);
    launch(device, featureKernel(dtype), {
      storage: {
        out: {
          buffer: storageBuffer(out),
          offset: base * bytes,
          size: Math.ceil(count * bytes / 4) * 4,
        },
      },
      uniforms: { count, base, seed },
      groups: Math.ceil(count / WORKGROUP),
    });
  }
  return out;
}
