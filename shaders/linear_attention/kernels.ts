/**
 * One WGSL generator family for the linear-attention ops (SPEC §1–4): normalised, simple,
 * decoupled and variable-length, forward and backward. Three kernel shapes cover everything:
 *
 * - **state kernels** reduce one chunk of rows of one segment (one (b, h), or one
 *   (sequence, head)) for one `TA × TB` tile of the `d_k × d_v` state:
 *   `P[a, b] = Σ_r X[r, a] · w_r Y[r, b]` plus, in the workgroups of the first column tile of a
 *   normalised op, the vector column `P[a, d_v] = Σ_r c_r den[r, a]` from the same staged rows.
 *   That is `[S | m] = Kᵀ[V | 1]` (forward: w = c = 1) and `[dS | dm] = Qᵀ[dO/z | dz]`
 *   (backward, SPEC §1.3; the 1/z_r and dz_r of each staged row from the staged q, dO and o
 *   when one tile covers d_k and d_v, else from a per-row prologue). With several chunks per
 *   segment each workgroup writes its partial sum to scratch (the not-yet-written output or gradient buffer) and the **reduce kernel**
 *   adds the partials in a fixed order (deterministic) and applies σ, 1/L_k and the state's
 *   upstream gradient; with one chunk the state kernel does that itself.
 * - **row kernels** compute one `BT × TN` tile of a per-row output as `X[rows, :] · M`, with M
 *   the state (or its transpose) and a per-role epilogue: `o`, `dq`, `dk`, `dv`. The output
 *   kernel's denominator z = q·m + ε is summed from the same staged q tiles.
 *
 * Each invocation owns `RT × 4·CV` outputs in f32 registers (an unrolled FMA block); operands
 * are staged in workgroup memory by real loops. The dq kernel's per-row statistics (z and
 * dz = −dO·o / z) are computed cooperatively per row block. Tile sizes are compile-time
 * constants; chunk lengths are uniforms.
 * @module
 */
import { FLAT_GROUP_WGSL, type StorageBinding, UniformBlock, unroll } from "../common.ts";
import type { DType } from "../common.ts";

/** Largest d_k and d_v the kernels take (the vector m is staged whole in workgroup memory). */
export const LA_MAX_DIM = 256;

/** Which member of the family (compile-time). */
export interface LaVariant {
  /** Storage dtype of the row tensors (states are always f32). */
  dtype: DType;
  /** With the normaliser z = q·m + ε (false: simple linear attention, SPEC §4). */
  normalised: boolean;
  /** Numerator from rotary features, denominator from plain ones (SPEC §2). */
  decoupled: boolean;
  /** Segments are packed sequences given by `cu_seqlens` (SPEC §3). */
  varlen: boolean;
}

/** Steps of BR rows a state kernel sums before adding them to its running total. */
const STATE_FLUSH = 32;

/** Invocations per workgroup of the reduce kernel. */
export const REDUCE_THREADS = 256;

/** Register/workgroup tiling of a state kernel (compile-time constants). */
export interface StateTiles {
  /** State rows (d_k) per workgroup. */
  ta: number;
  /** State columns (d_v) per workgroup. */
  tb: number;
  /** Sequence rows staged per step. */
  rows: number;
  /** State rows per invocation (multiple of 4). */
  ra: number;
  /** vec4 columns per invocation. */
  cv: number;
}

/** Register/workgroup tiling of a row kernel (compile-time constants). */
export interface RowTiles {
  /** Sequence rows per workgroup. */
  bt: number;
  /** Output columns per workgroup. */
  tn: number;
  /** Inner-dimension step staged per iteration. */
  bi: number;
  /** Rows per invocation (multiple of 4). */
  rt: number;
  /** vec4 columns per invocation. */
  cv: number;
}

/** Invocations per workgroup of a state kernel with tiles `t`. */
export function stateThreads(t: StateTiles): number {
  return (t.ta / t.ra) * (t.tb / (4 * t.cv));
}

/** Invocations per workgroup of a row kernel with tiles `t`. */
export function rowThreads(t: RowTiles): number {
  return (t.bt / t.rt) * (t.tn / (4 * t.cv));
}

/**
 * Uniforms shared by every kernel of the family. A segment `i_seg` is one (b, h) of the
 * current slice (or one (sequence, head)); its row r of a tensor with feature size d starts at
 * element `off + (row0(i_seg) + r) · he · d + (i_seg % he) · d`, which covers [B·H, 1, T, D]
 * (`he` = 1), [B, T, H, D] (`he` = H) and packed [T_total, H, D].
 */
export const laParams = new UniformBlock({
  groups: "u32", // workgroups in this launch
  rows: "u32", // rows per segment (dense)
  he: "u32", // heads interleaved in a row (1 for BHTD)
  dk: "u32",
  dv: "u32",
  ld: "u32", // state row length: dv + 1 (normalised: m is the last column) or dv
  tiles_n: "u32", // output tiles along the fastest grid axis
  tiles_a: "u32", // state kernels: tiles along d_k
  blocks: "u32", // row kernels (dense): row blocks per segment
  table: "u32", // varlen: where the row-block or chunk table starts in `seqs`
  chunk_first: "u32", // varlen: where each sequence's first chunk index starts in `seqs`
  chunk: "u32", // state kernels: rows per chunk
  chunks: "u32", // dense: chunks per segment
  direct: "u32", // state kernels: 1 = one chunk, write the finished state; 0 = partials
  sigma_default: "u32", // varlen: σ_s = 1/n_s
  sigma: "f32",
  inv_len: "f32", // 1 / L_k (dense)
  eps: "f32",
  off_x: "u32",
  off_y: "u32",
  off_den: "u32",
  off_o: "u32",
  off_mat: "u32",
  off_gs: "u32",
  off_part: "u32",
  off_out: "u32",
  off_out2: "u32",
});

/** Field names of {@linkcode laParams}. */
export type LaParamName = typeof laParams.fields[number][0];

/** A storage binding of a kernel, in binding order. */
export interface LaBinding {
  /** Name (`x`, `y`, `den`, `o`, `mat`, `gs`, `part`, `out`, `out2`, `seqs`). */
  name: string;
  /** Element type: the row dtype, f32 states (and partials), or u32 metadata. */
  type: "row" | "f32" | "u32";
  /** Whether the kernel writes it. */
  write: boolean;
}

/** A generated kernel: its storage bindings and WGSL. */
export interface LaShader {
  storage: StorageBinding[];
  wgsl: string;
}

/** The four row-kernel roles. */
export type RowRole = "o" | "dq" | "dk" | "dv";

/** Whether binding `b` is declared as `array<vec4<dtype>>` (vecLoads: the row tensors read). */
function isVec4(b: LaBinding, vecLoads: boolean): boolean {
  return vecLoads && b.type === "row" && !b.write;
}

function storageOf(bindings: LaBinding[], dtype: DType, vecLoads = false): StorageBinding[] {
  const el = { row: dtype, f32: "f32", u32: "u32" };
  return bindings.map((b) => ({
    name: b.name,
    access: b.write ? "read_write" : "read",
    type: isVec4(b, vecLoads) ? `vec4<${el[b.type]}>` : el[b.type],
  }));
}

/**
 * `ld_<name>(i)`: f32 load of element i (relative to the window offset), with aliases. A
 * binding declared as vec4s also gets `ld4_<name>(i)`: elements i..i+3 (window offset + i a
 * multiple of 4, which the launcher checks).
 */
function loaders(names: Record<string, string>, vec4s: Set<string>): string {
  return Object.entries(names).map(([alias, b]) =>
    vec4s.has(b)
      ? `fn ld_${alias}(i: u32) -> f32 { let j = u.off_${b} + i; return f32(${b}[j / 4u][j % 4u]); }
fn ld4_${alias}(i: u32) -> vec4f { return vec4f(${b}[(u.off_${b} + i) / 4u]); }`
      : `fn ld_${alias}(i: u32) -> f32 { return f32(${b}[u.off_${b} + i]); }`
  ).join("\n");
}

/**
 * Text of a staging loop loading one feature (or, with `vec`, 4 consecutive features) per
 * invocation and iteration from rows of `n` features: items per row, the row and first feature
 * of item e, the zero value and the loader prefix.
 */
function staging(vec: boolean, n: string) {
  return {
    count: vec ? `${n} / 4u` : n,
    row: vec ? `e / (${n} / 4u)` : `e / ${n}`,
    feature: vec ? `(e % (${n} / 4u)) * 4u` : `e % ${n}`,
    zero: vec ? "vec4f(0.0)" : "0.0",
    ld: vec ? "ld4" : "ld",
  };
}

/** `name[i]` of an f32 workgroup array, or of one declared as vec4s (`vec4`). */
function scalarAt(name: string, i: string, vec4: boolean): string {
  return vec4 ? `${name}[(${i}) / 4u][(${i}) % 4u]` : `${name}[${i}]`;
}

/** Segment geometry (see {@linkcode laParams}). */
function geometry(v: LaVariant): string {
  const row0 = v.varlen ? "seqs[i_seg / u.he]" : "(i_seg / u.he) * u.rows";
  const rows = v.varlen ? "seqs[i_seg / u.he + 1u] - seqs[i_seg / u.he]" : "u.rows";
  // σ and 1/L_k: per sequence for varlen (L_k = n_s), uniforms otherwise.
  const invLen = v.varlen
    ? "select(0.0, 1.0 / f32(seg_rows(i_seg)), seg_rows(i_seg) > 0u)"
    : "u.inv_len";
  const sigma = v.varlen ? `select(u.sigma, seg_inv_len(i_seg), u.sigma_default != 0u)` : "u.sigma";
  return `
fn seg_row0(i_seg: u32) -> u32 { return ${row0}; }
fn seg_rows(i_seg: u32) -> u32 { return ${rows}; }
fn seg_inv_len(i_seg: u32) -> f32 { return ${invLen}; }
fn seg_sigma(i_seg: u32) -> f32 { return ${sigma}; }
// Element index (before the window offset) of row r of segment i_seg, feature size d.
fn row_index(i_seg: u32, r: u32, d: u32) -> u32 {
  return (seg_row0(i_seg) + r) * u.he * d + (i_seg % u.he) * d;
}
`;
}

/**
 * Per-row statistics for `R` rows starting at r0 (SPEC §1.3): s_w[r] = 1/z_r with
 * z_r = den_r·m + ε and s_c[r] = dz_r = −(dO_r·o_r)/z_r; rows at or past `end` get 0. Each row
 * is summed by NT/R neighbouring invocations: `staged` reads the rows from the staged tiles
 * (`den` and `o` read s_den or s_x and s_o; a tile holds whole rows), else from global memory
 * (coalesced).
 * Needs s_m (m).
 */
function rowStatsFn(
  R: number,
  NT: number,
  staged?: { ta: number; tb: number; den: string; o: string },
) {
  const parts = NT / R;
  const sums = staged
    ? `for (var a = p; a < ${staged.ta}u; a += ${parts}u) { part.x += ${staged.den} * s_m[a]; }
    for (var b = p; b < ${staged.tb}u; b += ${parts}u) {
      let i = r * ${staged.tb}u + b;
      part.y += s_y[i / 4u][i % 4u] * ${staged.o};
    }`
    : `let i_den = row_index(i_seg, r0 + r, u.dk);
    for (var a = p; a < u.dk; a += ${parts}u) { part.x += ld_den(i_den + a) * s_m[a]; }
    let i_o = row_index(i_seg, r0 + r, u.dv);
    for (var b = p; b < u.dv; b += ${parts}u) { part.y += ld_dout(i_o + b) * ld_o(i_o + b); }`;
  return `
var<workgroup> s_part: array<vec2f, NT>;
var<workgroup> s_w: array<f32, ${R}>;  // 1 / z_r
var<workgroup> s_c: array<f32, ${R}>;  // dz_r
fn row_stats(i_seg: u32, r0: u32, end: u32, lid: u32) {
  let r = lid / ${parts}u;
  let p = lid % ${parts}u;
  var part = vec2f(0.0);
  if (r0 + r < end) {
    ${sums}
  }
  s_part[lid] = part;
  workgroupBarrier();
  if (lid < ${R}u) {
    var sum = vec2f(0.0);
    for (var i = 0u; i < ${parts}u; i += 1u) { sum += s_part[lid * ${parts}u + i]; }
    let z = sum.x + u.eps;
    let inside = r0 + lid < end;
    s_w[lid] = select(0.0, 1.0 / z, inside);
    s_c[lid] = select(0.0, -sum.y / z, inside);
  }
  workgroupBarrier();
}`;
}

/** Stages the vector column (m, or dm/L_k) of the state at `o_mat` into s_m. */
const STAGE_VECTOR = `
  for (var a = lid; a < u.dk; a += NT) { s_m[a] = mat[o_mat + a * u.ld + u.dv]; }
  workgroupBarrier();`;

const S_M = `var<workgroup> s_m: array<f32, ${LA_MAX_DIM}>;`;

function header(
  v: LaVariant,
  bindings: LaBinding[],
  names: Record<string, string>,
  vecLoads = false,
): string {
  const vec4s = new Set(bindings.filter((b) => isVec4(b, vecLoads)).map((b) => b.name));
  return `${v.dtype === "f16" ? "enable f16;\n" : ""}
${FLAT_GROUP_WGSL}
${loaders(names, vec4s)}
${geometry(v)}`;
}

function binding(name: string, type: LaBinding["type"] = "row", write = false): LaBinding {
  return { name, type, write };
}

/**
 * The `RA × 4·CV` register block of one staged step: `acc[j][cv] += x[j] · y[cv]` for `n`
 * staged rows, unrolled. `xAt(s)`/`yAt(s)` give the vec4 index of the invocation's first x/y
 * vec4 in staged row `s`.
 */
function fmaBlock(
  n: number,
  ra: number,
  cv: number,
  xAt: (s: number) => string,
  yAt: (s: number) => string,
  xName = "s_x",
  yName = "s_y",
  yScale?: (s: number) => string,
): string {
  return unroll(n, (s) =>
    `    {
${unroll(ra / 4, (rv) => `      let x${rv} = ${xName}[${xAt(s)} + ${rv}u];`)}
${
      unroll(
        cv,
        (c) => `      let y${c} = ${yName}[${yAt(s)} + ${c}u]${yScale ? ` * ${yScale(s)}` : ""};`,
      )
    }
${
      unroll(ra, (j) =>
        unroll(
          cv,
          (c) =>
            `      acc[${j * cv + c}] = fma(vec4f(x${j >> 2}[${j & 3}]), y${c}, acc[${
              j * cv + c
            }]);`,
        ))
    }
    }`);
}

/**
 * State kernel: forward `[S | m]` (`pass: "fwd"`) or backward `[dS | dm/L_k]` (`"bwd"`) over
 * one chunk of rows per workgroup. `withGs`: the backward adds an upstream state gradient `gs`
 * to dS (simple, SPEC §4; direct mode only, else the reduce kernel adds it). `wholeRows`: one
 * tile covers d_k and d_v, so the backward's z and dz come from the staged tiles.
 * Grid: dense: (segment, chunk) × tiles_a × tiles_n; varlen: (chunk-table entry, head) × ….
 * Output: `u.direct` = 1: the finished state of segment i_seg; 0: raw partial sums at partial
 * index `part` of `out` (f32 scratch). `vecLoads`: the staging loops load 4 features per
 * invocation (d_k, d_v and every row window's offset multiples of 4; the launcher checks).
 */
export function stateKernel(
  v: LaVariant,
  pass: "fwd" | "bwd",
  t: StateTiles,
  withGs = false,
  wholeRows = false,
  vecLoads = false,
): LaShader {
  const NT = stateThreads(t);
  const RV = t.ra / 4, CV = t.cv, NTB = t.tb / (4 * CV);
  const bwdStats = pass === "bwd" && v.normalised;
  const dec = v.normalised && v.decoupled;
  // Backward statistics from the staged tiles (one tile covers d_k and d_v): o staged too.
  const staged = bwdStats && wholeRows;
  // x: numerator rows (k / k_rope / q / q_rope); y: v or dO; den: plain features for m / dm.
  const bindings = [binding("x"), binding("y")];
  const names: Record<string, string> = { x: "x", y: "y" };
  if (dec) bindings.push(binding("den"));
  if (v.normalised) names.den = dec ? "den" : "x";
  if (bwdStats) {
    bindings.push(binding("o"), binding("mat", "f32"));
    Object.assign(names, { o: "o", dout: "y" });
  }
  if (withGs) bindings.push(binding("gs", "f32"));
  if (withGs) names.gs = "gs";
  if (v.varlen) bindings.push(binding("seqs", "u32"));
  bindings.push(binding("out", "f32", true));
  const decode = v.varlen
    ? `let i_seg = seqs[u.table + 2u * (part / u.he)] * u.he + part % u.he;
  let r_begin = seqs[u.table + 2u * (part / u.he) + 1u];`
    : `let i_seg = part / u.chunks;
  let r_begin = (part % u.chunks) * u.chunk;`;
  const flush =
    unroll(t.ra * CV, (i) => `    total[${i}] += acc[${i}];\n    acc[${i}] = vec4f(0.0);`) +
    "\n    b_total += b_vec;\n    b_vec = 0.0;";
  const vecRow = (s: number) =>
    dec
      ? scalarAt("s_den", `${s * t.ta}u + lid`, vecLoads)
      : `s_x[${(s * t.ta) / 4}u + lid / 4u][lid % 4u]`;
  // s_den and s_o: f32 arrays, or vec4s written whole by vecLoads' staging loops.
  const staged4 = (n: number) => vecLoads ? `array<vec4f, ${n / 4}>` : `array<f32, ${n}>`;
  const sx = staging(vecLoads, "TA"), sy = staging(vecLoads, "TB");
  const wgsl = `${header(v, bindings, names, vecLoads)}
const TA = ${t.ta}u;  // d_k rows of the state per workgroup
const TB = ${t.tb}u;  // d_v columns per workgroup
const BR = ${t.rows}u;  // sequence rows staged per step
const NT = ${NT}u;
var<workgroup> s_x: array<vec4f, ${(t.rows * t.ta) / 4}>;  // [BR][TA]: x rows
var<workgroup> s_y: array<vec4f, ${(t.rows * t.tb) / 4}>;  // [BR][TB]: y rows (bwd: / z_r)
${dec ? `var<workgroup> s_den: ${staged4(t.rows * t.ta)};  // [BR][TA]: plain features` : ""}
${staged ? `var<workgroup> s_o: ${staged4(t.rows * t.tb)};  // [BR][TB]: o rows` : ""}
${
    bwdStats
      ? `${S_M}\n${
        rowStatsFn(
          t.rows,
          NT,
          staged
            ? {
              ta: t.ta,
              tb: t.tb,
              den: dec
                ? scalarAt("s_den", "r * TA + a", vecLoads)
                : "s_x[(r * TA + a) / 4u][a % 4u]",
              o: scalarAt("s_o", "i", vecLoads),
            }
            : undefined,
        )
      }`
      : ""
  }

@compute @workgroup_size(NT)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);
  if (g >= u.groups) { return; }
  let i_b = g % u.tiles_n;
  let i_a = (g / u.tiles_n) % u.tiles_a;
  let part = g / (u.tiles_n * u.tiles_a);  // partial index: (segment, chunk)
  ${decode}
  let r_end = min(r_begin + u.chunk, seg_rows(i_seg));
  let a0 = i_a * TA;
  let b0 = i_b * TB;
  // The first column tile also sums the vector column: invocation lid owns state row a0 + lid.
  let vec_col = ${v.normalised} && i_b == 0u;
  let with_den = ${staged ? "true" : "vec_col"};  // stage the plain features
  ${bwdStats ? `let o_mat = u.off_mat + i_seg * u.dk * u.ld;${STAGE_VECTOR}` : ""}
  let tb = lid % ${NTB}u;  // this invocation: state rows ta·RA.., vec4 columns tb·CV..
  let ta = lid / ${NTB}u;
  // Blocked summation: \`acc\` sums FLUSH steps of BR rows, then is added to \`total\`.
  var acc: array<vec4f, ${t.ra * CV}>;
  var total: array<vec4f, ${t.ra * CV}>;
  var b_vec = 0.0;
  var b_total = 0.0;
  var steps = 0u;
  for (var r0 = r_begin; r0 < r_end; r0 += BR) {
    ${bwdStats && !staged ? "row_stats(i_seg, r0, r_end, lid);" : ""}
    for (var e = lid; e < BR * ${sx.count}; e += NT) {
      let r = ${sx.row};
      let a = ${sx.feature};
      var val = ${sx.zero};
      ${dec ? `var den_val = ${sx.zero};` : ""}
      if (r0 + r < r_end && a0 + a < u.dk) {
        let i = row_index(i_seg, r0 + r, u.dk) + a0 + a;
        val = ${sx.ld}_x(i);
        ${dec ? `if (with_den) { den_val = ${sx.ld}_den(i); }` : ""}
      }
      ${vecLoads ? "s_x[e] = val;" : "s_x[e / 4u][e % 4u] = val;"}
      ${dec ? "s_den[e] = den_val;" : ""}
    }
    for (var e = lid; e < BR * ${sy.count}; e += NT) {
      let r = ${sy.row};
      let b = ${sy.feature};
      var val = ${sy.zero};
      ${staged ? `var o_val = ${sy.zero};` : ""}
      if (r0 + r < r_end && b0 + b < u.dv) {
        let i = row_index(i_seg, r0 + r, u.dv) + b0 + b;
        val = ${sy.ld}_y(i);
        ${staged ? `o_val = ${sy.ld}_o(i);` : ""}
      }
      ${vecLoads ? "s_y[e] = val;" : "s_y[e / 4u][e % 4u] = val;"}
      ${staged ? "s_o[e] = o_val;" : ""}
    }
    workgroupBarrier();
    ${staged ? "row_stats(i_seg, r0, r_end, lid);" : ""}
${
    fmaBlock(
      t.rows,
      t.ra,
      CV,
      (s) => `${(s * t.ta) / 4}u + ta * ${RV}u`,
      (s) => `${(s * t.tb) / 4}u + tb * ${CV}u`,
      "s_x",
      "s_y",
      bwdStats ? (s) => `s_w[${s}u]` : undefined,
    )
  }
    if (vec_col && lid < TA) {
${unroll(t.rows, (s) => `      b_vec += ${vecRow(s)}${bwdStats ? ` * s_c[${s}u]` : ""};`)}
    }
    workgroupBarrier();
    steps += 1u;
    if (steps == ${STATE_FLUSH}u) {
      steps = 0u;
${flush}
    }
  }
${flush}
  let direct = u.direct != 0u;
  let scale = select(1.0, ${pass === "fwd" ? "seg_sigma(i_seg)" : "1.0"}, direct);
  let o_out = u.off_out + select(part, i_seg, direct) * u.dk * u.ld;
${
    unroll(t.ra * CV, (k) =>
      `  {
    let a = a0 + ta * ${t.ra}u + ${Math.floor(k / CV)}u;
    let sums = total[${k}];
    for (var c = 0u; c < 4u; c += 1u) {
      let b = b0 + (tb * ${CV}u + ${k % CV}u) * 4u + c;
      if (a < u.dk && b < u.dv) {
        var val = sums[c] * scale;
        ${withGs ? "if (direct) { val += ld_gs(i_seg * u.dk * u.dv + a * u.dv + b); }" : ""}
        out[o_out + a * u.ld + b] = val;
      }
    }
  }`)
  }
  if (vec_col && lid < min(TA, u.dk - a0)) {
    out[o_out + (a0 + lid) * u.ld + u.dv] = b_total * select(1.0, seg_inv_len(i_seg), direct);
  }
}
`;
  return { storage: storageOf(bindings, v.dtype, vecLoads), wgsl };
}

/**
 * Reduce kernel: the state of each segment from its chunks' partial sums (f32 scratch `part`),
 * added in chunk order (deterministic), then scaled (σ for S in the forward, 1/L_k for the
 * vector column) plus the upstream state gradient `gs` (`withGs`).
 * Grid: segments × ⌈d_k·ld / REDUCE_THREADS⌉; `tiles_n` = the second factor.
 */
export function reduceKernel(v: LaVariant, pass: "fwd" | "bwd", withGs = false): LaShader {
  const bindings = [binding("part", "f32")];
  const names: Record<string, string> = {};
  if (withGs) bindings.push(binding("gs", "f32"));
  if (withGs) names.gs = "gs";
  if (v.varlen) bindings.push(binding("seqs", "u32"));
  bindings.push(binding("out", "f32", true));
  // Partial index of chunk c of segment i_seg (see the state kernel's `part`).
  const range = v.varlen
    ? `let first = seqs[u.chunk_first + i_seg / u.he];
  let count = seqs[u.chunk_first + i_seg / u.he + 1u] - first;
  let stride = u.he;
  let base = first * u.he + i_seg % u.he;`
    : `let count = u.chunks;
  let stride = 1u;
  let base = i_seg * u.chunks;`;
  const wgsl = `${header(v, bindings, names)}
@compute @workgroup_size(${REDUCE_THREADS})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);
  if (g >= u.groups) { return; }
  let size = u.dk * u.ld;
  let i_seg = g / u.tiles_n;
  let e = (g % u.tiles_n) * ${REDUCE_THREADS}u + lid;
  if (e >= size) { return; }
  ${range}
  var sum = 0.0;
  for (var c = 0u; c < count; c += 1u) { sum += part[u.off_part + (base + c * stride) * size + e]; }
  let b = e % u.ld;
  if (b < u.dv) {
    sum *= ${pass === "fwd" ? "seg_sigma(i_seg)" : "1.0"};
    ${withGs ? "sum += ld_gs(i_seg * u.dk * u.dv + (e / u.ld) * u.dv + b);" : ""}
  } else {
    sum *= seg_inv_len(i_seg);
  }
  out[u.off_out + i_seg * size + e] = sum;
}
`;
  return { storage: storageOf(bindings, v.dtype), wgsl };
}

/**
 * Row kernel for `role` (SPEC §1.2, §1.3, §2, §4); the matmul operand X, the state M and the
 * epilogue per role:
 * - `o`:  X = q (q_rope), M = S, o = acc / z (simple: acc), z = q·m + ε summed from the
 *   staged q tiles (decoupled: plain q tiles staged beside them)
 * - `dq`: X = dO, M = Sᵀ, dq = acc / z + dz·m (decoupled: out = dq_rope = acc / z,
 *   out2 = dq = dz·m; simple: acc)
 * - `dk`: X = v, M = dSᵀ, dk = σ·acc + dm/L_k (decoupled: out = dk_rope, out2 = dk = dm/L_k)
 * - `dv`: X = k (k_rope), M = dS, dv = σ·acc
 *
 * Grid: dense: segments × blocks × tiles_n; varlen: block-table entries × he × tiles_n.
 * `vecLoads`: the X staging loop loads 4 features per invocation (d_k, d_v and every row
 * window's offset multiples of 4; the launcher checks).
 */
export function rowKernel(v: LaVariant, role: RowRole, t: RowTiles, vecLoads = false): LaShader {
  const NT = rowThreads(t);
  const RV = t.rt / 4, CV = t.cv, NTN = t.tn / (4 * CV);
  const n = v.normalised;
  const zFromTiles = n && role === "o"; // z summed from the staged q (or plain q) tiles
  const dqStats = n && role === "dq"; // z and dz from row_stats
  const vector = n && role !== "dv";
  const two = v.decoupled && n && (role === "dq" || role === "dk");
  const inner = role === "o" || role === "dv" ? "u.dk" : "u.dv";
  const outer = role === "o" || role === "dv" ? "u.dv" : "u.dk";
  const transposed = role === "dq" || role === "dk";
  const stageDen = zFromTiles && v.decoupled;
  const bindings = [binding("x")];
  const names: Record<string, string> = { x: "x" };
  if (stageDen || dqStats) bindings.push(binding("den"));
  if (stageDen || dqStats) names.den = "den";
  if (dqStats) {
    bindings.push(binding("o"));
    Object.assign(names, { o: "o", dout: "x" });
  }
  bindings.push(binding("mat", "f32"));
  if (v.varlen) bindings.push(binding("seqs", "u32"));
  bindings.push(binding("out", "row", true));
  if (two) bindings.push(binding("out2", "row", true));
  const value = {
    o: n ? "acc_v * s_w[r]" : "acc_v",
    dq: n ? (v.decoupled ? "acc_v * s_w[r]" : "acc_v * s_w[r] + s_c[r] * s_m[col]") : "acc_v",
    dk: n && !v.decoupled ? "sigma * acc_v + s_m[col]" : "sigma * acc_v",
    dv: "sigma * acc_v",
  }[role];
  const value2 = role === "dq" ? "s_c[r] * s_m[col]" : "s_m[col]";
  const et = v.dtype;
  const matIndex = transposed ? "(n0 + c) * u.ld + i0 + i" : "(i0 + i) * u.ld + n0 + c";
  const decode = v.varlen
    ? `let h = rest % u.he;
  let e = rest / u.he;
  let i_seg = seqs[u.table + 2u * e] * u.he + h;
  let r0 = seqs[u.table + 2u * e + 1u];`
    : `let i_seg = rest / u.blocks;
  let r0 = (rest % u.blocks) * BT;`;
  const zRow = stageDen ? "s_den[i * BT + lid]" : "s_x[(i * BT + lid) / 4u][lid % 4u]";
  const sx = staging(vecLoads, "BI");
  // Staged transposed ([BI][BT]): features i.. of row r (a vec4 of them: one per tile row i).
  const store = (i: string, c: string, pad: string) =>
    `s_x[(${i} * BT + r) / 4u][r % 4u] = val${c};
${pad}${stageDen ? `s_den[${i} * BT + r] = den_val${c};` : ""}`;
  const wgsl = `${header(v, bindings, names, vecLoads)}
const BT = ${t.bt}u;  // rows per workgroup
const TN = ${t.tn}u;  // output columns per workgroup
const BI = ${t.bi}u;  // inner-dimension step
const NT = ${NT}u;
var<workgroup> s_x: array<vec4f, ${(t.bi * t.bt) / 4}>;  // [BI][BT]: X chunk, transposed
var<workgroup> s_mt: array<vec4f, ${(t.bi * t.tn) / 4}>;  // [BI][TN]: state chunk
${
    stageDen
      ? `var<workgroup> s_den: array<f32, ${t.bi * t.bt}>;  // [BI][BT]: plain q, transposed`
      : ""
  }
${vector ? `${S_M}  // m (o, dq) or dm/L_k (dk)` : ""}
${zFromTiles ? "var<workgroup> s_w: array<f32, BT>;  // 1 / z_r" : ""}
${dqStats ? rowStatsFn(t.bt, NT) : ""}

@compute @workgroup_size(NT)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);
  if (g >= u.groups) { return; }
  let n0 = (g % u.tiles_n) * TN;
  let rest = g / u.tiles_n;
  ${decode}
  let n_rows = seg_rows(i_seg);
  let o_mat = u.off_mat + i_seg * u.dk * u.ld;
  let sigma = seg_sigma(i_seg);
  ${vector ? STAGE_VECTOR : ""}
  ${dqStats ? "row_stats(i_seg, r0, n_rows, lid);" : ""}
  let tn = lid % ${NTN}u;  // this invocation: rows tr·RT.., vec4 columns tn·CV..
  let tr = lid / ${NTN}u;
  var acc: array<vec4f, ${t.rt * CV}>;
  ${zFromTiles ? "var z = 0.0;  // invocations lid < BT: q_r·m of row r0 + lid" : ""}
  for (var i0 = 0u; i0 < ${inner}; i0 += BI) {
    for (var e = lid; e < ${sx.count} * BT; e += NT) {
      let r = ${sx.row};
      let i = ${sx.feature};
      var val = ${sx.zero};
      ${stageDen ? `var den_val = ${sx.zero};` : ""}
      if (r0 + r < n_rows && i0 + i < ${inner}) {
        let i_x = row_index(i_seg, r0 + r, ${inner}) + i0 + i;
        val = ${sx.ld}_x(i_x);
        ${stageDen ? `den_val = ${sx.ld}_den(i_x);` : ""}
      }
      ${
    vecLoads
      ? `for (var c = 0u; c < 4u; c += 1u) {
        ${store("(i + c)", "[c]", "        ")}
      }`
      : store("i", "", "      ")
  }
    }
    for (var e = lid; e < BI * TN; e += NT) {
      let i = e / TN;
      let c = e % TN;
      var val = 0.0;
      if (i0 + i < ${inner} && n0 + c < ${outer}) { val = mat[o_mat + ${matIndex}]; }
      s_mt[e / 4u][e % 4u] = val;
    }
    workgroupBarrier();
${
    fmaBlock(
      t.bi,
      t.rt,
      CV,
      (i) => `${(i * t.bt) / 4}u + tr * ${RV}u`,
      (i) => `${(i * t.tn) / 4}u + tn * ${CV}u`,
      "s_x",
      "s_mt",
    )
  }
    ${
    zFromTiles
      ? `if (lid < BT) {
      for (var i = 0u; i < min(BI, u.dk - i0); i += 1u) { z += ${zRow} * s_m[i0 + i]; }
    }`
      : ""
  }
    workgroupBarrier();
  }
  ${
    zFromTiles
      ? `if (lid < BT) { s_w[lid] = 1.0 / (z + u.eps); }
  workgroupBarrier();`
      : ""
  }
${
    unroll(t.rt * CV, (k) =>
      `  {
    let r = tr * ${t.rt}u + ${Math.floor(k / CV)}u;
    let sums = acc[${k}];
    for (var c = 0u; c < 4u; c += 1u) {
      let col = n0 + (tn * ${CV}u + ${k % CV}u) * 4u + c;
      if (r0 + r < n_rows && col < ${outer}) {
        let acc_v = sums[c];
        let i_out = row_index(i_seg, r0 + r, ${outer}) + col;
        out[u.off_out + i_out] = ${et}(${value});
        ${two ? `out2[u.off_out2 + i_out] = ${et}(${value2});` : ""}
      }
    }
  }`)
  }
}
`;
  return { storage: storageOf(bindings, v.dtype, vecLoads), wgsl };
}
