/**
 * WGSL generator for the batched matmul `C[b] = op(A[b]) · op(B[b]) (+ bias)`, f32 products
 * and accumulation, on the outer-product tile of `../outer_product.ts`: the reduction index s
 * is K, the tile's rows are rows of C (x = op(A)) and its columns columns of C (y = op(B)).
 *
 * A workgroup computes a `tile.m × tile.n` block of C, each invocation `tile.rm × tile.rn`
 * contiguous outputs (rows `tm·rm..`, columns `tn·rn..`). K advances `tile.steps` at a time
 * through two staging buffers (the next step fetched while this one is multiplied). Each
 * operand is fetched 4 elements at a time along its stored rows — one 16-byte load where the
 * stored row length is a multiple of 4 and the windows are aligned (`vec4A`, `vec4B`), else 4
 * bounds-checked scalar loads — and staged where the products want it:
 *
 * - A as stored (`[M, K]`): each fetched vec4 (4 K of one row) is one store of the row-major
 *   layout `s_x[buf][q][tm][j]`; stored transposed (`[K, M]`), 4 rows of one K are one store of
 *   `s_x[buf][s][v][tm]`.
 * - B as stored (`[K, N]`): 4 columns of one K, one store; transposed (`[N, K]`), 4 K of one
 *   column, 4 scalar stores (the launcher copies a shared Wᵀ into `[K, N]` order first where C
 *   has many rows: the transposed form ran x·Wᵀ 20–27 % slower on the H200, bench/NOTES.md,
 *   session 12).
 *
 * f16 storage stages A as f16 (converted where multiplied, exact) and B as f32. Past M, N or K
 * the staged values are 0; outputs past M or N are not written.
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
import {
  fetchStore,
  type KernelMode,
  registerBlock,
  type Staged,
  stagedLoop,
  type Tile,
  tileThreads,
} from "../outer_product.ts";

/** Compile-time variant of the matmul kernel. */
export interface MatmulVariant {
  /** Storage dtype of A, B, C (and bias). */
  dtype: DType;
  /** A is stored `[K, M]` (op(A) = Aᵀ). */
  transA: boolean;
  /** B is stored `[N, K]` (op(B) = Bᵀ). */
  transB: boolean;
  /** A bias `[N]` is added to every row of C. */
  bias: boolean;
  /** A is read 4 elements per load (its stored rows a multiple of 4, its window aligned). */
  vec4A: boolean;
  /** B likewise. */
  vec4B: boolean;
  /** C is written 4 elements per store (N a multiple of 4, its window aligned). */
  vec4C: boolean;
  /** The outer-product tile (steps: K per staged step). */
  tile: Tile;
}

/**
 * The default tile: 64 × 64 outputs per workgroup, 8 rows × 4 columns per invocation (128
 * invocations), 8 K per step — the shape of the linear-attention row kernels, the fastest of
 * their scans on the H200 (bench/NOTES.md).
 */
export const MATMUL_TILE: Readonly<Tile> = Object.freeze({ m: 64, n: 64, rm: 8, rn: 4, steps: 8 });

/**
 * Whether `t` is a tile this generator takes: rm, rn and steps multiples of 4, the tile a
 * multiple of them, and one or more whole vec4 fetches of each operand per invocation and step.
 */
export function matmulTileFits(t: Tile): boolean {
  const nt = tileThreads(t);
  return t.rm % 4 === 0 && t.rn % 4 === 0 && t.steps % 4 === 0 && t.m % t.rm === 0 &&
    t.n % t.rn === 0 && (t.split ?? 1) === 1 &&
    Number.isInteger((t.m * t.steps) / 4 / nt) && Number.isInteger((t.n * t.steps) / 4 / nt);
}

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

const vec4Of = (dtype: DType) => `vec4<${dtype}>`;

/** Storage of the matmul kernel: a, b, c (and the bias). */
export function matmulStorage(v: MatmulVariant): StorageBinding[] {
  const type = (vec4: boolean) => (vec4 ? vec4Of(v.dtype) : v.dtype);
  const storage = [
    read("a", type(v.vec4A)),
    read("b", type(v.vec4B)),
    readWrite("c", type(v.vec4C)),
  ];
  return v.bias ? [...storage, read("bias", v.dtype)] : storage;
}

/**
 * WGSL: `fetch4_<name>(i, avail)`, elements i..i+3 of binding `name` after its window offset,
 * of which the first `avail` ≥ 1 exist (the rest 0): one load of a vec4 binding (i a multiple
 * of 4, all 4 exist), else scalar loads (no loop: llvmpipe counts loop iterations).
 */
function fetch4(name: string, vec4: boolean, dtype: DType): string {
  const raw = vec4Of(dtype);
  return vec4
    ? `fn fetch4_${name}(i: u32, avail: u32) -> ${raw} { return ${name}[(u.off_${name} + i) / 4u]; }`
    : `fn fetch4_${name}(i: u32, avail: u32) -> ${raw} {
  let j = u.off_${name} + i;
  var v = ${raw}();
  v.x = ${name}[j];
  if (avail > 1u) { v.y = ${name}[j + 1u]; }
  if (avail > 2u) { v.z = ${name}[j + 2u]; }
  if (avail > 3u) { v.w = ${name}[j + 3u]; }
  return v;
}`;
}

/** WGSL of the matmul kernel for `v`. */
export function matmulWgsl(v: MatmulVariant): string {
  const t = v.tile; // (recordMatmul checks it with matmulTileFits)
  const nt = tileThreads(t);
  const types: Staged = { x: v.dtype === "f16" ? "vec4h" : "vec4f", y: "vec4f" };
  const mode: KernelMode = {
    precision: "f32",
    f16Staging: v.dtype === "f16",
    vec4: true,
    shuffle: false,
    buffers: 2,
    unroll: t.steps,
  };
  const block = registerBlock(t, mode, types, !v.transA);
  const a = fetchStore("a", (t.m * t.steps) / 4 / nt);
  const b = fetchStore("b", (t.n * t.steps) / 4 / nt);
  const raw = vec4Of(v.dtype);
  // Item k of this invocation's share of a step: e = lid + k·NT.
  const fetchA = v.transA
    ? `// op(A)[m0 + 4·(e % QM)..][s0 + e / QM]: 4 rows of one K, stored [K, M].
fn a_item(e: u32) -> vec2u { return vec2u(4u * (e % QM), e / QM); }  // (row, s)
fn fetch_a(s0: u32, k: u32) -> ${raw} {
  let rs = a_item(lid + k * NT);
  let row = m0 + rs.x;
  let s = s0 + rs.y;
  if (row >= u.m || s >= u.k) { return ${raw}(); }
  return fetch4_a(o_a + s * u.m + row, u.m - row);
}
fn store_a(buf: u32, k: u32, val: ${raw}) {
  let rs = a_item(lid + k * NT);
  s_x[buf][rs.y][(rs.x % RT) / 4u][rs.x / RT] = ${types.x}(val);
}`
    : `// op(A)[m0 + e / QS][s0 + 4·(e % QS)..]: 4 K of one row, stored [M, K].
fn a_item(e: u32) -> vec2u { return vec2u(e / QS, 4u * (e % QS)); }  // (row, s)
fn fetch_a(s0: u32, k: u32) -> ${raw} {
  let rs = a_item(lid + k * NT);
  let row = m0 + rs.x;
  let s = s0 + rs.y;
  if (row >= u.m || s >= u.k) { return ${raw}(); }
  return fetch4_a(o_a + row * u.k + s, u.k - s);
}
fn store_a(buf: u32, k: u32, val: ${raw}) {
  let rs = a_item(lid + k * NT);
  s_x[buf][rs.y / 4u][rs.x / RT][rs.x % RT] = ${types.x}(val);
}`;
  const fetchB = v.transB
    ? `// op(B)[s0 + 4·(e % QS)..][n0 + e / QS]: 4 K of one column, stored [N, K].
fn b_item(e: u32) -> vec2u { return vec2u(4u * (e % QS), e / QS); }  // (s, col)
fn fetch_b(s0: u32, k: u32) -> ${raw} {
  let sc = b_item(lid + k * NT);
  let s = s0 + sc.x;
  let col = n0 + sc.y;
  if (col >= u.n || s >= u.k) { return ${raw}(); }
  return fetch4_b(o_b + col * u.k + s, u.k - s);
}
fn store_b(buf: u32, k: u32, val: ${raw}) {
  let sc = b_item(lid + k * NT);
  let y = vec4f(val);
  for (var i = 0u; i < 4u; i += 1u) {
    s_y[buf][sc.x + i][(sc.y % RN) / 4u][sc.y / RN][sc.y % 4u] = y[i];
  }
}`
    : `// op(B)[s0 + e / QN][n0 + 4·(e % QN)..]: 4 columns of one K, stored [K, N].
fn b_item(e: u32) -> vec2u { return vec2u(e / QN, 4u * (e % QN)); }  // (s, col)
fn fetch_b(s0: u32, k: u32) -> ${raw} {
  let sc = b_item(lid + k * NT);
  let s = s0 + sc.x;
  let col = n0 + sc.y;
  if (col >= u.n || s >= u.k) { return ${raw}(); }
  return fetch4_b(o_b + s * u.n + col, u.n - col);
}
fn store_b(buf: u32, k: u32, val: ${raw}) {
  let sc = b_item(lid + k * NT);
  s_y[buf][sc.x][(sc.y % RN) / 4u][sc.y / RN] = vec4f(val);
}`;
  const bias4 = v.bias
    ? unroll(4, (c) => `f32(bias[u.off_bias + min(col + ${c}u, u.n - 1u)])`).split("\n").join(
      ", ",
    )
    : "";
  const withBias = v.bias ? `sums + vec4f(${bias4})` : "sums";
  const put = v.vec4C
    ? `// Columns col..col + 3 of row \`row\` (all 4 or none: N is a multiple of 4).
fn put(r: u32, col4: u32, sums: vec4f) {
  let row = m0 + r;
  let col = n0 + col4;
  if (row >= u.m || col >= u.n) { return; }
  c[(o_c + row * u.n + col) / 4u] = ${raw}(${withBias});
}`
    : `fn put(r: u32, col4: u32, sums: vec4f) {
  let row = m0 + r;
  let col = n0 + col4;
  if (row >= u.m) { return; }
  let out = ${withBias};
  for (var i = 0u; i < 4u; i += 1u) {
    if (col + i < u.n) { c[o_c + row * u.n + col + i] = ${v.dtype}(out[i]); }
  }
}`;
  const sX = v.transA
    ? `// s_x[buf][s][v][tm]: op(A) rows m0 + tm·RT + 4v.. at K s0 + s.
var<workgroup> s_x: array<array<array<array<${types.x}, NTM>, RT / 4u>, STEP>, 2>;`
    : `// s_x[buf][q][tm][j]: op(A) row m0 + tm·RT + j at K s0 + 4q.. (A as stored).
var<workgroup> s_x: array<array<array<array<${types.x}, RT>, NTM>, STEP / 4u>, 2>;`;
  return /* wgsl */ `
${v.dtype === "f16" ? "enable f16;" : ""}
${FLAT_GROUP_WGSL}
${fetch4("a", v.vec4A, v.dtype)}
${fetch4("b", v.vec4B, v.dtype)}

const BM = ${t.m}u;  // rows of C per workgroup
const BN = ${t.n}u;  // columns of C per workgroup
const STEP = ${t.steps}u;  // K per staged step
const RT = ${t.rm}u;  // rows per invocation
const RN = ${t.rn}u;  // columns per invocation
const NTM = BM / RT;
const NTN = BN / RN;
const NT = NTM * NTN;
const QS = STEP / 4u;  // vec4s along K per step
const QM = BM / 4u;  // vec4s along a tile's rows
const QN = BN / 4u;  // vec4s along a tile's columns
${sX}
// s_y[buf][s][c][tn]: op(B) columns n0 + tn·RN + 4c.. at K s0 + s.
var<workgroup> s_y: array<array<array<array<vec4f, NTN>, RN / 4u>, STEP>, 2>;

var<private> lid: u32;
var<private> m0: u32;
var<private> n0: u32;
var<private> o_a: u32;
var<private> o_b: u32;
var<private> o_c: u32;

${fetchA}

${fetchB}

${put}

@compute @workgroup_size(NT)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid_in: u32) {
  let g = flat_group(wid, nwg);
  let tiles = u.tiles_m * u.tiles_n;
  if (g >= tiles * u.batch) { return; }
  lid = lid_in;
  let i_b = g / tiles;
  m0 = ((g % tiles) / u.tiles_n) * BM;
  n0 = ((g % tiles) % u.tiles_n) * BN;
  o_a = i_b * u.stride_a;  // (fetch4_a and fetch4_b add the window offsets)
  o_b = i_b * u.stride_b;
  o_c = u.off_c + i_b * u.m * u.n;
  let tn = lid % NTN;  // this invocation: rows m0 + tm·RT.., columns n0 + tn·RN..
  let tm = lid / NTN;
${block.decl}
  let s_begin = 0u;
  let s_end = u.k;
${
    stagedLoop(
      mode,
      (from) => `${a.fetch(from)}\n${b.fetch(from)}`,
      (buf) => `${a.store(buf)}\n${b.store(buf)}`,
      block.fma,
    )
  }
${block.each((j, c, acc) => `  put(tm * RT + ${j}u, (tn * (RN / 4u) + ${c}u) * 4u, ${acc});`)}
}
`;
}
