/**
 * WGSL generators for PISA's chunk statistics, block selection and per-row epilogues
 * (docs/math.md §5.2–5.3); the attention kernels themselves are in `rows.ts` and
 * `cols.ts`.
 *
 * Scratch buffers (f32 unless said, always `[B·H, ...]`-major whatever the input layout):
 * - `chunk`: qc `[BH, NT, dk]` | kc `[BH, NT, dk]` | vc `[BH, NT, dv]` | h `[BH, dk, dv]`
 * - `part`: per row-group partial sums `[BH, groups, dk, dv]` | ‖hc_n‖² per 64×64 tile
 *   `[BH, NT, tiles]`
 * - `sel` (u32): selected chunk indices `[BH, NT, topK]`, ascending per query block
 * - `rows`: per query `[BH, T, 4]` = (lse, w, D, D'); then, for the backward, dq's first-order
 *   part `[BH, T, dk]` and an f32 copy of o `[BH, T, dv]`
 * - `grads`: dk, dv through the exact blocks `[BH, T, dk]`, `[BH, T, dv]` | dkc `[BH, NT, dk]` |
 *   dvc `[BH, NT, dv]` | dh `[BH, dk, dv]`
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

/** Input layouts: `[B, H, T, D]` or `[B, T, H, D]`. */
export type PisaLayout = "BHTD" | "BTHD";

/** Side of the outer-product kernels' square tiles of the `[dk, dv]` result. */
export const PISA_OUTER_TILE = 64;

/** One uniform block shared by all PISA kernels (offsets are in f32 elements of scratch). */
export const pisaParams = new UniformBlock({
  n_bh: "u32",
  heads: "u32",
  seq: "u32",
  dk: "u32",
  dv: "u32",
  bt: "u32",
  nt: "u32",
  top_k: "u32",
  scale: "f32",
  n_groups: "u32",
  group_rows: "u32",
  n_tiles: "u32",
  n_tiles_dv: "u32",
  n_main: "u32",
  n_splits: "u32",
  split_blocks: "u32",
  off_kc: "u32",
  off_vc: "u32",
  off_h: "u32",
  off_norm: "u32",
  off_out: "u32",
  off_dq1: "u32",
  off_o32: "u32",
  off_dvx: "u32",
  off_dkc: "u32",
  off_dvc: "u32",
  off_dh: "u32",
});

/** Compile-time choices common to the kernels that read q, k, v, o or dO. */
export interface PisaIo {
  /** Storage dtype of q, k, v, o and their gradients. */
  dtype: DType;
  /** Layout of those tensors. */
  layout: PisaLayout;
}

/**
 * Common WGSL, first in every module (it holds the `enable`): f16 enable, `io` alias,
 * `flat_group`, and `row_off(bh, t, d)`, the offset of row t of head bh in a tensor with d
 * features.
 */
export function pisaPrelude(io: PisaIo): string {
  const rowOff = io.layout === "BHTD"
    ? "(bh * u.seq + t) * d"
    : "((bh / u.heads) * u.seq + t) * u.heads * d + (bh % u.heads) * d";
  return /* wgsl */ `
${io.dtype === "f16" ? "enable f16;" : ""}
alias io = ${io.dtype};
${FLAT_GROUP_WGSL}
fn row_off(bh: u32, t: u32, d: u32) -> u32 { return ${rowOff}; }
fn chunk_len(n: u32) -> u32 { return min(u.bt, u.seq - n * u.bt); }
`;
}

/** Storage of {@linkcode pisaMeansWgsl}. */
export function pisaMeansStorage(io: PisaIo): StorageBinding[] {
  const t = io.dtype;
  return [read("q", t), read("k", t), read("v", t), readWrite("chunk", "f32")];
}

/**
 * Chunk means (docs/math.md §5.2): one workgroup per (bh, n) writes qc_n and kc_n (means over the
 * chunk's true length) and vc_n (the value SUM). Bindings: q, k, v, chunk.
 */
export function pisaMeansWgsl(io: PisaIo): string {
  return /* wgsl */ `
${pisaPrelude(io)}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg); // = bh * nt + n
  if (g >= u.n_bh * u.nt) { return; }
  let bh = g / u.nt;
  let n = g % u.nt;
  let t0 = n * u.bt;
  let len = chunk_len(n);
  for (var f = lid; f < u.dk; f += 64u) {
    var sq = 0.0;
    var sk = 0.0;
    for (var t = t0; t < t0 + len; t++) {
      let o = row_off(bh, t, u.dk) + f;
      sq += f32(q[o]);
      sk += f32(k[o]);
    }
    chunk[g * u.dk + f] = sq / f32(len);
    chunk[u.off_kc + g * u.dk + f] = sk / f32(len);
  }
  for (var f = lid; f < u.dv; f += 64u) {
    var sv = 0.0;
    for (var t = t0; t < t0 + len; t++) { sv += f32(v[row_off(bh, t, u.dv) + f]); }
    chunk[u.off_vc + g * u.dv + f] = sv;
  }
}
`;
}

/** Which sum of outer products {@linkcode pisaOuterWgsl} computes. */
export type PisaOuterMode = "moments" | "dh";

/** Storage of {@linkcode pisaOuterWgsl}. */
export function pisaOuterStorage(io: PisaIo): StorageBinding[] {
  return [read("xs", io.dtype), read("ys", io.dtype), read("aux", "f32"), readWrite("part", "f32")];
}

/**
 * Sums of row outer products `Σ_r x_rᵀ y_r` over a group of rows, one 64×64 tile of the
 * `[dk, dv]` result per workgroup, into `part`. 16×16 threads; thread (tx, ty) owns rows
 * a = 4ty … 4ty + 3 and columns b = 4tx … 4tx + 3 as four vec4 accumulators, fed per staged
 * row by one vec4 of x and one of y from workgroup memory (2 loads per 16 FMAs, constant
 * register indices):
 * - `moments` (docs/math.md §5.2): x = k_j − kc_n, y = v_j, so the group's partial of h = Σ_n hc_n; it
 *   also writes each chunk's ‖hc_n‖² over the tile (for the use_bias scores).
 * - `dh` (backward): x = w_t q_t, y = dO_t, so the partial of dh = Σ_t w_t q_tᵀ dO_t.
 * Bindings: x-source (k or q), y-source (v or dO), aux (chunk or rows), part.
 */
export function pisaOuterWgsl(io: PisaIo & { mode: PisaOuterMode; bt: number }): string {
  const SB = Math.min(32, io.bt); // rows per step; never spans two chunks
  const moments = io.mode === "moments";
  const xValue = moments
    ? "f32(xs[row_off(bh, tc, u.dk) + ac]) - aux[u.off_kc + (bh * u.nt + n) * u.dk + ac]"
    : "aux[(bh * u.seq + tc) * 4u + 1u] * f32(xs[row_off(bh, tc, u.dk) + ac])";
  return /* wgsl */ `
${pisaPrelude(io)}
var<workgroup> s_x: array<vec4f, ${SB * 16}>; // [SB rows][16 groups of 4 of dk]
var<workgroup> s_y: array<vec4f, ${SB * 16}>; // [SB rows][16 groups of 4 of dv]
var<workgroup> s_red: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);
  if (g >= u.n_bh * u.n_groups * u.n_tiles) { return; }
  let tile = g % u.n_tiles;
  let grp = (g / u.n_tiles) % u.n_groups;
  let bh = g / (u.n_tiles * u.n_groups);
  let a0 = (tile / u.n_tiles_dv) * 64u;
  let b0 = (tile % u.n_tiles_dv) * 64u;
  let tx = lid % 16u;
  let ty = lid / 16u;
  let row_end = min(u.seq, (grp + 1u) * u.group_rows);
  var total = array<vec4f, 4>(); // [a = 4ty + i][b = 4tx .. 4tx + 3]
  for (var c0 = grp * u.group_rows; c0 < row_end; c0 += u.bt) {
    let n = c0 / u.bt;
    let c_end = min(c0 + u.bt, u.seq);
    var acc = array<vec4f, 4>(vec4f(), vec4f(), vec4f(), vec4f()); // this chunk's hc (tile)
    for (var s0 = c0; s0 < c_end; s0 += ${SB}u) {
      for (var e = lid; e < ${SB * 16}u; e += 256u) {
        let t = s0 + e / 16u;
        let tc = min(t, c_end - 1u);
        var x = vec4f();
        var y = vec4f();
        for (var l = 0u; l < 4u; l++) {
          let a = a0 + (e % 16u) * 4u + l;
          let b = b0 + (e % 16u) * 4u + l;
          let ac = min(a, u.dk - 1u);
          let bc = min(b, u.dv - 1u);
          x[l] = select(0.0, ${xValue}, t < c_end && a < u.dk);
          y[l] = select(0.0, f32(ys[row_off(bh, tc, u.dv) + bc]), t < c_end && b < u.dv);
        }
        s_x[e] = x;
        s_y[e] = y;
      }
      workgroupBarrier();
      for (var r = 0u; r < ${SB}u; r++) {
        let x = s_x[r * 16u + ty];
        let y = s_y[r * 16u + tx];
${unroll(4, (i) => `        acc[${i}] = fma(vec4f(x[${i}]), y, acc[${i}]);`)}
      }
      workgroupBarrier();
    }
${unroll(4, (i) => `    total[${i}] += acc[${i}];`)}
${
    moments
      ? `    // ‖hc_n‖² over this tile: 256 → 16 → 1 partial sums, fixed order.
    s_red[lid] = ${unroll(4, (i) => `dot(acc[${i}], acc[${i}])`).split("\n").join(" + ")};
    workgroupBarrier();
    if (lid < 16u) {
      var s = 0.0;
      for (var e = 0u; e < 16u; e++) { s += s_red[lid * 16u + e]; }
      s_red[lid * 16u] = s;
    }
    workgroupBarrier();
    if (lid == 0u) {
      var s = 0.0;
      for (var e = 0u; e < 16u; e++) { s += s_red[e * 16u]; }
      part[u.off_norm + (bh * u.nt + n) * u.n_tiles + tile] = s;
    }
    workgroupBarrier();`
      : ""
  }
  }
${
    unroll(4, (i) =>
      `  {
    let a = a0 + 4u * ty + ${i}u;
    for (var l = 0u; l < 4u; l++) {
      let b = b0 + 4u * tx + l;
      if (a < u.dk && b < u.dv) {
        part[((bh * u.n_groups + grp) * u.dk + a) * u.dv + b] = total[${i}][l];
      }
    }
  }`)
  }
}
`;
}

/**
 * Sums the row-group partials of {@linkcode pisaOuterWgsl} in group order (deterministic):
 * `out[off_out + bh·dk·dv + e] = Σ_grp part[(bh·groups + grp)·dk·dv + e]`. Bindings: part, out.
 */
export function pisaSumGroupsWgsl(): string {
  return /* wgsl */ `
${FLAT_GROUP_WGSL}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let size = u.dk * u.dv;
  let idx = flat_group(wid, nwg) * 256u + lid;
  if (idx >= u.n_bh * size) { return; }
  let bh = idx / size;
  let e = idx % size;
  var s = 0.0;
  for (var grp = 0u; grp < u.n_groups; grp++) { s += part[(bh * u.n_groups + grp) * size + e]; }
  out[u.off_out + idx] = s;
}
`;
}

/** Storage of {@linkcode pisaSumGroupsWgsl}. */
export const PISA_SUM_GROUPS_STORAGE: StorageBinding[] = [
  read("part", "f32"),
  readWrite("out", "f32"),
];

/** Storage of {@linkcode pisaSelectWgsl}. */
export const PISA_SELECT_STORAGE: StorageBinding[] = [
  read("chunk", "f32"),
  read("part", "f32"),
  readWrite("sel", "u32"),
];

/**
 * Block selection (docs/math.md §5.3), one workgroup per (bh, query block i): scores
 * `A[i, n] = σ·qc_i·kc_n (+ ln(‖hc_n‖_F + 1e-5))` in f32, then the top_k by (score
 * descending, index ascending) found by a radix select on order-preserving u32 keys, and
 * written in ascending index order. Thread `lid` owns chunks `[lid·K, lid·K + K)`.
 * Bindings: chunk, part (tile norms), sel (u32).
 */
export function pisaSelectWgsl(v: { keysPerThread: number; useBias: boolean }): string {
  const K = v.keysPerThread;
  const bias = v.useBias
    ? `
    var norm2 = 0.0;
    for (var tl = 0u; tl < u.n_tiles; tl++) { norm2 += part[u.off_norm + (bh * u.nt + n) * u.n_tiles + tl]; }
    score += log(sqrt(norm2) + 1e-5);`
    : "";
  return /* wgsl */ `
${FLAT_GROUP_WGSL}
var<workgroup> s_qc: array<f32, 256>;
var<workgroup> s_count: array<atomic<u32>, 33>; // one counter per radix bit, then "greater"
var<workgroup> s_scan: array<u32, 256>;

// Monotone map f32 → u32: a < b as floats iff key(a) < key(b) as integers.
fn order_key(x: f32) -> u32 {
  let b = bitcast<u32>(x);
  return select(b | 0x80000000u, ~b, (b & 0x80000000u) != 0u);
}

// Inclusive prefix sum of s_scan over the 256 threads (Hillis–Steele); returns lid's entry.
fn scan_256(lid: u32, value: u32) -> u32 {
  s_scan[lid] = value;
  workgroupBarrier();
  for (var off = 1u; off < 256u; off *= 2u) {
    let x = select(0u, s_scan[max(lid, off) - off], lid >= off) + s_scan[lid];
    workgroupBarrier();
    s_scan[lid] = x;
    workgroupBarrier();
  }
  return s_scan[lid];
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg); // = bh * nt + i
  if (g >= u.n_bh * u.nt) { return; }
  let bh = g / u.nt;
  for (var f = lid; f < u.dk; f += 256u) { s_qc[f] = chunk[g * u.dk + f]; }
  if (lid < 33u) { atomicStore(&s_count[lid], 0u); }
  workgroupBarrier();
  var keys: array<u32, ${K}>;
  let first = lid * ${K}u;
  let owned = min(u.nt, first + ${K}u) - min(u.nt, first);
  for (var e = 0u; e < owned; e++) {
    let n = first + e;
    var qk = 0.0;
    for (var f = 0u; f < u.dk; f++) { qk = fma(s_qc[f], chunk[u.off_kc + (bh * u.nt + n) * u.dk + f], qk); }
    var score = u.scale * qk;${bias}
    keys[e] = order_key(score);
  }
  // Largest threshold tau with #{key ≥ tau} ≥ top_k, one bit at a time from the top.
  var tau = 0u;
  for (var b = 0u; b < 32u; b++) {
    let cand = tau | (1u << (31u - b));
    var c = 0u;
    for (var e = 0u; e < owned; e++) { c += select(0u, 1u, keys[e] >= cand); }
    atomicAdd(&s_count[b], c);
    workgroupBarrier();
    if (atomicLoad(&s_count[b]) >= u.top_k) { tau = cand; }
  }
  var greater = 0u;
  var equal = 0u;
  for (var e = 0u; e < owned; e++) {
    greater += select(0u, 1u, keys[e] > tau);
    equal += select(0u, 1u, keys[e] == tau);
  }
  atomicAdd(&s_count[32], greater);
  let equal_before = scan_256(lid, equal) - equal; // ties at tau in lower-index threads
  let need = u.top_k - atomicLoad(&s_count[32]); // ties to take, lowest index first
  var chosen: array<bool, ${K}>;
  var count = 0u;
  var ties = equal_before;
  for (var e = 0u; e < owned; e++) {
    let tie = keys[e] == tau;
    chosen[e] = keys[e] > tau || (tie && ties < need);
    ties += select(0u, 1u, tie);
    count += select(0u, 1u, chosen[e]);
  }
  workgroupBarrier();
  var pos = scan_256(lid, count) - count;
  for (var e = 0u; e < owned; e++) {
    if (chosen[e]) {
      sel[g * u.top_k + pos] = first + e;
      pos++;
    }
  }
}
`;
}

/** Which per-row epilogue {@linkcode pisaRowsWgsl} computes. */
export type PisaRowsMode = "dq1" | "dk" | "dv";

/** Rows per workgroup of {@linkcode pisaRowsWgsl} (16 threads per row, 4 rows per thread). */
export const PISA_ROWS_PER_GROUP = 64;

/** Storage of {@linkcode pisaRowsWgsl}. */
export function pisaRowsStorage(io: PisaIo & { mode: PisaRowsMode }): StorageBinding[] {
  const t = io.dtype;
  return io.mode === "dq1"
    ? [read("dO", t), read("xs", t), read("chunk", "f32"), readWrite("rows", "f32")]
    : [read("xs", t), read("chunk", "f32"), read("grads", "f32"), readWrite("out", t)];
}

/**
 * Per-row products with a `[dk, dv]` matrix (64 rows per workgroup; 16 threads per row, each
 * holding 4 rows × `outGroups` output columns, outGroups = ⌈output width / 16⌉ so that the
 * accumulators stay in registers):
 * - `dq1`: y_t = h·dO_tᵀ; writes D_t = dO_t·o_t, D'_t = D_t − σ(q_t·y_t)/T and the first-order
 *   part of dq, w_t·y_t, with o from the forward's f32 copy (bindings: dO, q, chunk, rows).
 * - `dk`: dk_j = dk_exact_j + dkc_n/len_n + (v_j − vc_n/len_n)·dhᵀ (bindings: v, chunk, grads, dk).
 * - `dv`: dv_j = dv_exact_j + dvc_n + (k_j − kc_n)·dh (bindings: k, chunk, grads, dv).
 */
export function pisaRowsWgsl(io: PisaIo & { mode: PisaRowsMode; outGroups: number }): string {
  const m = io.mode;
  const M = io.outGroups;
  // x-row width, output width, x value, and matrix element M[e][col].
  const [din, dout] = m === "dv" ? ["u.dk", "u.dv"] : ["u.dv", "u.dk"];
  const x = {
    dq1: "f32(dO[row_off(bh, tc, u.dv) + ec])",
    dk:
      "f32(xs[row_off(bh, tc, u.dv) + ec]) - chunk[u.off_vc + (bh * u.nt + n) * u.dv + ec] / f32(chunk_len(n))",
    dv: "f32(xs[row_off(bh, tc, u.dk) + ec]) - chunk[u.off_kc + (bh * u.nt + n) * u.dk + ec]",
  }[m];
  const matrix = {
    dq1: "chunk[u.off_h + (bh * u.dk + col) * u.dv + ec]",
    dk: "grads[u.off_dh + (bh * u.dk + col) * u.dv + ec]",
    dv: "grads[u.off_dh + (bh * u.dk + ec) * u.dv + col]",
  }[m];
  // Row i of this thread: t (clamped: tc) and its chunk n. Rows and output columns are
  // unrolled so that the accumulators are indexed by constants (registers, not memory).
  const rowOf = (i: number) =>
    `let t = r0 + ty + ${16 * i}u;
    let tc = min(t, u.seq - 1u);
    let n = tc / u.bt;`;
  const epilogue = m === "dq1"
    ? /* wgsl */ `
  // D_t = dO_t·o_t and q_t·y_t, reduced over the row's 16 threads.
${
      unroll(4, (i) =>
        `  {
    ${rowOf(i)}
    var d_part = 0.0;
    for (var c = tx; c < u.dv; c += 16u) {
      d_part += f32(dO[row_off(bh, tc, u.dv) + c]) * rows[u.off_o32 + (bh * u.seq + tc) * u.dv + c];
    }
    var gh_part = 0.0;
    let w = rows[(bh * u.seq + tc) * 4u + 1u];
${
          unroll(M, (mm) =>
            `    {
      let col = tx + ${16 * mm}u;
      if (col < u.dk) {
        gh_part += f32(xs[row_off(bh, tc, u.dk) + col]) * acc[${i}][${mm}];
        if (t < u.seq) { rows[u.off_dq1 + (bh * u.seq + t) * u.dk + col] = w * acc[${i}][${mm}]; }
      }
    }`)
        }
    s_red[(ty + ${16 * i}u) * 16u + tx] = vec2f(d_part, gh_part);
  }`)
    }
  workgroupBarrier();
  let t = r0 + lid;
  if (lid < 64u && t < u.seq) {
    var s = vec2f(0.0);
    for (var e = 0u; e < 16u; e++) { s += s_red[lid * 16u + e]; }
    rows[(bh * u.seq + t) * 4u + 2u] = s.x;
    rows[(bh * u.seq + t) * 4u + 3u] = s.x - u.scale * s.y / f32(u.seq);
  }`
    : unroll(4, (i) => /* wgsl */ `
  {
    ${rowOf(i)}
${
      unroll(M, (mm) =>
        `    {
      let col = tx + ${16 * mm}u;
      if (t < u.seq && col < ${dout}) {
        ${
          m === "dk"
            ? `let exact = grads[(bh * u.seq + t) * u.dk + col];
        var chunk_part = 0.0; // dkc_n / len_n, summed over the query-range splits
        for (var sp = 0u; sp < u.n_splits; sp++) {
          chunk_part += grads[u.off_dkc + ((sp * u.n_bh + bh) * u.nt + n) * u.dk + col];
        }
        chunk_part /= f32(chunk_len(n));`
            : `let exact = grads[u.off_dvx + (bh * u.seq + t) * u.dv + col];
        var chunk_part = 0.0; // dvc_n, summed over the query-range splits
        for (var sp = 0u; sp < u.n_splits; sp++) {
          chunk_part += grads[u.off_dvc + ((sp * u.n_bh + bh) * u.nt + n) * u.dv + col];
        }`
        }
        out[row_off(bh, t, ${dout}) + col] = io(exact + chunk_part + acc[${i}][${mm}]);
      }
    }`)
    }
  }`);
  return /* wgsl */ `
${pisaPrelude(io)}
var<workgroup> s_x: array<f32, 1024>; // [64 rows][16 of din]
var<workgroup> s_m: array<f32, ${16 * 16 * M}>; // [16 of din][16·M of dout]
${m === "dq1" ? "var<workgroup> s_red: array<vec2f, 1024>; // [64 rows][16 threads]" : ""}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);
  let row_tiles = (u.seq + 63u) / 64u;
  if (g >= u.n_bh * row_tiles) { return; }
  let bh = g / row_tiles;
  let tx = lid % 16u;
  let ty = lid / 16u;
  let r0 = (g % row_tiles) * 64u;
  var acc: array<array<f32, ${M}>, 4>; // [row ty + 16i][output column tx + 16m]
  for (var e0 = 0u; e0 < ${din}; e0 += 16u) {
    for (var idx = lid; idx < 1024u; idx += 256u) {
      let tc = min(r0 + idx / 16u, u.seq - 1u);
      let n = tc / u.bt;
      let ec = min(e0 + idx % 16u, ${din} - 1u);
      s_x[idx] = select(0.0, ${x}, e0 + idx % 16u < ${din});
    }
    for (var idx = lid; idx < ${16 * 16 * M}u; idx += 256u) {
      let col = min(idx % ${16 * M}u, ${dout} - 1u);
      let ec = min(e0 + idx / ${16 * M}u, ${din} - 1u);
      s_m[idx] = select(0.0, ${matrix}, e0 + idx / ${16 * M}u < ${din});
    }
    workgroupBarrier();
    for (var e = 0u; e < 16u; e++) {
${unroll(M, (mm) => `      let m${mm} = s_m[e * ${16 * M}u + tx + ${16 * mm}u];`)}
${
    unroll(4, (i) =>
      `      {
        let xe = s_x[(ty + ${16 * i}u) * 16u + e];
${unroll(M, (mm) => `        acc[${i}][${mm}] = fma(xe, m${mm}, acc[${i}][${mm}]);`)}
      }`)
  }
    }
    workgroupBarrier();
  }${epilogue}
}
`;
}

/** WGSL: binary searches over one query block's ascending selection `sel[base .. base+top_k)`. */
export const SELECTION_WGSL = /* wgsl */ `
// The rho-th non-selected chunk: rho + (smallest p with p == top_k or sel[p] − p > rho).
fn unselected(base: u32, rho: u32) -> u32 {
  var lo = 0u;
  var hi = u.top_k;
  while (lo < hi) {
    let mid = (lo + hi) / 2u;
    if (sel[base + mid] - mid > rho) { hi = mid; } else { lo = mid + 1u; }
  }
  return rho + lo;
}
fn is_selected(base: u32, n: u32) -> bool {
  var lo = 0u;
  var hi = u.top_k;
  while (lo < hi) {
    let mid = (lo + hi) / 2u;
    if (sel[base + mid] < n) { lo = mid + 1u; } else { hi = mid; }
  }
  return lo < u.top_k && sel[base + lo] == n;
}
`;
