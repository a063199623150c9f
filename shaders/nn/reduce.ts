/**
 * WGSL generator for a sum (or mean) over the middle axis of a tensor viewed as
 * `[outer, n, inner]`, giving `[outer, inner]`, accumulated in f32.
 *
 * A workgroup of 256 threads owns one `outer` index, `lanes` consecutive `inner` indices and one
 * of `splits` consecutive runs of `chunk_n` indices along n; the other `256 / lanes` threads of
 * each lane stride over its run, then a tree in workgroup memory adds their partial sums. `lanes`
 * is 1 when inner = 1 (a row sum), else 16. With `split` (more than one run) each run's sum goes
 * to an f32 partial `[outer·inner, splits]`, which partialSumWgsl (nn/common.ts) adds in run
 * order: deterministic either way. A short axis (`short`) is summed by one invocation per output
 * instead, neighbouring invocations on neighbouring outputs.
 * @module
 */
import { FLAT_GROUP_WGSL, read, readWrite, type StorageBinding, UniformBlock } from "../common.ts";
import type { DType } from "../common.ts";

/** Compile-time variant of the reduction kernel. */
export interface ReduceVariant {
  /** Storage dtype of input and output. */
  dtype: DType;
  /** Threads along `inner` (1 or 16); the rest of the 256 stride over n. */
  lanes: number;
  /** n is summed in several runs, each written to the f32 partials `y` (else y is the result). */
  split: boolean;
  /** One invocation per output sums its n elements in order (for a short n). */
  short: boolean;
}

/** Threads per workgroup. */
export const REDUCE_THREADS = 256;

/** Uniforms: the view's sizes, the factor applied to each sum (1 or 1/n), offsets. */
export const reduceParams = new UniformBlock({
  outer: "u32",
  n: "u32",
  inner: "u32",
  inner_blocks: "u32",
  splits: "u32",
  chunk_n: "u32",
  factor: "f32",
  off_x: "u32",
  off_y: "u32",
});

/** Storage of the reduction kernel: x, y. */
export function reduceStorage(v: ReduceVariant): StorageBinding[] {
  return [read("x", v.dtype), readWrite("y", v.split ? "f32" : v.dtype)];
}

/** WGSL of the reduction kernel for `v`. */
export function reduceWgsl(v: ReduceVariant): string {
  if (v.short) return shortSumWgsl(v.dtype);
  const L = v.lanes, S = REDUCE_THREADS / v.lanes;
  return /* wgsl */ `
${v.dtype === "f16" ? "enable f16;" : ""}
${FLAT_GROUP_WGSL}
var<workgroup> s_sum: array<f32, ${REDUCE_THREADS}>; // [${S} strides][${L} lanes]

@compute @workgroup_size(${REDUCE_THREADS})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);
  if (g >= u.outer * u.inner_blocks * u.splits) { return; }
  let run = g % u.splits;
  let i_outer = g / (u.inner_blocks * u.splits);
  let i_inner = ((g / u.splits) % u.inner_blocks) * ${L}u + lid % ${L}u;
  let i_stride = lid / ${L}u;
  var acc = 0.0;
  if (i_inner < u.inner) {
    let o_x = u.off_x + i_outer * u.n * u.inner + i_inner;
    let last = min((run + 1u) * u.chunk_n, u.n);
    for (var j = run * u.chunk_n + i_stride; j < last; j += ${S}u) {
      acc += f32(x[o_x + j * u.inner]);
    }
  }
  s_sum[lid] = acc;
  workgroupBarrier();
  for (var half = ${REDUCE_THREADS / 2}u; half >= ${L}u; half /= 2u) {
    if (lid < half) { s_sum[lid] += s_sum[lid + half]; }
    workgroupBarrier();
  }
  if (lid < ${L}u && i_inner < u.inner) {
    ${
    v.split
      ? "y[(i_outer * u.inner + i_inner) * u.splits + run] = s_sum[lid];"
      : `y[u.off_y + i_outer * u.inner + i_inner] = ${v.dtype}(s_sum[lid] * u.factor);`
  }
  }
}
`;
}

/**
 * One invocation per output `[outer, inner]` summing its n elements in order: for a short n,
 * where a workgroup per output would leave most of its invocations idle (RALA's row sums of 32
 * features over 262 144 rows took 0.6 ms that way on the H200, bench/NOTES.md, session 12).
 */
function shortSumWgsl(dtype: DType): string {
  return /* wgsl */ `
${dtype === "f16" ? "enable f16;" : ""}
${FLAT_GROUP_WGSL}

@compute @workgroup_size(${REDUCE_THREADS})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = flat_group(wid, nwg) * ${REDUCE_THREADS}u + lid;
  if (i >= u.outer * u.inner) { return; }
  let o_x = u.off_x + (i / u.inner) * u.n * u.inner + i % u.inner;
  var acc = 0.0;
  for (var j = 0u; j < u.n; j += 1u) { acc += f32(x[o_x + j * u.inner]); }
  y[u.off_y + i] = ${dtype}(acc * u.factor);
}
`;
}
