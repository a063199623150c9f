/**
 * WGSL generator for PISA's column-stationary dk/dv backward (SPEC §5.4; the row-stationary
 * forward and dq are in `piecewise_attention_rows.ts`): a tile of keys walks over the query
 * blocks that see it, and the selection searches both share.
 *
 * Two kinds of key tile share one code path:
 * - exact keys: `min(64, BT)` rows of a selected chunk, weight 1;
 * - pseudo-keys: non-selected chunks n, with key kc_n, value vc_n (a sum) and denominator
 *   weight len_n (SPEC §5.4 zeroth-order term).
 * Scores and products accumulate in f32 through workgroup tiles: 16×16 threads, each holding a
 * (rows/16)×(cols/16) block; features are consumed 16 at a time and outputs are 64-column
 * slices (the grid's last axis), so any d_k, d_v up to 256 works.
 * @module
 */
import { PISA_SLICE, pisaBindings, type PisaIo, pisaPrelude } from "./piecewise_attention_stats.ts";

const DKC = 16; // features per step
const SW = PISA_SLICE; // output columns per workgroup

/** Tile sizes of the column-stationary kernel for chunk length `bt`. */
export function pisaColTiles(bt: number): { keys: number; rows: number } {
  return { keys: Math.min(64, bt), rows: Math.min(32, bt) };
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

/**
 * WGSL loading features `[c0, c0 + 16)` of `count` rows into `dst[f·count + r]` (feature-major),
 * zero past `width` or where `ok` is false. `src(r, f)` is the element expression for row r and
 * clamped feature `fc`.
 */
function loadChunk(
  dst: string,
  count: number,
  width: string,
  ok: string,
  src: string,
): string {
  return /* wgsl */ `
    for (var e = lid; e < ${count * DKC}u; e += 256u) {
      let r = e / ${DKC}u;
      let f = c0 + e % ${DKC}u;
      let fc = min(f, ${width} - 1u);
      ${dst}[(e % ${DKC}u) * ${count}u + r] = select(0.0, ${src}, f < ${width} && ${ok});
    }`;
}

/** WGSL: `acc[i·TN + j] += Σ_f a[f][ty + 16i] · b[f][tx + 16j]` over one 16-feature step. */
function dotStep(acc: string, a: string, rows: number, b: string, cols: number): string {
  const TM = rows / 16, TN = cols / 16;
  return /* wgsl */ `
    for (var f = 0u; f < ${DKC}u; f++) {
      for (var i = 0u; i < ${TM}u; i++) {
        let x = ${a}[f * ${rows}u + ty + 16u * i];
        for (var j = 0u; j < ${TN}u; j++) {
          ${acc}[i * ${TN}u + j] = fma(x, ${b}[f * ${cols}u + tx + 16u * j], ${acc}[i * ${TN}u + j]);
        }
      }
    }`;
}

/** WGSL: the element of a key tile row r (exact: from `exact`; pseudo: from chunk). */
function keyElement(exact: string, offs: string, pseudo: boolean): string {
  return pseudo ? `chunk[${offs}[r] + fc]` : `f32(${exact}[${offs}[r] + fc])`;
}

/** Which keys {@linkcode pisaColKernelWgsl} walks: exact rows, or non-selected chunks. */
export type PisaColMode = "exact" | "chunks";

/**
 * Column-stationary backward, one workgroup per (bh, key tile, 64-column slice of dk and dv):
 * - `exact`: keys of one chunk n; visits the query blocks i with n ∈ Sel(i) and accumulates
 *   dk_j = σ Σ_t dS_tj q_t and dv_j = Σ_t P_tj dO_t into grads (dk | dv regions).
 * - `chunks`: pseudo-keys n (non-selected chunks); visits the query blocks of its split
 *   (`split_blocks` blocks; the grid's split axis), masking the chunks each selected, and
 *   writes that split's share of dkc_n = σ Σ_t dμ_tn q_t and dvc_n = Σ_t R_tn dO_t (summed,
 *   in split order, by the final dk/dv kernel). `exact` runs with one split.
 * Bindings: q, k, v, dO, chunk, sel, rows, grads.
 */
export function pisaColKernelWgsl(io: PisaIo & { mode: PisaColMode; bt: number }): string {
  const { keys: BK, rows: BQ } = pisaColTiles(io.bt);
  const TM = BK / 16, TN = BQ / 16;
  const pseudo = io.mode === "chunks";
  const loadQ = (src: string, width: string) =>
    loadChunk(
      "s_b",
      BQ,
      width,
      "r0 + r < u.seq",
      `f32(${src}[row_off(bh, min(r0 + r, u.seq - 1u), ${width}) + fc])`,
    );
  const loadRows = (src: string) => /* wgsl */ `
      for (var e = lid; e < ${BQ * SW}u; e += 256u) {
        let r = e / ${SW}u;
        let col = col0 + e % ${SW}u;
        s_x[e] = select(0.0, f32(${src}[row_off(bh, min(r0 + r, u.seq - 1u), ${
    src === "q" ? "u.dk" : "u.dv"
  }) + min(col, ${src === "q" ? "u.dk" : "u.dv"} - 1u)]), r0 + r < u.seq && col < ${
    src === "q" ? "u.dk" : "u.dv"
  });
      }`;
  const accumulate = (acc: string, src: string) => /* wgsl */ `
      for (var c = 0u; c < ${BQ}u; c++) {
        for (var i = 0u; i < ${TM}u; i++) {
          let x = ${src}[(ty + 16u * i) * ${BQ}u + c];
          for (var cc = 0u; cc < 4u; cc++) { ${acc}[i * 4u + cc] = fma(x, s_x[c * ${SW}u + tx + 16u * cc], ${acc}[i * 4u + cc]); }
        }
      }`;
  const setup = pseudo
    ? /* wgsl */ `
  if (lid < ${BK}u) {
    let n = min(k0 + lid, u.nt - 1u);
    s_koff[lid] = u.off_kc + (bh * u.nt + n) * u.dk;
    s_voff[lid] = u.off_vc + (bh * u.nt + n) * u.dv;
    s_wbase[lid] = select(0.0, f32(chunk_len(n)), k0 + lid < u.nt);
  }`
    : /* wgsl */ `
  if (lid < ${BK}u) {
    let t = k0 + lid;
    let tc = min(t, u.seq - 1u);
    s_koff[lid] = row_off(bh, tc, u.dk);
    s_voff[lid] = row_off(bh, tc, u.dv);
    s_w[lid] = select(0.0, 1.0, t < u.seq);
  }`;
  // The query blocks visited, i. Pseudo-keys: every block of the split, masking the chunks it
  // selected. Exact keys: only blocks that selected this chunk, found 32 at a time (a bitmask
  // built with atomicOr, read back uniformly) rather than with barriers for every block.
  const blocks = pseudo
    ? /* wgsl */ `
  for (var i = i_lo; i < i_hi; i++) {
    if (lid < ${BK}u) {
      s_w[lid] = select(s_wbase[lid], 0.0, is_selected((bh * u.nt + i) * u.top_k, min(k0 + lid, u.nt - 1u)));
    }
    workgroupBarrier();`
    : /* wgsl */ `
  for (var i0 = i_lo; i0 < i_hi; i0 += 32u) {
    workgroupBarrier(); // everyone has read the previous s_flag
    if (lid == 0u) { atomicStore(&s_mask, 0u); }
    workgroupBarrier();
    if (lid < 32u && i0 + lid < i_hi) {
      if (is_selected((bh * u.nt + i0 + lid) * u.top_k, k0 / u.bt)) { atomicOr(&s_mask, 1u << lid); }
    }
    workgroupBarrier();
    if (lid == 0u) { s_flag = atomicLoad(&s_mask); }
    var todo = workgroupUniformLoad(&s_flag); // bit b: block i0 + b selected this chunk
    while (todo != 0u) {
    let i = i0 + countTrailingZeros(todo);
    todo &= todo - 1u;`;
  const keyChunk = (exact: string, offs: string, width: string) =>
    loadChunk("s_a", BK, width, "s_w[r] > 0.0", keyElement(exact, offs, pseudo));
  return /* wgsl */ `
${pisaPrelude(io, 8)}
${
    pisaBindings([
      ["q", "read", "io"],
      ["k", "read", "io"],
      ["v", "read", "io"],
      ["dO", "read", "io"],
      [
        "chunk",
        "read",
        "f32",
      ],
      ["sel", "read", "u32"],
      ["rows", "read", "f32"],
      ["grads", "read_write", "f32"],
    ])
  }
${SELECTION_WGSL}
var<workgroup> s_a: array<f32, ${DKC * BK}>;  // [16 features][BK keys]
var<workgroup> s_b: array<f32, ${DKC * BQ}>;  // [16 features][BQ queries]
var<workgroup> s_p: array<f32, ${BK * BQ}>;   // [BK][BQ] probabilities
var<workgroup> s_ds: array<f32, ${BK * BQ}>;  // [BK][BQ] dS
var<workgroup> s_x: array<f32, ${BQ * SW}>;   // [BQ][64-column slice] of dO or q
var<workgroup> s_koff: array<u32, ${BK}>;
var<workgroup> s_voff: array<u32, ${BK}>;
var<workgroup> s_wbase: array<f32, ${BK}>;    // key weight (1 or len_n); 0 = past the end
var<workgroup> s_w: array<f32, ${BK}>;        // weight as seen by the current query block
var<workgroup> s_lse: array<f32, ${BQ}>;
var<workgroup> s_d: array<f32, ${BQ}>;        // D (exact) or D' (pseudo-keys) per query
var<workgroup> s_flag: u32;
var<workgroup> s_mask: atomic<u32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);
  if (g >= u.n_bh * u.n_splits * u.n_main * u.n_slices) { return; }
  let slice = g % u.n_slices;
  let k0 = ((g / u.n_slices) % u.n_main) * ${BK}u; // ${pseudo ? "first chunk" : "first key row"}
  let split = (g / (u.n_slices * u.n_main)) % u.n_splits; // range of query blocks
  let bh = g / (u.n_slices * u.n_main * u.n_splits);
  let col0 = slice * ${SW}u;
  let tx = lid % 16u;
  let ty = lid / 16u;
  var dk_acc: array<f32, ${TM * 4}>; // [keys ty + 16i][slice columns tx + 16c]
  var dv_acc: array<f32, ${TM * 4}>;${setup}
  let i_lo = split * u.split_blocks;
  let i_hi = min(u.nt, i_lo + u.split_blocks);${blocks}
    for (var r0 = i * u.bt; r0 < min(u.seq, (i + 1u) * u.bt); r0 += ${BQ}u) {
      if (lid < ${BQ}u) {
        let at = (bh * u.seq + min(r0 + lid, u.seq - 1u)) * 4u;
        s_lse[lid] = rows[at];
        s_d[lid] = rows[at + ${pseudo ? 3 : 2}u];
      }
      var st: array<f32, ${TM * TN}>; // scores k·q
      for (var e = 0u; e < ${TM * TN}u; e++) { st[e] = 0.0; } // zero per iteration
      for (var c0 = 0u; c0 < u.dk; c0 += ${DKC}u) {${keyChunk("k", "s_koff", "u.dk")}${
    loadQ("q", "u.dk")
  }
        workgroupBarrier();${dotStep("st", "s_a", BK, "s_b", BQ)}
        workgroupBarrier();
      }
      var dpt: array<f32, ${TM * TN}>; // value·dO
      for (var e = 0u; e < ${TM * TN}u; e++) { dpt[e] = 0.0; } // zero per iteration
      for (var c0 = 0u; c0 < u.dv; c0 += ${DKC}u) {${keyChunk("v", "s_voff", "u.dv")}${
    loadQ("dO", "u.dv")
  }
        workgroupBarrier();${dotStep("dpt", "s_a", BK, "s_b", BQ)}
        workgroupBarrier();
      }
      for (var i2 = 0u; i2 < ${TM}u; i2++) {
        let key = ty + 16u * i2;
        for (var j = 0u; j < ${TN}u; j++) {
          let c = tx + 16u * j;
          let ok = s_w[key] > 0.0 && r0 + c < u.seq;
          let p = select(0.0, exp(u.scale * st[i2 * ${TN}u + j] - s_lse[c]), ok);
          s_p[key * ${BQ}u + c] = p;
          s_ds[key * ${BQ}u + c] = p * (dpt[i2 * ${TN}u + j] - s_w[key] * s_d[c]);
        }
      }${loadRows("dO")}
      workgroupBarrier();${accumulate("dv_acc", "s_p")}
      workgroupBarrier();${loadRows("q")}
      workgroupBarrier();${accumulate("dk_acc", "s_ds")}
      workgroupBarrier();
    }${pseudo ? "" : "\n    }"}
  }
  for (var i = 0u; i < ${TM}u; i++) {
    let key = k0 + ty + 16u * i;
    if (key >= ${pseudo ? "u.nt" : "u.seq"}) { break; }
    for (var c = 0u; c < 4u; c++) {
      let col = col0 + tx + 16u * c;
      if (col < u.dk) { grads[${
    pseudo ? "u.off_dkc + ((split * u.n_bh + bh) * u.nt" : "(bh * u.seq"
  } + key) * u.dk + col] = u.scale * dk_acc[i * 4u + c]; }
      if (col < u.dv) { grads[${
    pseudo ? "u.off_dvc + ((split * u.n_bh + bh) * u.nt" : "u.off_dvx + (bh * u.seq"
  } + key) * u.dv + col] = dv_acc[i * 4u + c]; }
    }
  }
}
`;
}
