/**
 * WGSL generator for the batched, tiled, register-blocked matmul
 * `C[b] = op(A[b]) · op(B[b]) (+ bias)`, with f32 accumulation.
 *
 * A workgroup of 16×16 threads computes a 64×64 tile of C; each thread holds a 4×4 block of
 * accumulators (rows `ty + 16·i`, columns `tx + 16·j`). K advances in steps of 16 through two
 * workgroup tiles, `s_a[k][m]` and `s_b[k][n]`, zero-filled past the edges so that any M, N, K
 * works.
 * @module
 */
import {
  FLAT_GROUP_WGSL,
  read,
  readWrite,
  type StorageBinding,
  UniformBlock,
  unroll,
} from "../common.ts";
import type { DType } from "../common.ts";

/** Compile-time variant of the matmul kernel. */
export interface MatmulVariant {
  /** Storage dtype of A, B, C (and bias). */
  dtype: DType;
  /** A is stored `[K, M]` (op(A) = Aᵀ). */
  transA: boolean;
  /** B is stored `[N, K]` (op(B) = Bᵀ). */
  transB: boolean;
  /** A bias `[N]` is added to every row of C (binding 3). */
  bias: boolean;
}

/** Tile of C per workgroup (rows, columns), K step, and per-thread block. */
export const MATMUL_TILE = { rows: 64, cols: 64, depth: 16, perThread: 4, threads: 16 } as const;

/**
 * Uniforms: sizes, the number of tiles along M and N, element offsets of each binding's window
 * and per-batch strides of A and B (0 for a broadcast operand; C's stride is M·N).
 */
export const matmulParams = new UniformBlock({
  m: "u32",
  n: "u32",
  k: "u32",
  batch: "u32",
  tiles_m: "u32",
  tiles_n: "u32",
  off_a: "u32",
  off_b: "u32",
  off_c: "u32",
  off_bias: "u32",
  stride_a: "u32",
  stride_b: "u32",
});

/** Storage of the matmul kernel: a, b, c (and the bias). */
export function matmulStorage(v: MatmulVariant): StorageBinding[] {
  const storage = [read("a", v.dtype), read("b", v.dtype), readWrite("c", v.dtype)];
  return v.bias ? [...storage, read("bias", v.dtype)] : storage;
}

/** WGSL of the matmul kernel for `v`. */
export function matmulWgsl(v: MatmulVariant): string {
  const { rows: BM, cols: BN, depth: BK, perThread: R, threads: TH } = MATMUL_TILE;
  const loads = (BM * BK) / (TH * TH); // elements of each tile loaded per thread
  // Index of logical A[m][k] and B[k][n] in their stored layouts.
  const aIndex = v.transA ? "k * u.m + m" : "m * u.k + k";
  const bIndex = v.transB ? "n * u.k + k" : "k * u.n + n";
  // Walk the tile so that consecutive threads read consecutive stored elements.
  const aWalk = v.transA
    ? `let mm = f % ${BM}u; let kk = f / ${BM}u;`
    : `let kk = f % ${BK}u; let mm = f / ${BK}u;`;
  const bWalk = v.transB
    ? `let kk = f % ${BK}u; let nn = f / ${BK}u;`
    : `let nn = f % ${BN}u; let kk = f / ${BN}u;`;
  const elem = v.dtype;
  const biasTerm = v.bias ? ` + f32(bias[u.off_bias + n])` : "";
  return /* wgsl */ `
${v.dtype === "f16" ? "enable f16;" : ""}
${FLAT_GROUP_WGSL}
var<workgroup> s_a: array<f32, ${BK * BM}>; // [BK][BM]: op(A) tile, k-major
var<workgroup> s_b: array<f32, ${BK * BN}>; // [BK][BN]: op(B) tile, k-major

@compute @workgroup_size(${TH * TH})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);
  let tiles = u.tiles_m * u.tiles_n;
  if (g >= tiles * u.batch) { return; }
  let i_b = g / tiles;
  let m0 = ((g % tiles) / u.tiles_n) * ${BM}u;
  let n0 = ((g % tiles) % u.tiles_n) * ${BN}u;
  let o_a = u.off_a + i_b * u.stride_a;
  let o_b = u.off_b + i_b * u.stride_b;
  let o_c = u.off_c + i_b * u.m * u.n;
  let tx = lid % ${TH}u;
  let ty = lid / ${TH}u;
  var acc: array<array<f32, ${R}>, ${R}>; // [rows ty+16i][cols tx+16j]
  for (var k0 = 0u; k0 < u.k; k0 += ${BK}u) {
    for (var i = 0u; i < ${loads}u; i++) {
      let f = lid + i * ${TH * TH}u;
      ${aWalk}
      let m = m0 + mm;
      let k = k0 + kk;
      var x = 0.0;
      if (m < u.m && k < u.k) { x = f32(a[o_a + ${aIndex}]); }
      s_a[kk * ${BM}u + mm] = x;
    }
    for (var i = 0u; i < ${loads}u; i++) {
      let f = lid + i * ${TH * TH}u;
      ${bWalk}
      let n = n0 + nn;
      let k = k0 + kk;
      var x = 0.0;
      if (n < u.n && k < u.k) { x = f32(b[o_b + ${bIndex}]); }
      s_b[kk * ${BN}u + nn] = x;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < ${BK}u; kk++) {
${unroll(R, (i) => `      let b_a${i} = s_a[kk * ${BM}u + ty + ${TH * i}u];`)}
${unroll(R, (j) => `      let b_b${j} = s_b[kk * ${BN}u + tx + ${TH * j}u];`)}
${
    unroll(R * R, (ij) => {
      const i = Math.floor(ij / R), j = ij % R;
      return `      acc[${i}][${j}] = fma(b_a${i}, b_b${j}, acc[${i}][${j}]);`;
    })
  }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < ${R}u; i++) {
    let m = m0 + ty + i * ${TH}u;
    if (m >= u.m) { break; }
    for (var j = 0u; j < ${R}u; j++) {
      let n = n0 + tx + j * ${TH}u;
      if (n < u.n) { c[o_c + m * u.n + n] = ${elem}(acc[i][j]${biasTerm}); }
    }
  }
}
`;
}
