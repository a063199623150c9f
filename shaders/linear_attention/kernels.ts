/**
 * WGSL for the linear-attention family (docs/math.md §1–4): normalised, simple, decoupled and
 * variable-length, forward and backward. Every product is one shape, an outer-product tile
 * `C[m, n] += Σ_s X[s, m] · Y[s, n]` with `s` staged through workgroup memory:
 *
 * - **state kernel** (s = sequence rows of one chunk, m = d_k, n = d_v):
 *   forward `S = KᵀV`, `m = Σ k_r`; backward `dS = Qᵀ(dO/z)`, `dm = Σ dz_r q_r` (docs/math.md §1.3).
 *   Several chunks per segment write partial sums that the **reduce kernel** adds in chunk
 *   order (deterministic); one chunk writes the finished state.
 * - **row kernel** (s = inner features, m = sequence rows, n = output features): `o = qS / z`
 *   (writes w = 1/z per row, f32), `dq = dO·Sᵀ/z + dz·m` (dz = −(q·dO·Sᵀ)/z² from the f32 products,
 *   written per row for the state backward), `dk = σ·v·dSᵀ + dm/L_k`, `dv = σ·k·dS`.
 *
 * Each kernel is one WGSL template with named constants; only the register block (an
 * invocation's `RM × RN` accumulators, named `acc_j_c`) and the per-step fetch/store lines
 * are generated, so that every register and workgroup index in the hot loop is a constant or
 * loop-invariant (Naga clamps dynamic indices). Global rows are fetched 4 features at a time
 * into registers, stored into one of two staging buffers while the other is multiplied (one
 * barrier per step), optionally as f16 (`precision: "f16"`: f16 products in chains of one
 * staged step, flushed into the f32 accumulators; `f16Staging`: the operands that are
 * unmodified f16 inputs staged as f16 and converted where read, f32 products). With subgroups
 * the `x` operand of each step is read once per lane group and broadcast by `subgroupShuffle`.
 * @module
 */
import { FLAT_GROUP_WGSL, type StorageBinding, UniformBlock, unroll } from "../common.ts";
import type { DType } from "../common.ts";
import {
  fetchStore,
  type KernelMode,
  lines,
  type Precision,
  registerBlock,
  type Staged,
  stagedLoop,
  type Tile,
  tileThreads,
} from "../outer_product.ts";

/** Largest d_k and d_v the kernels take. */
export const LA_MAX_DIM = 256;

/** Arithmetic of the products: f32, or f16 products in short chains (f32 accumulators). */
export type LaPrecision = Precision;

/** Which member of the family (compile-time). */
export interface LaVariant {
  /** Storage dtype of the row tensors (states are always f32). */
  dtype: DType;
  /** With the normaliser z = q·m + ε (false: simple linear attention, docs/math.md §4). */
  normalised: boolean;
  /** Numerator from rotary features, denominator from plain ones (docs/math.md §2). */
  decoupled: boolean;
  /** Segments are packed sequences given by `cu_seqlens` (docs/math.md §3). */
  varlen: boolean;
}

/** Invocations per workgroup of the reduce kernel. */
export const REDUCE_THREADS = 256;

/** Partials each reduce invocation loads before adding them. */
const REDUCE_LOADS = 8;

/**
 * Uniforms shared by every kernel of the family. A segment `i_seg` is one (b, h) of the
 * current slice (or one (sequence, head)); its row r of a tensor with feature size d starts at
 * element `off + (row0(i_seg) + r) · he · d + (i_seg % he) · d`, which covers [B·H, 1, T, D]
 * (`he` = 1), [B, T, H, D] (`he` = H) and packed [T_total, H, D]. The per-row f32 statistics
 * (w = 1/z, dz) use the same index with d = 1.
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
  scale_default: "u32", // varlen: scale_s = 1/n_s
  scale: "f32",
  inv_len: "f32", // 1 / L_k (dense)
  eps: "f32",
  off_x: "u32",
  off_y: "u32",
  off_den: "u32",
  off_mat: "u32",
  off_gs: "u32",
  off_w: "u32",
  off_dz: "u32",
  off_part: "u32",
  off_out: "u32",
  off_out2: "u32",
});

/** Field names of {@linkcode laParams}. */
export type LaParamName = typeof laParams.fields[number][0];

/** A storage binding of a kernel, in binding order. */
export interface LaBinding {
  /** Name (`x`, `y`, `den`, `mat`, `gs`, `w`, `dz`, `part`, `out`, `out2`, `seqs`). */
  name: string;
  /**
   * Element type: the row dtype, f32 (states, partials, row statistics), vec4f (a state read 4
   * floats per load) or u32 metadata.
   */
  type: "row" | "f32" | "vec4f" | "u32";
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

/** How a row kernel reads its operands and writes its outputs (see {@linkcode rowKernel}). */
export interface RowForm {
  /** The state fetched 4 floats per load. */
  stateVec4?: boolean;
  /** Each accumulator's 4 outputs written as one vec4. */
  outVec4?: boolean;
  /** dq, dk: `mat` is a transposed copy of the state. */
  stateT?: boolean;
  /** X staged row-major, 4 features per workgroup store and read. */
  rowMajorX?: boolean;
  /** dq: each row's dz partials summed by subgroup shuffles (see {@linkcode rowKernel}). */
  dzShuffle?: boolean;
}

function binding(name: string, type: LaBinding["type"] = "row", write = false): LaBinding {
  return { name, type, write };
}

/** Row tensors the kernels read: declared as vec4s in vec4 mode. */
function isVec4(b: LaBinding, vec4: boolean): boolean {
  return vec4 && b.type === "row" && !b.write;
}

/**
 * The storage bindings of `bindings`: row tensors read are vec4s in vec4 mode, row tensors
 * written with `outVec4`.
 */
function storageOf(
  bindings: LaBinding[],
  dtype: DType,
  vec4: boolean,
  outVec4 = false,
): StorageBinding[] {
  const el = { row: dtype, f32: "f32", vec4f: "vec4f", u32: "u32" };
  return bindings.map((b) => ({
    name: b.name,
    access: b.write ? "read_write" : "read",
    type: isVec4(b, vec4) || (outVec4 && b.write && b.type === "row")
      ? `vec4<${el[b.type]}>`
      : el[b.type],
  }));
}

/**
 * `ld_<name>(i)` (f32 of element i after the window offset) and `ld4_<name>(i, n)` (elements
 * i..i+3 of which the first n ≥ 1 exist, the rest 0; no loop: llvmpipe counts loop iterations) for the row tensors read, after
 * {@linkcode FLAT_GROUP_WGSL}.
 */
function loaders(bindings: LaBinding[], vec4: boolean): string {
  const loads = bindings.filter((b) => b.type === "row" && !b.write).map((b) =>
    vec4
      ? `fn ld4_${b.name}(i: u32, n: u32) -> vec4f { return vec4f(${b.name}[(u.off_${b.name} + i) / 4u]); }
fn ld_${b.name}(i: u32) -> f32 { let j = u.off_${b.name} + i; return f32(${b.name}[j / 4u][j % 4u]); }`
      : `fn ld_${b.name}(i: u32) -> f32 { return f32(${b.name}[u.off_${b.name} + i]); }
fn ld4_${b.name}(i: u32, n: u32) -> vec4f {
  var v = vec4f(0.0);
  v.x = ld_${b.name}(i);
  if (n > 1u) { v.y = ld_${b.name}(i + 1u); }
  if (n > 2u) { v.z = ld_${b.name}(i + 2u); }
  if (n > 3u) { v.w = ld_${b.name}(i + 3u); }
  return v;
}`
  );
  return [FLAT_GROUP_WGSL, ...loads].join("\n");
}

/** Segment geometry (see {@linkcode laParams}). */
function geometry(v: LaVariant): string {
  const row0 = v.varlen ? "seqs[i_seg / u.he]" : "(i_seg / u.he) * u.rows";
  const rows = v.varlen ? "seqs[i_seg / u.he + 1u] - seqs[i_seg / u.he]" : "u.rows";
  // scale and 1/L_k: per sequence for varlen (L_k = n_s), uniforms otherwise.
  const invLen = v.varlen
    ? "select(0.0, 1.0 / f32(seg_rows(i_seg)), seg_rows(i_seg) > 0u)"
    : "u.inv_len";
  const scale = v.varlen ? `select(u.scale, seg_inv_len(i_seg), u.scale_default != 0u)` : "u.scale";
  return `
fn seg_row0(i_seg: u32) -> u32 { return ${row0}; }
fn seg_rows(i_seg: u32) -> u32 { return ${rows}; }
fn seg_inv_len(i_seg: u32) -> f32 { return ${invLen}; }
fn seg_scale(i_seg: u32) -> f32 { return ${scale}; }
var<private> seg_first: u32;  // first row of the current segment
var<private> seg_head: u32;  // its head within an interleaved row
fn enter_segment(i_seg: u32) {
  seg_first = seg_row0(i_seg);
  seg_head = i_seg % u.he;
}
// Element index (before the window offset) of row r of the current segment, feature size d.
fn row_at(r: u32, d: u32) -> u32 { return (seg_first + r) * u.he * d + seg_head * d; }`;
}

/**
 * The staged types (`yRaw`: y is an unmodified row input; x always is) and the `enable f16;` a
 * kernel needs (`enable subgroups;` is the runtime's: `kernelWgsl` adds it where the platform
 * wants it).
 */
function staged(v: LaVariant, mode: KernelMode, yRaw: boolean) {
  if (mode.f16Staging && v.dtype !== "f16") {
    throw new RangeError(`f16 staging needs f16 storage, got ${v.dtype}`);
  }
  const f16 = v.dtype === "f16" || mode.precision === "f16";
  const vec = (raw: boolean) =>
    mode.precision === "f16" || (raw && mode.f16Staging) ? "vec4h" : "vec4f";
  const types: Staged = { x: vec(true), y: vec(yRaw) };
  return { ...types, enable: f16 ? "enable f16;" : "" };
}

/**
 * Whether f16 inputs can be fetched as stored (4 at a time, vec4h) and converted after the fetch:
 * where staged (f32 staging) or where multiplied (f16 staging). Which kernels do (bench/NOTES.md):
 * the backward state pass for every input — its fetch then holds nothing computed from a load
 * (−12 % on the H200, session 7, call 10); the forward state pass only what it stages as f16
 * (fetched as stored into f32 staging it was 0.5 % slower, call 13); every row kernel for X, and
 * dq for its epilogue's x_num (half the registers of the prefetch and of the step that loads
 * x_num: dq −1.7 %, dk −1.4 %, session 9, call 4).
 */
function fetchesF16(v: LaVariant, mode: KernelMode): boolean {
  return mode.vec4 && v.dtype === "f16";
}

/** WGSL: 4 features of row binding `name` at element `i` (a multiple of 4), as stored or f32. */
function load4(name: string, i: string, n: string, raw: boolean): string {
  return raw ? `${name}[(u.off_${name} + ${i}) / 4u]` : `ld4_${name}(${i}, ${n})`;
}

/**
 * WGSL summing `rows` values per lane (`d0`..) over `lanes` neighbouring lanes of a subgroup
 * (powers of two; `tn` = the lane's index among them), for dq's dz: halving exchanges first — at
 * mask 1, 2, … each lane keeps half of its values (the upper half where its bit is set), adds the
 * other lane's sums of that half and sends it the other half, until one value is left or the
 * lanes run out — then a butterfly over the remaining masks. 8 rows over 16 lanes take 4 + 2 + 1
 * + 1 shuffles per lane where a butterfly of every row takes 32. `held`: the values a lane ends
 * with, rows `first` + i; lanes tn < `writers` hold distinct rows.
 */
function laneSums(rows: number, lanes: number) {
  const code: string[] = [];
  const firstTerms: string[] = [];
  let held = Array.from({ length: rows }, (_, j) => `d${j}`);
  let mask = 1;
  for (; held.length > 1 && mask < lanes; mask *= 2) {
    const half = held.length / 2, up = `up${mask}`;
    code.push(`  let ${up} = (tn & ${mask}u) != 0u;`);
    held = held.slice(0, half).map((lo, i) => {
      const hi = held[i + half], name = `h${mask}_${i}`;
      code.push(
        `  let ${name} = select(${lo}, ${hi}, ${up}) + ` +
          `subgroupShuffleXor(select(${hi}, ${lo}, ${up}), ${mask}u);`,
      );
      return name;
    });
    firstTerms.push(`select(0u, ${half}u, ${up})`);
  }
  const writers = mask;
  if (mask < lanes) {
    code.push(`  var sum = ${held[0]};`);
    for (; mask < lanes; mask *= 2) code.push(`  sum += subgroupShuffleXor(sum, ${mask}u);`);
    held = ["sum"];
  }
  return { code: code.join("\n"), held, first: `(${firstTerms.join(" + ") || "0u"})`, writers };
}

/** Lane bookkeeping of the subgroup path (x operands shared inside groups of NTN lanes). */
function laneSetup(mode: KernelMode): string {
  return mode.shuffle ? "let x_lane = sg_lane - tn;  // lane of (tm, tn = 0)" : "";
}

function laneBuiltin(mode: KernelMode): string {
  return mode.shuffle ? ",\n        @builtin(subgroup_invocation_id) sg_lane: u32" : "";
}

/**
 * Where a state kernel sums the vector column's NT partial vec4s after its products: in a staging
 * buffer staged as f32 if one holds NT vec4s (`own` false: workgroup memory costs occupancy on the
 * H200, bench/NOTES.md, session 6, calls 4 and 5), else in an array of its own, `s_red`. `at(e)`:
 * the slot of partial e.
 */
function vectorColumnSlots(t: Tile, mode: KernelMode, types: Staged) {
  const nt = tileThreads(t);
  // The staging arrays' dimensions: [buffers][GS][R / 4][C_]: s_y, else s_x.
  const arrays = [
    { name: "s_y", type: types.y, r4: "(RB / 4u)", nt: "CB", size: t.n / 4 },
    { name: "s_x", type: types.x, r4: "(RA / 4u)", nt: "CA", size: t.m / 4 },
  ];
  const alias = arrays.find((a) => a.type === "vec4f" && mode.buffers * t.steps * a.size >= nt);
  if (!alias) return { own: true, at: (e: string) => `s_red[${e}]` };
  const { name, r4, nt: n } = alias;
  return {
    own: false,
    at: (e: string) =>
      `${name}[${e} / (GS * ${r4} * ${n})][(${e} / (${r4} * ${n})) % GS][(${e} / ${n}) % ${r4}][${e} % ${n}]`,
  };
}

/**
 * WGSL adding the sums of a split workgroup's groups into group 0's accumulators, group by group
 * (a fixed order), one accumulator at a time through `s_sum`. Follows the staged loop, whose last
 * barrier comes after every read of the staging arrays.
 */
function groupSums(block: ReturnType<typeof registerBlock>): string {
  return `  // Groups 1.. hand their sums to group 0 (the invocation holding the same outputs).
${
    block.each((_j, _c, acc) =>
      `  if (grp != 0u) { s_sum[lid - NTG] = ${acc}; }
  workgroupBarrier();
  if (grp == 0u) { for (var h = 0u; h < NT - NTG; h += NTG) { ${acc} += s_sum[h + lid]; } }
  workgroupBarrier();`
    )
  }
`;
}

/**
 * State kernel: forward `[S | m]` (`pass: "fwd"`) or backward `[dS | dm/L_k]` (`"bwd"`) over
 * one chunk of rows per workgroup, a `t.m × t.n` tile of the state. `withGs`: the backward
 * adds an upstream state gradient `gs` to dS (simple, docs/math.md §4; direct mode only, else the
 * reduce kernel adds it). Grid: dense: (segment, chunk) × tiles_a × tiles_n; varlen:
 * (chunk-table entry, head) × …. Output: `u.direct` = 1: the finished state of segment i_seg;
 * 0: raw partial sums at partial index `part` of `out` (f32 scratch).
 */
export function stateKernel(
  v: LaVariant,
  pass: "fwd" | "bwd",
  t: Tile,
  mode: KernelMode,
  withGs = false,
  wide = false,
): LaShader {
  const norm = v.normalised, dec = v.normalised && v.decoupled;
  const bwdNorm = pass === "bwd" && norm;
  // x: numerator rows (k / k_rope / q / q_rope); y: v or dO; den: plain features of m / dm.
  const bindings = [binding("x"), binding("y")];
  if (dec) bindings.push(binding("den"));
  if (bwdNorm) bindings.push(binding("w", "f32"), binding("dz", "f32"));
  if (withGs) bindings.push(binding("gs", "f32"));
  if (v.varlen) bindings.push(binding("seqs", "u32"));
  bindings.push(binding("out", "f32", true));
  const nt = tileThreads(t), split = t.split ?? 1;
  const fx = (t.steps * t.m) / 4 / nt, fy = (t.steps * t.n) / 4 / nt;
  // y = dO/z (normalised backward) is not an input: staged as f32.
  const types = staged(v, mode, !bwdNorm);
  const rawX = fetchesF16(v, mode) && (bwdNorm || types.x === "vec4h");
  const rawY = fetchesF16(v, mode) && (bwdNorm || types.y === "vec4h");
  const fx4 = rawX ? "vec4h" : "vec4f", fy4 = rawY ? "vec4h" : "vec4f";
  if (wide && !(fetchesF16(v, mode) && types.x === "vec4f" && types.y === "vec4f" && wideFits(t))) {
    throw new RangeError("wide loads need f16 inputs in vec4 windows, f32 staging, a fitting tile");
  }
  const yOverZ = "vec4f(f.val) * f.w";
  const storedY = !bwdNorm
    ? `${types.y}(f)`
    : types.y === "vec4f"
    ? yOverZ
    : `${types.y}(${yOverZ})`;
  const block = registerBlock(t, mode, types);
  const red = vectorColumnSlots(t, mode, types);
  const x = fetchStore("x", fx), y = fetchStore("y", fy);
  const xy = fetchStore("xy", Math.ceil((t.steps * (t.m + t.n)) / 8 / nt));
  const decode = v.varlen
    ? `let seg = seqs[u.table + 2u * (part / u.he)] * u.he + part % u.he;
  let r_begin = seqs[u.table + 2u * (part / u.he) + 1u];`
    : `let seg = part / u.chunks;
  let r_begin = (part % u.chunks) * u.chunk;`;
  // The vector column (normalised ops): row r adds c_r · (its x features, or its plain features
  // with decoupled), c_r = 1 (m) or dz_r (dm). Its loads are issued with the row's fetch, the sum
  // is taken at the store, after the products: an add at the fetch waits for the load there, which
  // cost the forward state pass 34 % with f32 staging on the H200 (bench/NOTES.md, session 6, call
  // 7).
  const fields = [
    `val: ${fx4},`,
    dec ? `den: ${fx4},  // plain features` : "",
    bwdNorm ? "c: f32,  // dz_r" : "",
  ];
  const fetched = norm
    ? `struct FetchedX {\n${fields.filter(Boolean).map((f) => `  ${f}`).join("\n")}\n}`
    : `alias FetchedX = ${fx4};`;
  // dz_r (one scalar per row) and the plain features (decoupled) are loaded by every workgroup,
  // not only by those summing the vector column: no branch among the fetch's loads.
  const vecFetch = (bwdNorm ? "\n  f.c = dz[u.off_dz + row_at(r, 1u)];" : "") +
    (dec ? `\n  f.den = ${load4("den", "i", "u.dk - a", rawX)};` : "");
  const wgsl = `${types.enable}
${loaders(bindings, mode.vec4)}
${geometry(v)}

const TA = ${t.m}u;  // state rows (features of x) per workgroup
const TB = ${t.n}u;  // state columns (features of y) per workgroup
const STEP = ${t.steps}u;  // sequence rows staged per step
const RA = ${t.rm}u;  // state rows per invocation
const RB = ${t.rn}u;  // state columns per invocation
const NTA = TA / RA;
const NTB = TB / RB;
const NTG = NTA * NTB;  // invocations per group, each group over the whole tile
const SPLIT = ${split}u;  // groups: group g multiplies staged rows g, g + SPLIT, …
const NT = NTG * SPLIT;
const GS = STEP / SPLIT;  // staged rows each group multiplies per step
const CA = NTA * SPLIT;  // columns of s_x
const CB = NTB * SPLIT;  // columns of s_y
const QA = TA / 4u;  // vec4s per staged x row
const QB = TB / 4u;  // vec4s per staged y row
// s_x[buf][s][i][g·NTA + ta]: features a0 + 4·(ta·RA/4 + i).. of staged row s·SPLIT + g
// (likewise s_y): the invocations of a subgroup read neighbouring vec4s (no bank conflicts).
var<workgroup> s_x: array<array<array<array<${types.x}, CA>, RA / 4u>, GS>, ${mode.buffers}>;
var<workgroup> s_y: array<array<array<array<${types.y}, CB>, RB / 4u>, GS>, ${mode.buffers}>;
${
    lines(
      norm && red.own
        ? "var<workgroup> s_red: array<vec4f, NT>;  // partial sums of the vector column"
        : "",
      split > 1
        ? "var<workgroup> s_sum: array<vec4f, NT - NTG>;  // groups 1.. sums of one accumulator"
        : "",
    )
  }
var<private> i_seg: u32;
var<private> r_end: u32;
var<private> a0: u32;
var<private> b0: u32;
var<private> lid: u32;
var<private> vec_col: bool;  // this workgroup also sums the vector column (m or dm)
${
    wide
      ? wideOperands(norm, dec, bwdNorm)
      : `var<private> m_part: vec4f;  // its share: features a0 + 4·(lid % QA).. of the rows it fetched

${fetched}

// x features a0 + 4·(lid % QA).. of row r0 + lid / QA + k·NT/QA (0 past the chunk or d_k)${
        norm ? ",\n// with what the row adds to the vector column" : ""
      }.
fn fetch_x(r0: u32, k: u32) -> FetchedX {
  let r = r0 + lid / QA + k * (NT / QA);
  let a = a0 + 4u * (lid % QA);
  if (r >= r_end || a >= u.dk) { return FetchedX(); }
  let i = row_at(r, u.dk) + a;
${
        norm
          ? `  var f: FetchedX;
  f.val = ${load4("x", "i", "u.dk - a", rawX)};${vecFetch}
  return f;`
          : `  return ${load4("x", "i", "u.dk - a", rawX)};`
      }
}

fn store_x(buf: u32, k: u32, f: FetchedX) {
  let e = lid + k * NT;
  let s = e / QA;
  s_x[buf][s / SPLIT][e % (RA / 4u)][(s % SPLIT) * NTA + (e % QA) / (RA / 4u)] = ${types.x}(f${
        norm ? ".val" : ""
      });
${
        norm
          ? `  if (vec_col) { m_part += vec4f(${dec ? "f.den" : "f.val"})${
            bwdNorm ? " * f.c" : ""
          }; }`
          : ""
      }
}

${
        bwdNorm
          ? `// y = dO_r / z_r: dO_r and w_r = 1/z_r (written by the forward) loaded at the fetch,
// multiplied at the store (after the products: in two-buffer form nothing waits for the loads).
struct FetchedY {
  val: ${fy4},
  w: f32,
}`
          : `alias FetchedY = ${fy4};`
      }

// y features b0 + 4·(lid % QB).. of row r0 + lid / QB + k·NT/QB${bwdNorm ? ", and w_r" : ""}.
fn fetch_y(r0: u32, k: u32) -> FetchedY {
  let r = r0 + lid / QB + k * (NT / QB);
  let b = b0 + 4u * (lid % QB);
  if (r >= r_end || b >= u.dv) { return FetchedY(${bwdNorm ? `${fy4}(0.0), 1.0` : ""}); }
  let val = ${load4("y", "row_at(r, u.dv) + b", "u.dv - b", rawY)};
  return ${bwdNorm ? "FetchedY(val, w[u.off_w + row_at(r, 1u)])" : "val"};
}

fn store_y(buf: u32, k: u32, f: FetchedY) {
  let e = lid + k * NT;
  let s = e / QB;
  s_y[buf][s / SPLIT][e % (RB / 4u)][(s % SPLIT) * NTB + (e % QB) / (RB / 4u)] = ${storedY};
}`
  }

fn put(a: u32, b4: u32, sums: vec4f, o_out: u32, scale: f32, direct: bool) {
  for (var c = 0u; c < 4u; c += 1u) {
    let b = b4 + c;
    if (a < u.dk && b < u.dv) {
      var val = sums[c] * scale;
      ${withGs ? "if (direct) { val += gs[u.off_gs + i_seg * u.dk * u.dv + a * u.dv + b]; }" : ""}
      out[o_out + a * u.ld + b] = val;
    }
  }
}

@compute @workgroup_size(NT)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid_in: u32${laneBuiltin(mode)}) {
  let g = flat_group(wid, nwg);
  if (g >= u.groups) { return; }
  lid = lid_in;
  let part = g / (u.tiles_n * u.tiles_a);  // partial index: (segment, chunk)
  ${decode}
  // The loop bound is computed from uniform values in a local: browsers' uniformity analysis
  // (Tint) treats private variables as non-uniform and then rejects the barriers in the loop.
  let chunk_end = min(r_begin + u.chunk, seg_rows(seg));
  i_seg = seg;
  r_end = chunk_end;
  enter_segment(seg);
  a0 = ((g / u.tiles_n) % u.tiles_a) * TA;
  b0 = (g % u.tiles_n) * TB;
  vec_col = ${norm ? "b0 == 0u" : "false"};
  let grp = lid / NTG;  // this invocation's group
  let om = (lid / NTB) % NTA;  // its state rows a0 + om·RA.., columns b0 + on·RB..
  let on = lid % NTB;
  let tm = grp * NTA + om;  // its columns of s_x, s_y
  let tn = grp * NTB + on;
  ${laneSetup(mode)}
${block.decl}
  let s_begin = r_begin;
  let s_end = chunk_end;
${
    stagedLoop(
      mode,
      (from) => wide ? xy.fetch(from) : `${x.fetch(from)}\n${y.fetch(from)}`,
      (buf) => wide ? xy.store(buf) : `${x.store(buf)}\n${y.store(buf)}`,
      block.fma,
    )
  }
  let direct = u.direct != 0u;
  let scale = select(1.0, ${pass === "fwd" ? "seg_scale(i_seg)" : "1.0"}, direct);
  let o_out = u.off_out + select(part, i_seg, direct) * u.dk * u.ld;
${split > 1 ? groupSums(block) : ""}${
    block.each((j, c, acc) =>
      `  ${
        split > 1 ? "if (grp == 0u) { " : ""
      }put(a0 + om * RA + ${j}u, b0 + (on * (RB / 4u) + ${c}u) * 4u, ${acc}, o_out, scale, direct);${
        split > 1 ? " }" : ""
      }`
    )
  }
${
    norm && wide
      ? `  // The vector column: the invocations that fetched features a0 + 8·i.. add their shares,
  // the low 4 features then the high 4 (through the same slots).
${wideColumn(red.at("lid"), red.at("k"), "m_lo", 0)}
  workgroupBarrier();
${wideColumn(red.at("lid"), red.at("k"), "m_hi", 4)}`
      : norm
      ? `  // The vector column: the invocations that fetched features a0 + 4·i.. add their shares${
        red.own ? "" : `
  // (in the f32 staging buffer, which no one reads after the loop's last barrier)`
      }.
  ${red.at("lid")} = m_part;
  workgroupBarrier();
  if (vec_col && lid < QA) {
    var sum = vec4f(0.0);
    for (var k = lid; k < NT; k += QA) { sum += ${red.at("k")}; }
    let len_scale = select(1.0, seg_inv_len(i_seg), direct);
    for (var c = 0u; c < 4u; c += 1u) {
      let a = a0 + 4u * lid + c;
      if (a < u.dk) { out[o_out + a * u.ld + u.dv] = sum[c] * len_scale; }
    }
  }`
      : ""
  }
}
`;
  const storage = storageOf(bindings, v.dtype, mode.vec4);
  // Wide loads: the row inputs as 16-byte words (8 f16 each).
  if (wide) { for (const b of storage) if (ROW_INPUT_NAMES.has(b.name)) b.type = "vec4<u32>"; }
  return { storage, wgsl };
}

/** The state kernel's row inputs. */
const ROW_INPUT_NAMES = new Set(["x", "y", "den"]);

/**
 * Whether state tile `t` can fetch f16 inputs 8 features per load ({@linkcode stateKernel}'s
 * `wide`): every x item of an invocation holds the same 8 features.
 */
export function wideFits(t: Tile): boolean {
  return t.m % 8 === 0 && t.n % 8 === 0 && tileThreads(t) % (t.m / 8) === 0;
}

/** WGSL: 4 f32 of the 8 f16 in a 16-byte word `w`, the low (`half` 0) or the high 4. */
function unpack8(w: string, half: 0 | 1): string {
  const [a, b] = half ? ["z", "w"] : ["x", "y"];
  return `vec4f(unpack2x16float(${w}.${a}), unpack2x16float(${w}.${b}))`;
}

/**
 * The state kernel's operand fetch with wide loads: the f16 row inputs read 8 features (one
 * 16-byte `vec4<u32>`) per load where the narrow form reads 4, so each invocation issues half
 * the loads. A step's items are x's (`NX8` of them) then y's (`NY8`), item `lid + k·NT` the
 * invocation's k-th (at a 64 × 64 fill tile, one: x in the first half of the invocations, y in
 * the second); each is
 * unpacked into two f32 vec4s at the store. The vector column's share of an x item is summed in
 * two halves, `m_lo` (its features 8q..8q + 3) and `m_hi`.
 */
function wideOperands(norm: boolean, dec: boolean, bwdNorm: boolean): string {
  const fields = [
    "val: vec4<u32>,  // 8 features as stored, two f16 per word",
    dec ? "den: vec4<u32>,  // x items: the plain features" : "",
    bwdNorm ? "c: f32,  // x items: dz_r; y items: w_r" : "",
  ].filter(Boolean);
  const col = dec ? "f.den" : "f.val", c = bwdNorm ? " * f.c" : "";
  const at = (arr: string, q: string, step: string, n: string, i: string) =>
    `${arr}[buf][${step} / SPLIT][${i} % (${q} / 4u)][(${step} % SPLIT) * ${n} + ${i} / (${q} / 4u)]`;
  return `const QA8 = TA / 8u;  // wide loads per staged x row
const QB8 = TB / 8u;  // and y row
const NX8 = STEP * QA8;  // x items per step; y items follow
const NY8 = STEP * QB8;
var<private> m_lo: vec4f;  // vector column: features a0 + 8·(lid % QA8).. of the rows it fetched
var<private> m_hi: vec4f;  // and the 4 after them

struct Fetched {
${fields.map((f) => `  ${f}`).join("\n")}
}

// Item lid + k·NT of the step from row r0: x item e < NX8 is row r0 + e / QA8, features
// a0 + 8·(e % QA8)..; y item e likewise from e − NX8 (0 past the chunk or the features).
fn fetch_xy(r0: u32, k: u32) -> Fetched {
  let e = lid + k * NT;
  var f = Fetched();  // zeros where nothing loads (lavapipe does not re-zero a bare declaration)
  if (e < NX8) {
    let r = r0 + e / QA8;
    let a = a0 + 8u * (e % QA8);
    if (r < r_end && a < u.dk) {
      let i = row_at(r, u.dk) + a;
      f.val = x[(u.off_x + i) / 8u];${dec ? "\n      f.den = den[(u.off_den + i) / 8u];" : ""}${
    bwdNorm ? "\n      f.c = dz[u.off_dz + row_at(r, 1u)];" : ""
  }
    }
  } else if (e < NX8 + NY8) {
    let r = r0 + (e - NX8) / QB8;
    let b = b0 + 8u * ((e - NX8) % QB8);
    if (r < r_end && b < u.dv) {
      f.val = y[(u.off_y + row_at(r, u.dv) + b) / 8u];${
    bwdNorm ? "\n      f.c = w[u.off_w + row_at(r, 1u)];" : ""
  }
    }
  }
  return f;
}

fn store_xy(buf: u32, k: u32, f: Fetched) {
  let e = lid + k * NT;
  if (e < NX8) {
    let s = e / QA8;
    let i = 2u * (e % QA8);  // the row's vec4 holding the low half
    ${at("s_x", "RA", "s", "NTA", "i")} = ${unpack8("f.val", 0)};
    ${at("s_x", "RA", "s", "NTA", "(i + 1u)")} = ${unpack8("f.val", 1)};${
    norm
      ? `
    if (vec_col) {
      m_lo += ${unpack8(col, 0)}${c};
      m_hi += ${unpack8(col, 1)}${c};
    }`
      : ""
  }
  } else if (e < NX8 + NY8) {
    let s = (e - NX8) / QB8;
    let i = 2u * ((e - NX8) % QB8);
    ${at("s_y", "RB", "s", "NTB", "i")} = ${unpack8("f.val", 0)}${c};
    ${at("s_y", "RB", "s", "NTB", "(i + 1u)")} = ${unpack8("f.val", 1)}${c};
  }
}`;
}

/**
 * WGSL of one half of the wide form's vector column: every invocation puts `share` in slot
 * `slot` (`slotK`: slot k), then the first QA8 add those of the features they fetched and write
 * features a0 + 8·lid + `offset`...
 */
function wideColumn(slot: string, slotK: string, share: string, offset: number): string {
  return `  ${slot} = ${share};
  workgroupBarrier();
  if (vec_col && lid < QA8) {
    var sum = vec4f(0.0);
    for (var k = lid; k < NT; k += QA8) { sum += ${slotK}; }
    let len_scale = select(1.0, seg_inv_len(i_seg), direct);
    for (var c = 0u; c < 4u; c += 1u) {
      let a = a0 + 8u * lid + ${offset}u + c;
      if (a < u.dk) { out[o_out + a * u.ld + u.dv] = sum[c] * len_scale; }
    }
  }`;
}

/**
 * Reduce kernel: the state of each segment from its chunks' partial sums (f32 scratch `part`),
 * added in chunk order (deterministic), then scaled (the scale for S in the forward, 1/L_k for
 * the vector column) plus the upstream state gradient `gs` (`withGs`).
 * Grid: segments × ⌈d_k·ld / REDUCE_THREADS⌉; `tiles_n` = the second factor.
 */
export function reduceKernel(v: LaVariant, pass: "fwd" | "bwd", withGs = false): LaShader {
  const bindings = [binding("part", "f32")];
  if (withGs) bindings.push(binding("gs", "f32"));
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
  const wgsl = `${loaders(bindings, false)}
${geometry(v)}
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
  // The partials summed in chunk order, ${REDUCE_LOADS} loads in flight: the same additions as one
  // at a time, without waiting for each load before issuing the next.
  let at = u.off_part + base * size + e;
  let step = stride * size;
  var sum = 0.0;
  var c = 0u;
  for (; c + ${REDUCE_LOADS}u <= count; c += ${REDUCE_LOADS}u) {
${unroll(REDUCE_LOADS, (i) => `    let p${i} = part[at + (c + ${i}u) * step];`)}
${unroll(REDUCE_LOADS, (i) => `    sum += p${i};`)}
  }
  for (; c < count; c += 1u) { sum += part[at + c * step]; }
  let b = e % u.ld;
  if (b < u.dv) {
    sum *= ${pass === "fwd" ? "seg_scale(i_seg)" : "1.0"};
    ${withGs ? "sum += gs[u.off_gs + i_seg * u.dk * u.dv + (e / u.ld) * u.dv + b];" : ""}
  } else {
    sum *= seg_inv_len(i_seg);
  }
  out[u.off_out + i_seg * size + e] = sum;
}
`;
  return { storage: storageOf(bindings, v.dtype, false), wgsl };
}

/** Side of the square tiles {@linkcode transposeKernel} moves through workgroup memory. */
export const TRANSPOSE_TILE = 16;

/**
 * Transpose of the state `[S | m]` (or `[dS | dm/L_k]`), `d_k × ld` per segment, into `ld × d_k`
 * per segment (f32): the dq and dk passes then stage Sᵀ row by row (`rowKernel`'s `stateT`). One
 * {@linkcode TRANSPOSE_TILE}² tile per workgroup, read and written along rows (whole memory
 * sectors) through workgroup memory. Uniforms: `rows` = segments of this launch, `tiles_a` /
 * `tiles_n` = tiles along d_k / ld, `groups` = rows · tiles_a · tiles_n.
 */
export function transposeKernel(): LaShader {
  const bindings = [binding("mat", "f32"), binding("out", "f32", true)];
  const wgsl = `${FLAT_GROUP_WGSL}
const W = ${TRANSPOSE_TILE}u;
// One column of padding: the transposed reads tile[l.x][l.y] fall in W different banks.
var<workgroup> tile: array<array<f32, W + 1u>, W>;

@compute @workgroup_size(W, W)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_id) l: vec3u) {
  let g = flat_group(wid, nwg);
  if (g >= u.groups) { return; }
  let base = (g / (u.tiles_a * u.tiles_n)) * u.dk * u.ld;  // the segment's state
  let a0 = ((g / u.tiles_n) % u.tiles_a) * W;
  let b0 = (g % u.tiles_n) * W;
  if (a0 + l.y < u.dk && b0 + l.x < u.ld) {
    tile[l.y][l.x] = mat[u.off_mat + base + (a0 + l.y) * u.ld + b0 + l.x];
  }
  workgroupBarrier();
  if (b0 + l.y < u.ld && a0 + l.x < u.dk) {
    out[u.off_out + base + (b0 + l.y) * u.dk + a0 + l.x] = tile[l.x][l.y];
  }
}
`;
  return { storage: storageOf(bindings, "f32", false), wgsl };
}

/**
 * The row kernels' `fetch_m(i0, k)` / `store_m(buf, k, val)`: item k of this invocation's share
 * of the step's M tile, `M[i0 + i][n0 + col]` — the state S (`o`, `dv`: row i0 + i, column
 * n0 + col) or its transpose (`dq`, `dk`: `transposed`) — 0 past `inner` or `outer`, stored into
 * `s_y` as `staged` (vec4f or vec4h). One float per item, or with `vec4` (`mat` declared as
 * vec4s) 4: columns col.. of row i of S, or rows i.. of one column of Sᵀ (4 staged rows, one
 * component each); with d_v and the state row length multiples of 4 a load never straddles the
 * end of a row. `ld`: the state's row length (`u.ld`, or `u.dk` for a transposed copy).
 */
function stateFetch(
  transposed: boolean,
  inner: string,
  outer: string,
  staged: string,
  vec4: boolean,
  ld = "u.ld",
): string {
  const n = (d: string) => (vec4 ? `(${d} / 4u)` : d); // items along d
  const at = (e: string) => (vec4 ? `4u * (${e})` : e);
  const ic = `let e = lid + k * NT;
  let i = ${transposed ? at(`e % ${n("STEP")}`) : `e / ${n("TN")}`};
  let col = ${transposed ? `e / ${n("STEP")}` : at(`e % ${n("TN")}`)};`;
  const index = `o_mat + ${
    transposed ? `(n0 + col) * ${ld} + i0 + i` : `(i0 + i) * ${ld} + n0 + col`
  }`;
  const type = vec4 ? "vec4f" : "f32";
  const slot = "s_y[buf][i][(col % RN) / 4u][col / RN]";
  const store = !vec4
    ? `${slot}[col % 4u] = ${staged === "vec4h" ? "f16(val)" : "val"};`
    : transposed
    ? `for (var c = 0u; c < 4u; c += 1u) {
    s_y[buf][i + c][(col % RN) / 4u][col / RN][col % 4u] = ${staged}(val)[c];
  }`
    : `${slot} = ${staged}(val);`;
  const what = vec4 ? "4 floats: vec4 item k" : "element k";
  return `// M[i0 + i][n0 + col] of the state (${what} of this invocation's share of the step).
fn fetch_m(i0: u32, k: u32) -> ${type} {
  ${ic}
  if (i0 + i >= ${inner} || n0 + col >= ${outer}) { return ${vec4 ? "vec4f(0.0)" : "0.0"}; }
  return mat[${vec4 ? `(${index}) / 4u` : index}];
}

fn store_m(buf: u32, k: u32, val: ${type}) {
  ${ic}
  ${store}
}`;
}

/**
 * Row kernel for `role` (docs/math.md §1.2, §1.3, §2, §4) over a `t.m` rows × `t.n` output features
 * tile: X (rows × inner) times M (inner × outputs) and an epilogue per role:
 * - `o`:  X = q (q_rope), M = S; normalised: z = q·m + ε (decoupled: plain q, `den`) summed
 *   while q is fetched, o = acc / z, w = 1/z written to `w` (f32, one per row: the backward
 *   multiplies by it)
 * - `dq`: X = dO, M = Sᵀ; normalised: dz = −(x_num·acc)/z² with x_num = q (q_rope: `den`)
 *   written to `dz`, dq = acc / z + dz·m (decoupled: out = dq_rope = acc / z, out2 = dq =
 *   dz·m); needs the whole d_k in one tile (t.n ≥ d_k)
 * - `dk`: X = v, M = dSᵀ, dk = scale·acc + dm/L_k (decoupled: out = dk_rope, out2 = dk = dm/L_k)
 * - `dv`: X = k (k_rope), M = dS, dv = scale·acc
 *
 * Grid: dense: segments × blocks × tiles_n; varlen: block-table entries × he × tiles_n.
 *
 * `stateVec4`: M is fetched 4 floats per load (`mat` declared as vec4s): d_v and the state row
 * length `ld` multiples of 4, the state's window 4-aligned and `t.steps · t.n / 4` a multiple
 * of the invocations (the launcher checks). Without it, one float per load.
 *
 * `outVec4`: each accumulator's 4 outputs are written as one vec4 (`out`, `out2` declared as
 * vec4s): the output features a multiple of 4 and the output windows 4-aligned (the launcher
 * checks). Without it, one element per store.
 *
 * `stateT` (dq, dk): `mat` is the state transposed, `[ld × d_k]` per segment (see
 * {@linkcode transposeKernel}), so that M = Sᵀ is read row by row like o's and dv's M = S, and
 * the vector column (m, dm/L_k) is its row d_v.
 *
 * `dzShuffle` (dq): the `n / rn` invocations of a row, neighbouring lanes of one subgroup (a power
 * of two dividing the subgroup size), add their shares of x_num·acc by `subgroupShuffleXor`
 * (halving exchanges, then a butterfly: {@linkcode laneSums}) instead of through workgroup memory
 * and a serial sum per row.
 *
 * `rowMajorX`: X is staged as it is stored (each fetched vec4, 4 features of one row, is one
 * workgroup store) and the products read 4 features per workgroup read; without it X is
 * transposed while staged (4 stores of one component per fetched vec4) and read one feature of
 * 4 rows per read. The same products in the same order: bitwise the same results.
 */
export function rowKernel(
  v: LaVariant,
  role: RowRole,
  t: Tile,
  mode: KernelMode,
  form: RowForm = {},
): LaShader {
  const { stateVec4 = false, outVec4 = false, stateT = false } = form;
  const { rowMajorX = false, dzShuffle = false } = form;
  const norm = v.normalised;
  const zOut = norm && role === "o";
  const dzOut = norm && role === "dq";
  const vector = norm && role !== "dv"; // reads the vector column of the state
  const two = v.decoupled && norm && (role === "dq" || role === "dk");
  const inner = role === "o" || role === "dv" ? "u.dk" : "u.dv";
  const outer = role === "o" || role === "dv" ? "u.dv" : "u.dk";
  if (stateT && role !== "dq" && role !== "dk") {
    throw new RangeError(`a transposed state copy is for dq and dk, not ${role}`);
  }
  const transposed = (role === "dq" || role === "dk") && !stateT;
  const den = (zOut && v.decoupled) || dzOut;
  const bindings = [binding("x")];
  if (den) bindings.push(binding("den"));
  bindings.push(binding("mat", stateVec4 ? "vec4f" : "f32"));
  if (dzOut) bindings.push(binding("w", "f32"));
  if (v.varlen) bindings.push(binding("seqs", "u32"));
  bindings.push(binding("out", "row", true));
  if (two) bindings.push(binding("out2", "row", true));
  if (zOut) bindings.push(binding("w", "f32", true));
  if (dzOut) bindings.push(binding("dz", "f32", true));
  const nt = tileThreads(t);
  const fx = (t.m * t.steps) / 4 / nt, fm = (t.steps * t.n) / nt / (stateVec4 ? 4 : 1);
  const types = staged(v, mode, false); // x: q, dO, v or k; y: the state (f32)
  const block = registerBlock(t, mode, types, rowMajorX);
  const x = fetchStore("x", fx, (k) => (zOut ? `, &z_part${k}` : ""));
  // f16 X fetched as stored (converted at the store where staged as f32).
  const rawX = fetchesF16(v, mode);
  const fx4 = rawX ? "vec4h" : "vec4f";
  const m = fetchStore("m", fm);
  const et = v.dtype;
  const value = {
    o: norm ? "acc_v * s_w[r]" : "acc_v",
    dq: norm ? (v.decoupled ? "acc_v * s_w[r]" : "acc_v * s_w[r] + s_c[r] * m_col") : "acc_v",
    dk: norm && !v.decoupled ? "scale * acc_v + m_col" : "scale * acc_v",
    dv: "scale * acc_v",
  }[role];
  const value2 = role === "dq" ? "s_c[r] * m_col" : "m_col";
  // dq: this invocation's share of x_num·acc for its row j (the sum over its columns).
  const col4 = (c: number) => `(tn * (RN / 4u) + ${c}u) * 4u`;
  const dzPart = (j: number) =>
    unroll(t.rn / 4, (c) => `dot_part(tm * RT + ${j}u, ${col4(c)}, acc_${j}_${c}, xn_${j}_${c})`)
      .split("\n").join(" + ");
  // x_num for every accumulator, loaded before any dot_part; f16 fetched and held as stored like
  // X (half the registers of the step that loads it), widened in dot_part.
  const xnAt = (j: number, c: number) => `x_num_at(tm * RT + ${j}u, ${col4(c)})`;
  // dq loads x_num in the staged loop's last step (see stagedLoop), used after the loop.
  const epilogue = dzOut
    ? {
      decl: block.each((j, c) => `  var xn_${j}_${c}: ${fx4};`),
      fetch: block.each((j, c) => `      xn_${j}_${c} = ${xnAt(j, c)};`),
    }
    : undefined;
  const sums = dzShuffle ? laneSums(t.rm, t.n / t.rn) : undefined;
  const decode = v.varlen
    ? `let h = rest % u.he;
  let e = rest / u.he;
  i_seg = seqs[u.table + 2u * e] * u.he + h;
  r0 = seqs[u.table + 2u * e + 1u];`
    : `i_seg = rest / u.blocks;
  r0 = (rest % u.blocks) * BT;`;
  // Element i of the state (a float, or a component of a vec4 with stateVec4).
  const stateAt = (i: string) => (stateVec4 ? `mat[(${i}) / 4u][(${i}) % 4u]` : `mat[${i}]`);
  // The vector column of the state (m or dm/L_k: d_k floats) into s_vec and, for dq, 1/z_r of
  // the block's rows into s_w, loaded with the first step (clamped indices, no branch among the
  // loads); o's stores of that step read s_vec (its z shares), hence its barrier.
  const vecItems = Math.ceil(LA_MAX_DIM / nt), wItems = Math.ceil(t.m / nt);
  const vecAt = (a: string) =>
    stateAt(stateT ? `o_mat + u.dv * u.dk + ${a}` : `o_mat + (${a}) * u.ld + u.dv`);
  const prologue = {
    fetch: [
      vector
        ? unroll(
          vecItems,
          (k) => `    let m_item${k} = ${vecAt(`min(lid + ${k * nt}u, u.dk - 1u)`)};`,
        )
        : "",
      dzOut
        ? unroll(wItems, (k) => {
          const r = `r0 + lid + ${k * nt}u`;
          return `    let w_row${k} = select(0.0, w[u.off_w + row_at(${r}, 1u)], ${r} < n_rows);`;
        })
        : "",
    ].filter(Boolean).join("\n"),
    store: [
      vector
        ? unroll(vecItems, (k) => {
          const a = `lid + ${k * nt}u`;
          return `    if (${a} < u.dk) { s_vec[(${a}) / 4u][(${a}) % 4u] = m_item${k}; }`;
        }) + (zOut ? "\n    workgroupBarrier();" : "")
        : "",
      dzOut
        ? unroll(
          wItems,
          (k) => `    if (lid + ${k * nt}u < BT) { s_w[lid + ${k * nt}u] = w_row${k}; }`,
        )
        : "",
    ].filter(Boolean).join("\n"),
  };
  const wgsl = `${types.enable}
${loaders(bindings, mode.vec4)}
${geometry(v)}

const BT = ${t.m}u;  // sequence rows per workgroup
const TN = ${t.n}u;  // output features per workgroup
const STEP = ${t.steps}u;  // inner features staged per step
const RT = ${t.rm}u;  // rows per invocation
const RN = ${t.rn}u;  // output features per invocation
const NTM = BT / RT;
const NTN = TN / RN;
const NT = NTM * NTN;
const QI = STEP / 4u;  // vec4s of a staged X row
${
    rowMajorX
      ? `// s_x[buf][q][tm][j]: inner features i0 + 4q.. of row r0 + tm·RT + j (X as stored);`
      : `// s_x[buf][i][j][tm]: inner feature i0 + i of rows r0 + 4·(tm·RT/4 + j).. (X transposed);`
  }
// s_y[buf][i][j][tn]: M[i0 + i][n0 + 4·(tn·RN/4 + j)..].
var<workgroup> s_x: ${
    rowMajorX
      ? `array<array<array<array<${types.x}, RT>, NTM>, QI>, ${mode.buffers}>;`
      : `array<array<array<array<${types.x}, NTM>, RT / 4u>, STEP>, ${mode.buffers}>;`
  }
var<workgroup> s_y: array<array<array<array<${types.y}, NTN>, RN / 4u>, STEP>, ${mode.buffers}>;
${
    vector
      ? `var<workgroup> s_vec: array<vec4f, ${
        LA_MAX_DIM / 4
      }>;  // m (o, dq) or dm/L_k (dk), 4 per vec4`
      : ""
  }
${norm && role !== "dk" && role !== "dv" ? "var<workgroup> s_w: array<f32, BT>;  // 1 / z_r" : ""}
${dzOut ? "var<workgroup> s_c: array<f32, BT>;  // dz_r" : ""}
${
    zOut
      ? "var<workgroup> s_red: array<f32, BT * QI>;  // partial q·m per (row, vec4 of features)"
      : ""
  }
${
    dzOut && !dzShuffle
      ? "var<workgroup> s_red: array<f32, BT * NTN>;  // partial x_num·acc per (row, tn)"
      : ""
  }

var<private> i_seg: u32;
var<private> r0: u32;
var<private> n_rows: u32;
var<private> n0: u32;
var<private> o_mat: u32;
var<private> lid: u32;
const FX = ${fx}u;  // X vec4s each invocation fetches per step

${
    zOut
      ? `// A fetched X item: its features (as stored) and their index${
        v.decoupled ? ", and the plain features (z)" : ""
      }.
// Its share of z is added at the store, after the products: nothing waits for the loads.
struct FetchedX {
  val: ${fx4},
  i: u32,${v.decoupled ? `\n  den: ${fx4},` : ""}
}`
      : `alias FetchedX = ${fx4};`
  }

// X features i0 + 4·(lid % QI).. of row r0 + lid / QI + k·NT/QI (0 past the rows or features).
fn fetch_x(i0: u32, k: u32) -> FetchedX {
  let r = r0 + lid / QI + k * (NT / QI);
  let i = i0 + 4u * (lid % QI);
  if (r >= n_rows || i >= ${inner}) { return FetchedX(); }
  let i_x = row_at(r, ${inner}) + i;
  ${
    zOut
      ? `return FetchedX(${load4("x", "i_x", `${inner} - i`, rawX)}, i${
        v.decoupled ? `, ${load4("den", "i_x", `${inner} - i`, rawX)}` : ""
      });`
      : `return ${load4("x", "i_x", `${inner} - i`, rawX)};`
  }
}

fn store_x(buf: u32, k: u32, f: FetchedX${zOut ? ", z_share: ptr<function, f32>" : ""}) {
  let r = lid / QI + k * (NT / QI);${
    zOut
      ? `
  *z_share += dot(vec4f(${v.decoupled ? "f.den" : "f.val"}), s_vec[f.i / 4u]);
  let val = f.val;`
      : `
  let val = f;`
  }
${
    rowMajorX
      ? `  s_x[buf][lid % QI][r / RT][r % RT] = ${types.x}(val);`
      : `  let i = 4u * (lid % QI);
  for (var c = 0u; c < 4u; c += 1u) {
    s_x[buf][i + c][(r % RT) / 4u][r / RT][r % 4u] = ${types.x}(val)[c];
  }`
  }
}

${stateFetch(transposed, inner, outer, types.y, stateVec4, stateT ? "u.dk" : "u.ld")}
${
    dzOut
      ? `
// x_num's features n0 + col4.. of row r, the row and columns clamped into the tensor (dot_part
// drops those past its end): no branch among the epilogue's loads, which are all issued before
// any is used (a load inside a branch that uses it waits there, one row after another).
fn x_num_at(r: u32, col4: u32) -> ${fx4} {
  let row = row_at(min(r0 + r, max(n_rows, 1u) - 1u), u.dk);
${
        mode.vec4
          ? `  // (d_k is a multiple of 4)
  return ${load4("den", "row + min(n0 + col4, u.dk - 4u)", "4u", rawX)};`
          : `  var x4 = vec4f(0.0);
  for (var c = 0u; c < 4u; c += 1u) { x4[c] = ld_den(row + min(n0 + col4 + c, u.dk - 1u)); }
  return x4;`
      }
}

// x_num·acc over this invocation's columns col4.. of row r (the first half of dz_r).
fn dot_part(r: u32, col4: u32, acc: vec4f, x4: ${fx4}) -> f32 {
${
        mode.vec4
          ? `  // (d_k is a multiple of 4: the 4 columns exist together.)
  if (r0 + r >= n_rows || n0 + col4 >= u.dk) { return 0.0; }
  var sum = 0.0;
  sum += acc[0] * f32(x4[0]);
  sum += acc[1] * f32(x4[1]);
  sum += acc[2] * f32(x4[2]);
  sum += acc[3] * f32(x4[3]);
  return sum;`
          : `  var sum = 0.0;
  for (var c = 0u; c < 4u; c += 1u) {
    if (r0 + r < n_rows && n0 + col4 + c < u.dk) { sum += acc[c] * x4[c]; }
  }
  return sum;`
      }
}`
      : ""
  }

${
    outVec4
      ? `// Outputs n0 + col4.. of row r (all 4 or none: the output features are a multiple of 4).
fn put(r: u32, col4: u32, sums: vec4f, scale: f32) {
  let col = n0 + col4;
  if (r0 + r < n_rows && col < ${outer}) {
    let acc_v = sums;
    ${vector ? "let m_col = s_vec[col / 4u];" : ""}
    let i_out = row_at(r0 + r, ${outer}) + col;
    out[(u.off_out + i_out) / 4u] = vec4<${et}>(${value});
    ${two ? `out2[(u.off_out2 + i_out) / 4u] = vec4<${et}>(${value2});` : ""}
  }
}`
      : `fn put(r: u32, col4: u32, sums: vec4f, scale: f32) {
  for (var c = 0u; c < 4u; c += 1u) {
    let col = n0 + col4 + c;
    if (r0 + r < n_rows && col < ${outer}) {
      let acc_v = sums[c];
      ${vector ? "let m_col = s_vec[col / 4u][col % 4u];" : ""}
      let i_out = row_at(r0 + r, ${outer}) + col;
      out[u.off_out + i_out] = ${et}(${value});
      ${two ? `out2[u.off_out2 + i_out] = ${et}(${value2});` : ""}
    }
  }
}`
  }

@compute @workgroup_size(NT)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid_in: u32${laneBuiltin(mode)}) {
  let g = flat_group(wid, nwg);
  if (g >= u.groups) { return; }
  lid = lid_in;
  n0 = (g % u.tiles_n) * TN;
  let rest = g / u.tiles_n;
  ${decode}
  enter_segment(i_seg);
  n_rows = seg_rows(i_seg);
  o_mat = u.off_mat + i_seg * u.dk * u.ld;
  let scale = seg_scale(i_seg);
  let tn = lid % NTN;  // this invocation: rows r0 + tm·RT.., features n0 + tn·RN..
  let tm = lid / NTN;
  ${laneSetup(mode)}
${block.decl}
${
    zOut
      ? unroll(fx, (k) => `  var z_part${k} = 0.0;  // q·m share of the rows of fetch item ${k}`)
      : ""
  }
  let s_begin = 0u;
  let s_end = ${inner};
${
    stagedLoop(
      mode,
      (from) => `${x.fetch(from)}\n${m.fetch(from)}`,
      (buf) => `${x.store(buf)}\n${m.store(buf)}`,
      block.fma,
      prologue,
      epilogue,
    )
  }
${
    zOut
      ? `  // z_r = q_r·m + ε from the fetching invocations' shares; 1/z_r written for the backward.
${unroll(fx, (k) => `  s_red[(lid / QI + ${k}u * (NT / QI)) * QI + lid % QI] = z_part${k};`)}
  workgroupBarrier();
  for (var r = lid; r < BT; r += NT) {
    var zr = u.eps;
    for (var i = 0u; i < QI; i += 1u) { zr += s_red[r * QI + i]; }
    s_w[r] = 1.0 / zr;
    if (r0 + r < n_rows) { w[u.off_w + row_at(r0 + r, 1u)] = s_w[r]; }
  }
  workgroupBarrier();`
      : ""
  }
${
    dzOut && sums
      ? `  // dz_r = −(x_num·acc)/z_r²: the NTN lanes of rows tm·RT.. add their columns' shares
  // by halving exchanges, then a butterfly (laneSums); lanes tn < ${sums.writers} write them.
${unroll(t.rm, (j) => `  let d${j} = ${dzPart(j)};`)}
${sums.code}
  if (tn < ${sums.writers}u) {
${
        sums.held.map((name, i) =>
          `    {
      let r = tm * RT + ${sums.first} + ${i}u;
      s_c[r] = -${name} * s_w[r] * s_w[r];
    }`
        ).join("\n")
      }
  }
  workgroupBarrier();
  for (var r = lid; r < BT; r += NT) {
    if (r0 + r < n_rows) { dz[u.off_dz + row_at(r0 + r, 1u)] = s_c[r]; }
  }`
      : dzOut
      ? `  // dz_r = −(x_num·acc)/z_r²: the invocations of row r add their columns' shares.
${unroll(t.rm, (j) => `  s_red[(tm * RT + ${j}u) * NTN + tn] = ${dzPart(j)};`)}
  workgroupBarrier();
  for (var r = lid; r < BT; r += NT) {
    var d = 0.0;
    for (var i = 0u; i < NTN; i += 1u) { d += s_red[r * NTN + i]; }
    s_c[r] = -d * s_w[r] * s_w[r];
    if (r0 + r < n_rows) { dz[u.off_dz + row_at(r0 + r, 1u)] = s_c[r]; }
  }
  workgroupBarrier();`
      : ""
  }
${
    block.each((j, c, acc) =>
      `  put(tm * RT + ${j}u, (tn * (RN / 4u) + ${c}u) * 4u, ${acc}, scale);`
    )
  }
}
`;
  return { storage: storageOf(bindings, v.dtype, mode.vec4, outVec4), wgsl };
}
