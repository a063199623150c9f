/**
 * One WGSL generator family for the linear-attention ops (SPEC §1–4): normalised, simple,
 * decoupled and variable-length, forward and backward. Two kernel shapes cover everything:
 *
 * - **state kernels** reduce over the rows of one segment (one (b, h), or one (sequence, head)):
 *   `out[a, b] = scale · Σ_r w_r X[r, a] Y[r, b]` for one `TA × TB` tile of the `d_k × d_v`
 *   state, plus (normalised ops) the vector column `out[a, d_v] = inv_len · Σ_r c_r den[r, a]`.
 *   Forward: X = k (or k_rope), Y = v, w = c = 1, giving `[S | m]`. Backward: X = q (or
 *   q_rope), Y = dO, w = 1/z, c = dz, giving `[dS | dm/L_k]` (SPEC §1.3). Workgroups own
 *   output tiles and loop over all rows, so there are no partial states and no atomics.
 * - **row kernels** compute one `BT × TN` tile of a per-row output as `X[rows, :] · M`, with M
 *   the state (or its transpose) and a per-role epilogue: `o`, `dq`, `dk`, `dv`.
 *
 * Each invocation owns `RT × 4·CV` outputs in f32 registers; operands are staged in workgroup
 * memory and read back as vec4. Per-row statistics (z = q·m + ε, dz = −dO·o / z) are computed
 * cooperatively inside the kernel that needs them. Tile sizes are compile-time constants.
 * @module
 */
import { FLAT_GROUP_WGSL, UniformBlock } from "../ops/_runtime/kernel.ts";
import type { DType } from "../ops/_runtime/tensor.ts";

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
  table: "u32", // varlen row kernels: where the block table starts in `seqs`
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
  off_out: "u32",
  off_out2: "u32",
});

/** Field names of {@linkcode laParams}. */
export type LaParamName = typeof laParams.fields[number][0];

/** A storage binding of a kernel, in binding order. */
export interface LaBinding {
  /** Name (`x`, `y`, `den`, `o`, `mat`, `gs`, `out`, `out2`, `seqs`). */
  name: string;
  /** Element type: the row dtype, f32 states, or u32 metadata. */
  type: "row" | "f32" | "u32";
  /** Whether the kernel writes it. */
  write: boolean;
}

/** A generated kernel: its bindings and WGSL. */
export interface LaShader {
  bindings: LaBinding[];
  wgsl: string;
}

/** The four row-kernel roles. */
export type RowRole = "o" | "dq" | "dk" | "dv";

/** Unrolls `body(i)` for i in [0, n). */
function unroll(n: number, body: (i: number) => string): string {
  return Array.from({ length: n }, (_, i) => body(i)).join("\n");
}

/**
 * Unrolled `for (e = lid; e < total; e += NT)`: constant-trip loops are written out, which
 * also keeps lavapipe's (llvmpipe's) cap of 65 535 loop iterations per invocation (counted
 * over all loops) for the one loop over sequence rows.
 */
function strided(total: number, threads: number, body: string | ((k: number) => string)) {
  return unroll(Math.ceil(total / threads), (k) => {
    const guard = (k + 1) * threads > total ? `if (e < ${total}u) ` : "";
    return `    { let e = lid + ${k * threads}u; ${guard}{${
      typeof body === "string" ? body : body(k)
    }} }`;
  });
}

function declare(bindings: LaBinding[], dtype: DType): string {
  const el = { row: dtype, f32: "f32", u32: "u32" };
  return bindings.map((b, i) =>
    `@group(0) @binding(${i}) var<storage, ${b.write ? "read_write" : "read"}> ${b.name}: ` +
    `array<${el[b.type]}>;`
  ).join("\n");
}

/** `ld_<name>(i)`: f32 load of element i (relative to the window offset), with aliases. */
function loaders(names: Record<string, string>): string {
  return Object.entries(names).map(([alias, b]) =>
    `fn ld_${alias}(i: u32) -> f32 { return f32(${b}[u.off_${b} + i]); }`
  ).join("\n");
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
 * Cooperative per-row statistics for `R` rows starting at r0 (SPEC §1.3): s_w[r] = 1/z_r with
 * z_r = den_r·m + ε, and with `withDz`, s_c[r] = dz_r = −(dO_r·o_r)/z_r. Rows past the segment
 * get 0. Needs s_m (m), `NT` invocations, NT % R == 0.
 */
function rowStatsFn(R: number, NT: number, withDz: boolean): string {
  const parts = NT / R;
  return `
fn row_stats(i_seg: u32, r0: u32, n_rows: u32, lid: u32) {
  let parts = NT / ${R}u;
  let r = lid / parts;
  let p = lid % parts;
  var part = vec2f(0.0);
  if (r0 + r < n_rows) {
    let i_den = row_index(i_seg, r0 + r, u.dk);
    for (var a = p; a < u.dk; a += parts) { part.x += ld_den(i_den + a) * s_m[a]; }
    ${
    withDz
      ? `let i_o = row_index(i_seg, r0 + r, u.dv);
    for (var b = p; b < u.dv; b += parts) { part.y += ld_dout(i_o + b) * ld_o(i_o + b); }`
      : ""
  }
  }
  s_part[lid] = part;
  workgroupBarrier();
  if (lid < ${R}u) {
    var sum = vec2f(0.0);
${unroll(parts, (i) => `    sum += s_part[lid * parts + ${i}u];`)}
    let z = sum.x + u.eps;
    let inside = r0 + lid < n_rows;
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

function header(v: LaVariant, bindings: LaBinding[], names: Record<string, string>): string {
  return `${v.dtype === "f16" ? "enable f16;\n" : ""}
${declare(bindings, v.dtype)}
${laParams.wgsl(bindings.length)}
${FLAT_GROUP_WGSL}
${loaders(names)}
${geometry(v)}`;
}

function binding(name: string, type: LaBinding["type"] = "row", write = false): LaBinding {
  return { name, type, write };
}

/**
 * State kernel: forward `[S | m]` (`pass: "fwd"`) or backward `[dS | dm/L_k]` (`"bwd"`).
 * `withGs`: the backward adds an upstream state gradient `gs` to dS (simple, SPEC §4).
 * Grid: segments × tiles_a × tiles_n.
 */
export function stateKernel(
  v: LaVariant,
  pass: "fwd" | "bwd",
  t: StateTiles,
  withGs = false,
): LaShader {
  const NT = stateThreads(t);
  const RV = t.ra / 4, CV = t.cv, NTB = t.tb / (4 * CV);
  const VK = Math.ceil(t.ta / NT); // vector-column rows per invocation (≤ 4)
  const bwdStats = pass === "bwd" && v.normalised;
  // x: numerator rows (k / k_rope / q / q_rope); y: v or dO; den: plain features for m / dm.
  const bindings = [binding("x"), binding("y")];
  const names: Record<string, string> = { x: "x", y: "y", den: "x", dout: "y" };
  if (v.normalised && v.decoupled) {
    bindings.push(binding("den"));
    names.den = "den";
  }
  if (bwdStats) bindings.push(binding("o"), binding("mat", "f32"));
  if (bwdStats) names.o = "o";
  if (withGs) bindings.push(binding("gs", "f32"));
  if (withGs) names.gs = "gs";
  if (v.varlen) bindings.push(binding("seqs", "u32"));
  bindings.push(binding("out", "f32", true));
  if (!v.normalised) delete names.den;
  const weight = bwdStats ? "s_w[r]" : "1.0";
  const vecWeight = bwdStats ? "s_c[r]" : "1.0";
  const accIndex = (j: number, cv: number) => `acc[${j * CV + cv}]`;
  // Loads the chunk of rows starting at `first` into pre_x / pre_y (zero past the edges).
  const load = (first: string) =>
    strided(t.rows * t.ta, NT, (k) => `
      let r = e / TA;
      let a = e % TA;
      var val = 0.0;
      if (${first} + r < n_rows && a0 + a < u.dk) {
        val = ld_x(row_index(i_seg, ${first} + r, u.dk) + a0 + a);
      }
      pre_x[${k}] = val;`) + "\n" +
    strided(t.rows * t.tb, NT, (k) => `
      let r = e / TB;
      let b = e % TB;
      var val = 0.0;
      if (${first} + r < n_rows && b0 + b < u.dv) {
        val = ld_y(row_index(i_seg, ${first} + r, u.dv) + b0 + b);
      }
      pre_y[${k}] = val;`);
  const flush = [
    ...Array.from(
      { length: t.ra * CV },
      (_, i) => `  total[${i}] += acc[${i}]; acc[${i}] = vec4f(0.0);`,
    ),
    "  b_total += b_vec; b_vec = vec4f(0.0);",
  ].join("\n");
  const wgsl = `${header(v, bindings, names)}
const TA = ${t.ta}u;  // d_k rows of the state per workgroup
const TB = ${t.tb}u;  // d_v columns per workgroup
const BR = ${t.rows}u;  // sequence rows staged per step
const NT = ${NT}u;
var<workgroup> s_x: array<vec4f, ${(t.rows * t.ta) / 4}>;  // [BR][TA]: w_r · x rows
var<workgroup> s_y: array<vec4f, ${(t.rows * t.tb) / 4}>;  // [BR][TB]: y rows
${
    bwdStats
      ? `var<workgroup> s_m: array<f32, ${LA_MAX_DIM}>;  // m
var<workgroup> s_part: array<vec2f, NT>;
var<workgroup> s_w: array<f32, BR>;  // 1 / z_r
var<workgroup> s_c: array<f32, BR>;  // dz_r
${rowStatsFn(t.rows, NT, true)}`
      : ""
  }

@compute @workgroup_size(NT)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);
  if (g >= u.groups) { return; }
  let i_b = g % u.tiles_n;
  let i_a = (g / u.tiles_n) % u.tiles_a;
  let i_seg = g / (u.tiles_n * u.tiles_a);
  let a0 = i_a * TA;
  let b0 = i_b * TB;
  let n_rows = seg_rows(i_seg);
  let o_state = i_seg * u.dk * u.ld;
  ${bwdStats ? `let o_mat = u.off_mat + o_state;${STAGE_VECTOR}` : ""}
  let tb = lid % ${NTB}u;  // this invocation: state rows ta·RA.., vec4 columns tb·CV..
  let ta = lid / ${NTB}u;
  // Blocked summation: \`acc\` sums FLUSH steps of BR rows, then is added to \`total\` (f32
  // error grows with √(rows / (BR·FLUSH)) + √(BR·FLUSH) instead of √rows).
  var acc: array<vec4f, ${t.ra * CV}>;
  var total: array<vec4f, ${t.ra * CV}>;
  // Vector column (workgroups with i_b == 0): this invocation owns state rows
  // a0 + lid + k·NT for k < ${VK} (component k).
  var b_vec = vec4f(0.0);
  var b_total = vec4f(0.0);
  var steps = 0u;
${
    unroll(VK, (k) =>
      `  let owns_vec${k} = ${v.normalised} && i_b == 0u && lid + ${k * NT}u < min(TA, u.dk - a0);`)
  }
  // Software pipelining: the next chunk's rows are loaded into registers while this one is
  // multiplied out of workgroup memory.
  var pre_x: array<f32, ${Math.ceil((t.rows * t.ta) / NT)}>;
  var pre_y: array<f32, ${Math.ceil((t.rows * t.tb) / NT)}>;
${load("0u")}
  for (var r0 = 0u; r0 < n_rows; r0 += BR) {
    ${bwdStats ? "row_stats(i_seg, r0, n_rows, lid);" : ""}
${
    strided(t.rows * t.ta, NT, (k) =>
      `s_x[e / 4u][e % 4u] = pre_x[${k}] * ${weight.replace("[r]", "[e / TA]")};`)
  }
${strided(t.rows * t.tb, NT, (k) => `s_y[e / 4u][e % 4u] = pre_y[${k}];`)}
    workgroupBarrier();
${load("r0 + BR")}
${
    unroll(t.rows, (r) =>
      `    {
${unroll(RV, (rv) => `      let x${rv} = s_x[${(r * t.ta) / 4}u + ta * ${RV}u + ${rv}u];`)}
${unroll(CV, (cv) => `      let y${cv} = s_y[${(r * t.tb) / 4}u + tb * ${CV}u + ${cv}u];`)}
${
        unroll(t.ra, (j) =>
          unroll(
            CV,
            (cv) =>
              `      ${accIndex(j, cv)} = fma(vec4f(x${j >> 2}[${j & 3}]), y${cv}, ${
                accIndex(j, cv)
              });`,
          ))
      }
    }`)
  }
${
    v.normalised
      ? unroll(t.rows, (r) =>
        unroll(VK, (k) =>
          `    if (owns_vec${k} && r0 + ${r}u < n_rows) {
      b_vec[${k}] += ${vecWeight.replace("[r]", `[${r}u]`)} *
        ld_den(row_index(i_seg, r0 + ${r}u, u.dk) + a0 + lid + ${k * NT}u);
    }`))
      : ""
  }
    workgroupBarrier();
    steps += 1u;
    if (steps == ${STATE_FLUSH}u) {
      steps = 0u;
${flush}
    }
  }
${flush}
  let scale = ${pass === "fwd" ? "seg_sigma(i_seg)" : "1.0"};
  let o_out = u.off_out + o_state;
${
    unroll(t.ra, (j) =>
      unroll(CV, (cv) =>
        unroll(4, (c) => `
  {
    let a = a0 + ta * ${t.ra}u + ${j}u;
    let b = b0 + (tb * ${CV}u + ${cv}u) * 4u + ${c}u;
    if (a < u.dk && b < u.dv) {
      out[o_out + a * u.ld + b] = total[${j * CV + cv}][${c}] * scale${
          withGs ? " + ld_gs(i_seg * u.dk * u.dv + a * u.dv + b)" : ""
        };
    }
  }`)))
  }
${
    unroll(VK, (k) =>
      `  if (owns_vec${k}) {
    out[o_out + (a0 + lid + ${k * NT}u) * u.ld + u.dv] = b_total[${k}] * seg_inv_len(i_seg);
  }`)
  }
}
`;
  return { bindings, wgsl };
}

/**
 * Row kernel for `role` (SPEC §1.2, §1.3, §2, §4); the matmul operand X, the state M and the
 * epilogue per role:
 * - `o`:  X = q (q_rope), M = S, o = acc / z (simple: acc)
 * - `dq`: X = dO, M = Sᵀ, dq = acc / z + dz·m (decoupled: out = dq_rope = acc / z,
 *   out2 = dq = dz·m; simple: acc)
 * - `dk`: X = v, M = dSᵀ, dk = σ·acc + dm/L_k (decoupled: out = dk_rope, out2 = dk = dm/L_k)
 * - `dv`: X = k (k_rope), M = dS, dv = σ·acc
 *
 * Grid: dense: segments × blocks × tiles_n; varlen: block-table entries × he × tiles_n.
 */
export function rowKernel(v: LaVariant, role: RowRole, t: RowTiles): LaShader {
  const NT = rowThreads(t);
  const RV = t.rt / 4, CV = t.cv, NTN = t.tn / (4 * CV);
  const n = v.normalised;
  const stats = n && (role === "o" || role === "dq");
  const vector = n && role !== "dv";
  const two = v.decoupled && n && (role === "dq" || role === "dk");
  const inner = role === "o" || role === "dv" ? "u.dk" : "u.dv";
  const outer = role === "o" || role === "dv" ? "u.dv" : "u.dk";
  const transposed = role === "dq" || role === "dk";
  const bindings = [binding("x")];
  const names: Record<string, string> = { x: "x" };
  if (stats) {
    if (role === "dq" || v.decoupled) bindings.push(binding("den"));
    names.den = role === "dq" || v.decoupled ? "den" : "x";
  }
  if (stats && role === "dq") {
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
  const acc = (j: number, cv: number) => `acc[${j * CV + cv}]`;
  const wgsl = `${header(v, bindings, names)}
const BT = ${t.bt}u;  // rows per workgroup
const TN = ${t.tn}u;  // output columns per workgroup
const BI = ${t.bi}u;  // inner-dimension step
const NT = ${NT}u;
var<workgroup> s_x: array<vec4f, ${(t.bi * t.bt) / 4}>;  // [BI][BT]: X chunk, transposed
var<workgroup> s_mt: array<vec4f, ${(t.bi * t.tn) / 4}>;  // [BI][TN]: state chunk
${vector ? `var<workgroup> s_m: array<f32, ${LA_MAX_DIM}>;  // m (o, dq) or dm/L_k (dk)` : ""}
${
    stats
      ? `var<workgroup> s_part: array<vec2f, NT>;
var<workgroup> s_w: array<f32, BT>;  // 1 / z_r
var<workgroup> s_c: array<f32, BT>;  // dz_r
${rowStatsFn(t.bt, NT, role === "dq")}`
      : ""
  }

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
  ${stats ? "row_stats(i_seg, r0, n_rows, lid);" : ""}
  let tn = lid % ${NTN}u;  // this invocation: rows tr·RT.., vec4 columns tn·CV..
  let tr = lid / ${NTN}u;
  var acc: array<vec4f, ${t.rt * CV}>;
  for (var i0 = 0u; i0 < ${inner}; i0 += BI) {
${
    strided(
      t.bi * t.bt,
      NT,
      `
      let r = e / BI;
      let i = e % BI;
      var val = 0.0;
      if (r0 + r < n_rows && i0 + i < ${inner}) { val = ld_x(row_index(i_seg, r0 + r, ${inner}) + i0 + i); }
      s_x[(i * BT + r) / 4u][r % 4u] = val;`,
    )
  }
${
    strided(
      t.bi * t.tn,
      NT,
      `
      let i = e / TN;
      let c = e % TN;
      var val = 0.0;
      if (i0 + i < ${inner} && n0 + c < ${outer}) { val = mat[o_mat + ${matIndex}]; }
      s_mt[e / 4u][e % 4u] = val;`,
    )
  }
    workgroupBarrier();
${
    unroll(t.bi, (i) =>
      `    {
${unroll(RV, (rv) => `      let x${rv} = s_x[${(i * t.bt) / 4}u + tr * ${RV}u + ${rv}u];`)}
${unroll(CV, (cv) => `      let m${cv} = s_mt[${(i * t.tn) / 4}u + tn * ${CV}u + ${cv}u];`)}
${
        unroll(t.rt, (j) =>
          unroll(
            CV,
            (cv) =>
              `      ${acc(j, cv)} = fma(vec4f(x${j >> 2}[${j & 3}]), m${cv}, ${acc(j, cv)});`,
          ))
      }
    }`)
  }
    workgroupBarrier();
  }
${
    unroll(t.rt, (j) => `
  if (r0 + tr * ${t.rt}u + ${j}u < n_rows) {
    let r = tr * ${t.rt}u + ${j}u;
    let i_out = row_index(i_seg, r0 + r, ${outer});
${
      unroll(CV, (cv) =>
        unroll(4, (c) => `
    {
      let col = n0 + (tn * ${CV}u + ${cv}u) * 4u + ${c}u;
      let acc_v = ${acc(j, cv)}[${c}];
      if (col < ${outer}) {
        out[u.off_out + i_out + col] = ${et}(${value});
        ${two ? `out2[u.off_out2 + i_out + col] = ${et}(${value2});` : ""}
      }
    }`))
    }
  }`)
  }
}
`;
  return { bindings, wgsl };
}
