/**
 * Device ceilings measured with plain WGSL at the start of a profile: copy bandwidth (bytes
 * read + written per second) and the FMA rate with f32 (and f16 vec4, where the device has
 * `shader-f16`) arithmetic; 1 FMA = 2 FLOPs.
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

/** FMA loop: 8 independent vec4 chains per thread, `iters` steps. */
const FMA_CHAINS = 8;
const fmaParams = new UniformBlock({ iters: "u32", seed: "f32" });
function fmaKernel(dtype: "f32" | "f16"): Kernel {
  const t = dtype === "f32" ? "vec4f" : "vec4h";
  const chains = Array.from({ length: FMA_CHAINS }, (_, c) => c);
  return {
    name: "ceiling_fma",
    constants: { dtype },
    storage: [readWrite("sink", "f32")],
    uniforms: fmaParams,
    wgsl: () => `
${dtype === "f16" ? "enable f16;" : ""}
${FLAT_GROUP_WGSL}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let x = ${t}(${dtype}(u.seed + f32(lid) * 1e-7));
  let y = ${t}(${dtype}(0.999));
${chains.map((c) => `  var a${c} = ${t}(${dtype}(${c}.0 * 1e-3));`).join("\n")}
  for (var i = 0u; i < u.iters; i++) {
${chains.map((c) => `    a${c} = fma(a${c}, y, x);`).join("\n")}
  }
  let s = ${chains.map((c) => `a${c}`).join(" + ")};
  let g = flat_group(wid, nwg) * 256u + lid;
  if (f32(s.x) == 1234.5) { sink[g] = f32(s.y); } // never true: keeps the chains alive
}`,
  };
}

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
  const groups = small ? 8 : 8192, iters = small ? 256 : 4096;
  using sink = Tensor.empty(device, [groups * 256]);
  const rate = async (dtype: "f32" | "f16") => {
    const kernel = fmaKernel(dtype);
    const t = await gpuTime(device, () =>
      launch(device, kernel, {
        storage: { sink },
        uniforms: { iters, seed: 0.5 },
        groups,
      }), small ? 3 : 10);
    return (groups * 256 * iters * FMA_CHAINS * 4 * 2) / (t.p50 * 1e9);
  };
  const result: Ceilings = { copyGBs, f32Tflops: await rate("f32") };
  if (device.features.has("shader-f16")) result.f16Tflops = await rate("f16");
  return result;
}
