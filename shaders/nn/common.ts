/**
 * WGSL pieces shared by the `ops/nn` building-block shaders: N-d index decomposition over scalar uniform fields, and a workgroup tree reduction.
 * @module
 */
import { FLAT_GROUP_WGSL, read, readWrite, type StorageBinding, UniformBlock } from "../common.ts";
import type { DType } from "../common.ts";

/** Threads per workgroup of every `nn` kernel (elementwise kernels: one element per thread). */
export const NN_WORKGROUP = 64;

/** Largest rank of the strided/broadcast kernels (shapes are padded with leading 1s). */
export const MAX_RANK = 6;

/** `enable f16;` when `dtype` is f16. */
export function enableFor(dtype: DType): string {
  return dtype === "f16" ? "enable f16;\n" : "";
}

/** Field names `${prefix}0 … ${prefix}5` (one per padded dimension). */
export function rankFields(prefix: string): string[] {
  return Array.from({ length: MAX_RANK }, (_, d) => `${prefix}${d}`);
}

const rankNames = new Map<string, string[]>();

/**
 * Sets field `<prefix><d>` of `fields` to `values[prefix][d]`, for every prefix of `values` and
 * every padded dimension d: what a strided or broadcast launch does each time, with the names
 * built once (object literals with computed keys, six per launch, cost µs of host time).
 */
export function setRankFields(
  fields: Record<string, number>,
  values: Record<string, readonly number[]>,
): void {
  for (const prefix in values) {
    let names = rankNames.get(prefix);
    if (!names) rankNames.set(prefix, names = rankFields(prefix));
    const v = values[prefix];
    for (let d = 0; d < MAX_RANK; d++) fields[names[d]] = v[d];
  }
}

/** Pads `dims` with leading `fill` to {@linkcode MAX_RANK} entries. */
export function padRank(dims: readonly number[], fill: number): number[] {
  return [...Array(MAX_RANK - dims.length).fill(fill), ...dims];
}

/**
 * WGSL statements decomposing flat index `flat` over the last `rank` dims `u.${dim}d` (last
 * fastest; the dims before them are 1) into coordinates, accumulating `offset += c_d ·
 * u.${stride}d` for each `[offset, stride]` pair: rank − 1 divisions (the first of the dims
 * takes what is left). `tag` makes the local names unique when several indices are decomposed.
 */
export function decomposeWgsl(
  flat: string,
  dim: string,
  offsets: readonly [string, string][],
  rank = MAX_RANK,
  tag = "",
): string {
  const rem = `rem${tag}`;
  const lines = [`var ${rem} = ${flat};`];
  for (let d = MAX_RANK - 1; d >= MAX_RANK - rank; d--) {
    const c = `c${d}${tag}`;
    lines.push(
      d > MAX_RANK - rank
        ? `let ${c} = ${rem} % u.${dim}${d}; ${rem} = ${rem} / u.${dim}${d};`
        : `let ${c} = ${rem};`,
    );
    for (const [offset, stride] of offsets) lines.push(`${offset} += ${c} * u.${stride}${d};`);
  }
  return lines.join("\n  ");
}

/**
 * `shape` with its size-1 dims dropped and each pair of neighbouring dims merged where every one
 * of `strides` steps over the pair as over one dim (`s[d] = s[d + 1] · shape[d + 1]`): the same
 * elements at the same offsets, with fewer coordinates to compute per element. At least one dim.
 */
export function simplifyDims(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const kept = shape.map((_, d) => d).filter((d) => shape[d] !== 1);
  const out = { shape: [] as number[], strides: strides.map(() => [] as number[]) };
  for (const d of kept) {
    const last = out.shape.length - 1;
    if (last >= 0 && strides.every((s, i) => out.strides[i][last] === s[d] * shape[d])) {
      out.shape[last] *= shape[d];
      strides.forEach((s, i) => (out.strides[i][last] = s[d]));
    } else {
      out.shape.push(shape[d]);
      strides.forEach((s, i) => out.strides[i].push(s[d]));
    }
  }
  if (out.shape.length === 0) return { shape: [1], strides: strides.map(() => [0]) };
  return out;
}

/**
 * Rows each invocation of a per-channel parameter gradient sums (the depthwise conv's and layer
 * norm's): one invocation per channel, neighbouring invocations on neighbouring channels, so
 * every load is coalesced; the chunks' sums are added by partialSumWgsl in chunk order.
 */
export const CHANNEL_CHUNK = 256;

/**
 * WGSL statements (after {@linkcode MAIN_WGSL}) placing this invocation of a per-channel sum over
 * `u.c` channels and `u.chunks` chunks of rows: channel `ch` ({@linkcode NN_WORKGROUP}
 * neighbouring channels per workgroup) and chunk `chunk`; past the last channel it returns.
 */
export const CHANNEL_CHUNK_WGSL = `let blocks = (u.c + ${NN_WORKGROUP - 1}u) / ${NN_WORKGROUP}u;
  if (g >= blocks * u.chunks) { return; }
  let ch = (g % blocks) * ${NN_WORKGROUP}u + lid;
  let chunk = g / blocks;
  if (ch >= u.c) { return; }`;

/** Elements each invocation of the elementwise kernels handles ({@linkcode elementwiseMain}). */
export const PER_THREAD = 4;

/** Invocations per workgroup of the elementwise kernels. */
export const ELEMENTWISE_WORKGROUP = 256;

/**
 * The entry point of an elementwise kernel over `u.n` elements: workgroups of
 * {@linkcode ELEMENTWISE_WORKGROUP}, each invocation taking {@linkcode PER_THREAD} elements a
 * workgroup apart (neighbouring invocations, neighbouring elements); it issues every
 * `load(k, i)` first — `i` clamped into range, so no branch among the loads — then each
 * `store(k, i)` whose element exists. On the H200 one element per invocation in workgroups of 64
 * ran these kernels at 8–12× their bytes' time, 4 per invocation at 5× (bench/NOTES.md, session
 * 12, calls 4 and 9).
 */
export function elementwiseMain(
  load: (k: number, i: string) => string,
  store: (k: number, i: string) => string,
): string {
  const wg = ELEMENTWISE_WORKGROUP;
  const at = (k: number) => `first + ${k * wg}u`;
  const ks = Array.from({ length: PER_THREAD }, (_, k) => k);
  return `@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);
  let first = g * ${wg * PER_THREAD}u + lid;
${ks.map((k) => `  let i${k} = min(${at(k)}, u.n - 1u);\n  ${load(k, `i${k}`)}`).join("\n")}
${ks.map((k) => `  if (${at(k)} < u.n) {\n    ${store(k, `i${k}`)}\n  }`).join("\n")}
}`;
}

/** Row-major strides of `dims`. */
export function stridesOf(dims: readonly number[]): number[] {
  const s = Array(dims.length).fill(1);
  for (let d = dims.length - 2; d >= 0; d--) s[d] = s[d + 1] * dims[d + 1];
  return s;
}

/**
 * WGSL function `wg_sum(lid, v) -> f32`: the sum of `v` over the {@linkcode NN_WORKGROUP}
 * threads (fixed tree order, so results are deterministic). Every thread must call it.
 */
export const WG_SUM_WGSL = /* wgsl */ `
var<workgroup> s_sum: array<f32, ${NN_WORKGROUP}>;
fn wg_sum(lid: u32, v: f32) -> f32 {
  workgroupBarrier();
  s_sum[lid] = v;
  workgroupBarrier();
  for (var w = ${NN_WORKGROUP / 2}u; w > 0u; w = w / 2u) {
    if (lid < w) { s_sum[lid] = s_sum[lid] + s_sum[lid + w]; }
    workgroupBarrier();
  }
  let total = s_sum[0];
  workgroupBarrier();
  return total;
}
`;

/** Entry-point header: `main` with flat group `g` and local index `lid`. */
export const MAIN_WGSL = /* wgsl */ `
@compute @workgroup_size(${NN_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);`;

/** WGSL function `wg_max(lid, v) -> f32`: like `wg_sum`, the maximum over the workgroup. */
export const WG_MAX_WGSL = /* wgsl */ `
var<workgroup> s_max: array<f32, ${NN_WORKGROUP}>;
fn wg_max(lid: u32, v: f32) -> f32 {
  workgroupBarrier();
  s_max[lid] = v;
  workgroupBarrier();
  for (var w = ${NN_WORKGROUP / 2}u; w > 0u; w = w / 2u) {
    if (lid < w) { s_max[lid] = max(s_max[lid], s_max[lid + w]); }
    workgroupBarrier();
  }
  let total = s_max[0];
  workgroupBarrier();
  return total;
}
`;

/** Rows summed by one workgroup in the first pass of a chunked reduction (64 per thread). */
export const REDUCE_CHUNK = 4096;

/** Uniforms of {@linkcode partialSumWgsl}. */
export const partialSumParams = new UniformBlock({
  rows: "u32",
  cols: "u32",
  row_offset: "u32",
  alpha: "f32",
});

/** Storage of {@linkcode partialSumWgsl}: f32 partial sums in, `out` of `dtype`. */
export function partialSumStorage(dtype: DType): StorageBinding[] {
  return [read("partial", "f32"), readWrite("out", dtype)];
}

/**
 * Second pass of a chunked reduction: `out[i] = alpha · Σ_c partial[row_offset + i, c]` for
 * `rows` rows of `cols` f32 partial sums (one workgroup per row, fixed order, so results are
 * deterministic). Bindings partial, out.
 */
export function partialSumWgsl(dtype: DType): string {
  return `${enableFor(dtype)}
${FLAT_GROUP_WGSL}${WG_SUM_WGSL}
${MAIN_WGSL}
  if (g >= u.rows) { return; }
  let base = (u.row_offset + g) * u.cols;
  var acc = 0.0;
  for (var c = lid; c < u.cols; c += ${NN_WORKGROUP}u) { acc += partial[base + c]; }
  let total = wg_sum(lid, acc);
  if (lid == 0u) { out[g] = ${dtype}(u.alpha * total); }
}`;
}
