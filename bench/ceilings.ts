/**
 * Device ceilings measured with plain WGSL at the start of a profile: copy bandwidth (bytes
 * read + written per second) and the FMA rate with f32 (and f16 vec4, where the device has
 * `shader-f16`) arithmetic, from the ladder's FMA kernel (bench/ladder.ts: 16 accumulators, a
 * 16× unrolled body); 1 FMA = 2 FLOPs.
 * @module
 */
import {
  FLAT_GROUP_WGSL,
  type Kernel,
  launch,
  read,
  readWrite,
  Tensor,
  UniformBlock,
} from "../ops/_runtime/mod.ts";
import { fmaRate } from "./ladder.ts";
import { gpuTime } from "./measure.ts";

/** Measured ceilings. */
export interface Ceilings {
  /** Copy bandwidth, GB/s (read + write). */
  copyGBs: number;
  /** FMA rate with f32 arithmetic, TFLOP/s. */
  f32Tflops: number;
  /** FMA rate with f16 vec4 arithmetic, TFLOP/s (absent without `shader-f16`). */
  f16Tflops?: number;
}

const copyParams = new UniformBlock({ n: "u32" });
const copyKernel: Kernel = {
  name: "ceiling_copy",
  constants: {},
  storage: [read("src", "vec4f"), readWrite("dst", "vec4f")],
  uniforms: copyParams,
  wgsl: () => `
${FLAT_GROUP_WGSL}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = flat_group(wid, nwg) * 256u + lid;
  if (i < u.n) { dst[i] = src[i]; }
}`,
};

/** Measures the ceilings; `small` picks sizes for a CPU adapter. */
export async function measureCeilings(device: GPUDevice, small: boolean): Promise<Ceilings> {
  const vec4s = (small ? 4 : 64) * 2 ** 20; // 64 MiB / 1 GiB of f32
  using src = Tensor.empty(device, [vec4s * 4]);
  using dst = Tensor.empty(device, [vec4s * 4]);
  const copy = await gpuTime(device, () =>
    launch(device, copyKernel, {
      storage: { src, dst },
      uniforms: { n: vec4s },
      groups: Math.ceil(vec4s / 256),
    }), small ? 3 : 10);
  const copyGBs = (2 * vec4s * 16) / (copy.p50 * 1e6);
  const result: Ceilings = { copyGBs, f32Tflops: await fmaRate(device, "f32", small) };
  if (device.features.has("shader-f16")) result.f16Tflops = await fmaRate(device, "vec4h", small);
  return result;
}
