/**
 * PISA's column-stationary dk/dv backward (docs/math.md §5.4; derivation in
 * ops/piecewise_attention/bwd.ts), register-tiled like the SDPA dk/dv kernel (the pieces of
 * `attention_tiles.ts`; thread layout in `sdpa/kernels.ts`). The row-stationary forward and dq are in
 * `rows.ts`.
 *
 * One workgroup per (bh, split of the query blocks, BR own keys), streaming BC query rows at a
 * time of the query blocks that see its keys:
 * - `exact`: own keys are BR rows of one chunk n; visits the query blocks i with n ∈ Sel(i)
 *   (the set bits of chunk n's words in `seen`, 32 blocks a word) and writes
 *   dk_j = σ Σ_t dS_tj q_t and dv_j = Σ_t P_tj dO_t into grads (dk | dv regions). One split.
 * - `chunks`: own keys are BR pseudo-keys (chunks n: key kc_n, value vc_n); visits every
 *   query block of its split, weighting chunk n by len_n where it is not selected and by 0
 *   where it is, and writes that split's share of dkc_n = σ Σ_t dμ_tn q_t and
 *   dvc_n = Σ_t R_tn dO_t (summed in split order by the final dk/dv kernel).
 * - `both` (tiling field `fusedCols`): the two passes in one dispatch, the exact pass's
 *   workgroups first (grid computed in the kernel), then the chunk pass's (the uniforms' grid).
 * With p = exp(σ q·key − lse) and dS = p·(dO·value − weight·D) (D' for pseudo-keys).
 * Bindings: q, k, v, dO, chunk, seen, rows, grads; `seen` (u32, `[BH, NT, ⌈NT/32⌉]`: bit b of
 * word w of chunk n says whether query block 32w + b selected n) is the selection inverted
 * once per backward by {@linkcode pisaSeenWgsl}.
 * @module
 */
import type { SdpaTiles } from "../attention_tiles.ts";
import { FLAT_GROUP_WGSL, read, readWrite, type StorageBinding, unroll } from "../common.ts";
import { backwardStorage, PisaTileCode, pisaTileHeader } from "./rows.ts";
import { type PisaIo, SELECTION_WGSL } from "./stats.ts";

/**
 * Which keys the column kernel owns: rows of selected chunks, non-selected chunks, or both passes
 * in one dispatch (`fusedCols`: the exact pass's workgroups first, then the chunk pass's).
 */
export type PisaColMode = "exact" | "chunks" | "both";

/** Compile-time variant of the column kernel. */
export interface PisaColVariant extends PisaIo, SdpaTiles {
  mode: PisaColMode;
  dk: number;
  dv: number;
  /** Subgroup size of the subgroup path, or undefined (portable; see attention_tiles.ts). */
  subgroup?: number;
}

/** Storage of the column kernel `v`: the backward's, with `seen` in place of `sel`. */
export function pisaColStorage(v: PisaColVariant): StorageBinding[] {
  return backwardStorage(v, readWrite("grads", "f32")).map((b) =>
    b.name === "sel" ? read("seen", "u32") : b
  );
}

/** Storage of {@linkcode pisaSeenWgsl}. */
export const PISA_SEEN_STORAGE: StorageBinding[] = [read("sel", "u32"), readWrite("seen", "u32")];

/** Threads per workgroup of {@linkcode pisaSeenWgsl}. */
export const PISA_SEEN_GROUP = 256;

/**
 * The selection inverted: one thread per word `seen[(bh·NT + n)·W + w]` (W = ⌈NT/32⌉) sets bit
 * b where chunk n ∈ Sel(32w + b), by a binary search in each of the 32 blocks' ascending
 * selections. Storage: {@linkcode PISA_SEEN_STORAGE}.
 */
export function pisaSeenWgsl(): string {
  return /* wgsl */ `
${FLAT_GROUP_WGSL}
${SELECTION_WGSL}
@compute @workgroup_size(${PISA_SEEN_GROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let words = (u.nt + 31u) / 32u;
  let idx = flat_group(wid, nwg) * ${PISA_SEEN_GROUP}u + lid; // (bh·NT + n)·W + w
  if (idx >= u.n_bh * u.nt * words) { return; }
  let bh = idx / (u.nt * words);
  let n = (idx / words) % u.nt;
  let i0 = (idx % words) * 32u;
  var bits = 0u;
  for (var b = 0u; b < min(32u, u.nt - i0); b++) {
    if (is_selected((bh * u.nt + i0 + b) * u.top_k, n)) { bits |= 1u << b; }
  }
  seen[idx] = bits;
}
`;
}

/**
 * `next_selected(own, start, stop)`: the first query block in [start, stop) whose bit is set in
 * the row of `seen` starting at word `own`, else `stop` (a read-only binding: uniform).
 */
const NEXT_SELECTED_WGSL = `
fn next_selected(own: u32, start: u32, stop: u32) -> u32 {
  for (var w = start / 32u; w * 32u < stop; w++) {
    var bits = seen[own + w];
    if (w == start / 32u) { bits &= ~((1u << (start % 32u)) - 1u); }
    if (bits != 0u) { return min(stop, w * 32u + countTrailingZeros(bits)); }
  }
  return stop;
}`;

/**
 * Where a column pass's workgroup is (WGSL expressions): its flat index `g` in the pass, and the
 * pass's own-key tiles per (bh, split), splits and query blocks per split.
 */
interface ColGrid {
  g: string;
  main: string;
  splits: string;
  blocks: string;
}

/** A pass dispatched alone: the grid is the uniforms'. */
const UNIFORM_GRID: ColGrid = {
  g: "flat_group(wid, nwg)",
  main: "u.n_main",
  splits: "u.n_splits",
  blocks: "u.split_blocks",
};

/** WGSL of the column kernel `v` (see the module doc). */
export function pisaColWgsl(v: PisaColVariant): string {
  const c = new PisaTileCode(v);
  const { k, kp, vp } = c;
  const V = c.v;
  // Both passes: the exact one over its ⌈T / BR⌉ key tiles per bh, one split (computed here),
  // then the chunk pass on the uniforms' grid, so that its workgroups fill the exact pass's
  // last wave.
  const body = v.mode === "both"
    ? `
  let exact_main = (u.seq + ${v.br - 1}u) / ${v.br}u;
  let n_exact = u.n_bh * exact_main;
  if (flat_group(wid, nwg) < n_exact) {${
      columnPass(c, v, false, {
        g: "flat_group(wid, nwg)",
        main: "exact_main",
        splits: "1u",
        blocks: "u.nt",
      })
    }
  } else {${columnPass(c, v, true, { ...UNIFORM_GRID, g: "flat_group(wid, nwg) - n_exact" })}
  }`
    : columnPass(c, v, v.mode === "chunks", UNIFORM_GRID);
  return /* wgsl */ `${pisaTileHeader(v, false)}
var<workgroup> s_k: array<vec4f, ${v.br * k.stride}>; // [BR][K] own keys
var<workgroup> s_v: array<vec4f, ${v.br * V.stride}>; // [BR][V] own values
var<workgroup> s_q: array<vec4f, ${v.bc * kp.stride}>; // [BC][K] queries
var<workgroup> s_do: array<vec4f, ${v.bc * vp.stride}>; // [BC][V] output gradients
${c.scoreScratch("s_pt", "Pᵀ (own keys × queries)")}
${c.scoreScratch("s_dst", "dSᵀ")}
var<workgroup> s_lse: array<f32, ${v.bc}>;
var<workgroup> s_delta: array<f32, ${v.bc}>;
var<workgroup> s_wk: array<f32, ${v.br}>; // chunks: own key weight as seen by block i
${v.mode === "chunks" ? "" : NEXT_SELECTED_WGSL}

@compute @workgroup_size(${v.tr * v.tc})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32${c.laneParameter}) {${body}
}
`;
}

/** The body of `main` for one pass (`pseudo`: the chunk pass) on the grid `grid`. */
function columnPass(c: PisaTileCode, v: PisaColVariant, pseudo: boolean, grid: ColGrid): string {
  const { RI, RJ, k, kp, vp } = c;
  const V = c.v;
  // Own keys: exact rows of k, v or rows bh·NT + n of kc, vc; weight 1 or s_wk (per block).
  const loadOwn = pseudo
    ? `${
      c.loadRows("s_k", "chunk", v.br, k, "t0 + r < u.nt", "u.off_kc + (bh * u.nt + t0 + r) * u.dk")
    }
  ${c.loadRows("s_v", "chunk", v.br, V, "t0 + r < u.nt", "u.off_vc + (bh * u.nt + t0 + r) * u.dv")}`
    : `${c.load("s_k", "k", v.br, k, "t0", "u.seq")}
  ${c.load("s_v", "v", v.br, V, "t0", "u.seq")}`;
  const weight = (i: number) => pseudo ? `s_wk[tr + ${i}u * TR]` : "1.0";
  // The query rows of block i, BC at a time (BC ≤ bt divides it), with their lse (log2 units)
  // and D (D' for pseudo-keys). With prefetch the step after r0 is fetched during r0's
  // products: the next BC rows of block i, or the first of the next block visited, i_next.
  const stream = c.streamed({
    tiles: [["s_q", "q", kp], ["s_do", "dO", vp]],
    rowValues: [
      ["s_lse", (row) => `rows[(bh * u.seq + ${row}) * 4u] * 1.4426950408889634`],
      ["s_delta", (row) => `rows[(bh * u.seq + ${row}) * 4u + ${pseudo ? 3 : 2}u]`],
    ],
    r0: "r0",
    len: "u.seq",
    next: "select(i_next * u.bt, r0 + BC, r0 + BC < block_end)",
    first: "i * u.bt",
  });
  const visit = `
    let block_end = min(u.seq, (i + 1u) * u.bt);
    for (var r0 = i * u.bt; r0 < block_end; r0 += BC) {
      workgroupBarrier();
      ${stream.stage}
      ${c.scoreTile("b_s")} // Sᵀ: [own keys][queries], then Pᵀ
      ${c.dot("b_s", "s_k", k, "s_q", kp)}
      ${c.scoreTile("b_dp")} // dPᵀ = V dOᵀ, then dSᵀ
      ${c.dot("b_dp", "s_v", V, "s_do", vp)}
${
    unroll(RI * RJ, (ij) => {
      const i = Math.floor(ij / RJ), j = ij % RJ;
      const ok = `r0 + col < u.seq${pseudo ? ` && ${weight(i)} > 0.0` : ""}`;
      return `      {
        let col = tc + ${j}u * TC;
        let p = select(0.0, exp2(b_s[${i}][${j}] * scale_log2 - s_lse[col]), ${ok});
        b_s[${i}][${j}] = p;
        b_dp[${i}][${j}] = p * (b_dp[${i}][${j}] - ${weight(i)} * s_delta[col]);
      }`;
    })
  }
${c.shareScores([["b_s", "s_pt"], ["b_dp", "s_dst"]])}
      ${c.shareBarrier}
      ${c.productOf("b_dv", "b_s", "s_pt", "s_do", vp)}
      ${c.productOf("b_dk", "b_dp", "s_dst", "s_q", kp)}
    }`;
  // Whether query block i selected chunk n (bit i % 32 of chunk n's word i / 32).
  const selects = (n: string) =>
    `((seen[(bh * u.nt + ${n}) * words + i / 32u] >> (i % 32u)) & 1u) != 0u`;
  const blocks = pseudo
    ? `
  var i = i_lo;
  ${stream.init}
  for (; i < i_hi; i++) {
    let i_next = i + 1u;
    workgroupBarrier(); // s_wk is read by the previous block's tiles
    if (lid < ${v.br}u) {
      let n = t0 + lid;
      let seen_here = n < u.nt && !(${selects("min(n, u.nt - 1u)")});
      s_wk[lid] = select(0.0, f32(chunk_len(min(n, u.nt - 1u))), seen_here);
    }
    ${visit}
  }`
    : `
  let own = (bh * u.nt + t0 / u.bt) * words; // this chunk's row of seen
  var i = next_selected(own, i_lo, i_hi);
  ${stream.init}
  while (i < i_hi) {
    let i_next = next_selected(own, i + 1u, i_hi);
    ${visit}
    i = i_next;
  }`;
  /** Stores own-key rows of `acc` × `factor` into grads at `base(key)`, for keys < `count`. */
  const store = (acc: string, f: { d: number; cu: number }, base: string, factor: string) =>
    unroll(RI, (i) => `
  if (t0 + tr + ${i}u * TR < ${pseudo ? "u.nt" : "u.seq"}) {
    let key = t0 + tr + ${i}u * TR;
    let o_row = ${base};
${
      unroll(f.cu, (u) =>
        unroll(4, (e) =>
          `    {
      let col = (tc + ${u}u * TC) * 4u + ${e}u;
      if (col < ${f.d}u) { grads[o_row + col] = ${factor} * ${acc}[${i}][${u}][${e}]; }
    }`))
    }
  }`);
  const [dkBase, dvBase] = pseudo
    ? [
      "u.off_dkc + ((split * u.n_bh + bh) * u.nt + key) * u.dk",
      "u.off_dvc + ((split * u.n_bh + bh) * u.nt + key) * u.dv",
    ]
    : ["(bh * u.seq + key) * u.dk", "u.off_dvx + (bh * u.seq + key) * u.dv"];
  const { g, main, splits, blocks: perSplit } = grid;
  return `
  let g = ${g};
  if (g >= u.n_bh * ${splits} * ${main}) { return; }
  let t0 = (g % ${main}) * ${v.br}u; // first own ${pseudo ? "chunk" : "key row"}
  let split = (g / ${main}) % ${splits}; // range of query blocks
  let bh = g / (${main} * ${splits});
  let tr = lid / TC;
  let tc = lid % TC;
  ${c.laneDeclarations()}
  let words = (u.nt + 31u) / 32u; // of each chunk's row in seen
  let scale_log2 = u.scale * 1.4426950408889634;
  ${loadOwn}
  ${c.featureTile("b_dk", k)} // [own keys][key groups]
  ${c.featureTile("b_dv", V)} // [own keys][value groups]
  let i_lo = split * ${perSplit};
  let i_hi = min(u.nt, i_lo + ${perSplit});${blocks}
${store("b_dk", k, dkBase, "u.scale")}
${store("b_dv", V, dvBase, "1.0")}`;
}
