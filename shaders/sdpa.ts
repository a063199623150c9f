/**
 * WGSL generators for flash-style softmax attention (non-causal), forward and backward.
 *
 * Every kernel gives a workgroup one (b, h) and a block of BR "own" rows (queries in the
 * forward and dq kernels, keys in the dk/dv kernel), and streams the other side in blocks of BC
 * rows through workgroup memory; nothing of size Lq×Lk is ever stored. Threads form a TR×TC
 * grid: thread (tr, tc) owns rows `tr + TR·i` and streamed columns / features `tc + TC·j`.
 * Scores are kept in the log2 domain: `s = (q·k)·scale·log2(e)`, `p = exp2(s − m)`.
 *
 * - forward: online softmax (running max m and sum l per row), o = Σ p·v / l, and the
 *   log-sum-exp `lse = m + log2(l)` (log2 units) saved for the backward.
 * - delta: `D_i = rowsum(dO_i ∘ o_i)`.
 * - dq: `dq_i = scale · Σ_j p_ij (dp_ij − D_i) k_j` with `dp_ij = dO_i · v_j`.
 * - dkdv: `dv_j = Σ_i p_ij dO_i`, `dk_j = scale · Σ_i p_ij (dp_ij − D_i) q_i`.
 * Each output element is written by one thread: deterministic, no atomics.
 * Register tiles declared inside loops get explicit `T()` initialisers: the WGSL spec zeroes
 * them on every iteration anyway, but lavapipe's compiled SPIR-V zeroed them only once.
 * @module
 */
import { FLAT_GROUP_WGSL, UniformBlock } from "../ops/_runtime/kernel.ts";
import type { DType } from "../ops/_runtime/tensor.ts";

/** Block sizes and thread grid of one kernel. */
export interface SdpaTiles {
  /** Own rows per workgroup. */
  br: number;
  /** Streamed rows per step. */
  bc: number;
  /** Thread rows (divides br). */
  tr: number;
  /** Thread columns (divides bc). */
  tc: number;
}

/** Compile-time variant of an SDPA kernel. */
export interface SdpaVariant extends SdpaTiles {
  /** Which kernel. */
  kind: "fwd" | "dq" | "dkdv";
  /** Storage dtype of q, k, v, o and the gradients. */
  dtype: DType;
  /** `"BHTD"` or `"BTHD"`. */
  layout: "BHTD" | "BTHD";
  /** Query/key features. */
  dk: number;
  /** Value features. */
  dv: number;
}

/** Largest feature size the kernels take. */
export const SDPA_MAX_DIM = 256;

/** Candidate tilings, largest first; the launcher takes the first that fits the device. */
export const SDPA_TILE_CANDIDATES: readonly SdpaTiles[] = [
  { br: 64, bc: 32, tr: 16, tc: 16 },
  { br: 32, bc: 32, tr: 16, tc: 16 },
  { br: 32, bc: 16, tr: 16, tc: 16 },
  { br: 16, bc: 16, tr: 16, tc: 16 },
  { br: 16, bc: 8, tr: 16, tc: 8 },
  { br: 8, bc: 8, tr: 8, tc: 8 },
];

/** Uniforms of every SDPA kernel. */
export const sdpaParams = new UniformBlock({
  heads: "u32",
  lq: "u32",
  lk: "u32",
  bh_count: "u32",
  blocks: "u32",
  scale_log2: "f32",
  scale: "f32",
});

/** Features padded to a multiple of the thread columns. */
function padded(d: number, tc: number): number {
  return Math.ceil(d / tc) * tc;
}

/** Bytes of workgroup memory the kernel `v` needs. */
export function sdpaWorkgroupBytes(v: Omit<SdpaVariant, "dtype" | "layout">): number {
  const dkp = padded(v.dk, v.tc), dvp = padded(v.dv, v.tc), dmax = Math.max(dkp, dvp);
  const floats = v.kind === "fwd"
    ? v.br * dkp + v.bc * dmax + v.br * v.bc + 3 * v.br
    : v.kind === "dq"
    ? v.br * dkp + v.br * dvp + v.bc * dmax + v.br * v.bc + 2 * v.br
    : v.br * dkp + v.br * dvp + v.bc * dmax + v.br * v.bc + 2 * v.bc;
  return 4 * floats;
}

const unroll = (n: number, body: (i: number) => string) =>
  Array.from({ length: n }, (_, i) => body(i)).join("\n");

/** WGSL of kernel `v`. */
export function sdpaWgsl(v: SdpaVariant): string {
  switch (v.kind) {
    case "fwd":
      return forwardWgsl(v);
    case "dq":
      return dqWgsl(v);
    case "dkdv":
      return dkdvWgsl(v);
  }
}

/** Declarations and helpers shared by the three kernels. */
function common(v: SdpaVariant, storage: [string, "read" | "read_write", string][]): string {
  const NT = v.tr * v.tc;
  const bindings = storage
    .map(([name, access, type], i) =>
      `@group(0) @binding(${i}) var<storage, ${access}> ${name}: array<${type}>;`
    )
    .join("\n");
  const rowOffset = v.layout === "BHTD"
    ? "return (bh * len + t) * d;"
    : "return ((bh / u.heads) * len + t) * u.heads * d + (bh % u.heads) * d;";
  return /* wgsl */ `
${v.dtype === "f16" ? "enable f16;" : ""}
${bindings}
${sdpaParams.wgsl(storage.length)}
${FLAT_GROUP_WGSL}
const NT = ${NT}u;
const NEG = -1e30;
// Element offset of row t of head bh in a tensor of length len and features d.
fn row_off(bh: u32, t: u32, len: u32, d: u32) -> u32 { ${rowOffset} }
`;
}

/**
 * Cooperative load of `rows` rows (from row `t0`, `len` valid) of `src` into `dst`
 * ([rows][dp], zero past the edges), as f32.
 */
function loadTile(
  dst: string,
  src: string,
  rows: number,
  d: number,
  dp: number,
  t0: string,
  len: string,
): string {
  return `
  for (var e = lid; e < ${rows * dp}u; e += NT) {
    let r = e / ${dp}u;
    let c = e % ${dp}u;
    var x = 0.0;
    if (${t0} + r < ${len} && c < ${d}u) { x = f32(${src}[row_off(bh, ${t0} + r, ${len}, ${d}u) + c]); }
    ${dst}[e] = x;
  }`;
}

/** `acc[i][j] += Σ_d a[row_i][d] · b[col_j][d]`: an own-rows × streamed-rows dot tile. */
function dotTile(v: SdpaVariant, acc: string, a: string, b: string, dp: number): string {
  const RI = v.br / v.tr, RJ = v.bc / v.tc;
  return `
  for (var d = 0u; d < ${dp}u; d++) {
${unroll(RI, (i) => `    let a${i} = ${a}[(tr + ${v.tr * i}u) * ${dp}u + d];`)}
${unroll(RJ, (j) => `    let b${j} = ${b}[(tc + ${v.tc * j}u) * ${dp}u + d];`)}
${
    unroll(RI * RJ, (ij) => {
      const i = Math.floor(ij / RJ), j = ij % RJ;
      return `    ${acc}[${i}][${j}] = fma(a${i}, b${j}, ${acc}[${i}][${j}]);`;
    })
  }
  }`;
}

/** `acc[i][j] += Σ_c p[row_i][c] · x[c][feature_j]`: the product of a score tile and rows. */
function productTile(v: SdpaVariant, acc: string, p: string, x: string, dp: number): string {
  const RI = v.br / v.tr, CJ = dp / v.tc;
  return `
  for (var c = 0u; c < ${v.bc}u; c++) {
${unroll(RI, (i) => `    let p${i} = ${p}[(tr + ${v.tr * i}u) * ${v.bc}u + c];`)}
${unroll(CJ, (j) => `    let x${j} = ${x}[c * ${dp}u + tc + ${v.tc * j}u];`)}
${
    unroll(RI * CJ, (ij) => {
      const i = Math.floor(ij / CJ), j = ij % CJ;
      return `    ${acc}[${i}][${j}] = fma(p${i}, x${j}, ${acc}[${i}][${j}]);`;
    })
  }
  }`;
}

/** Writes an own-rows × features accumulator tile (times `factor`) to `dst`. */
function storeTile(
  v: SdpaVariant,
  acc: string,
  dst: string,
  d: number,
  len: string,
  factor: (i: number) => string,
): string {
  const RI = v.br / v.tr, CJ = padded(d, v.tc) / v.tc;
  return unroll(RI, (i) => `
  if (t0 + tr + ${v.tr * i}u < ${len}) {
    let o_row = row_off(bh, t0 + tr + ${v.tr * i}u, ${len}, ${d}u);
${
    unroll(CJ, (j) =>
      `    if (tc + ${v.tc * j}u < ${d}u) { ${dst}[o_row + tc + ${
        v.tc * j
      }u] = ${v.dtype}(${acc}[${i}][${j}] * ${factor(i)}); }`)
  }
  }`);
}

function header(v: SdpaVariant): string {
  return `
@compute @workgroup_size(${v.tr * v.tc})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);
  if (g >= u.bh_count * u.blocks) { return; }
  let bh = g / u.blocks;
  let t0 = (g % u.blocks) * ${v.br}u; // first own row
  let tr = lid / ${v.tc}u;
  let tc = lid % ${v.tc}u;`;
}

function forwardWgsl(v: SdpaVariant): string {
  const E = v.dtype;
  const dkp = padded(v.dk, v.tc), dvp = padded(v.dv, v.tc), dmax = Math.max(dkp, dvp);
  const RI = v.br / v.tr, RJ = v.bc / v.tc, CJ = dvp / v.tc;
  return common(v, [["q", "read", E], ["k", "read", E], ["v", "read", E], ["o", "read_write", E], [
    "lse",
    "read_write",
    "f32",
  ]]) + /* wgsl */ `
var<workgroup> s_q: array<f32, ${v.br * dkp}>;   // [BR][DKP] own queries
var<workgroup> s_kv: array<f32, ${v.bc * dmax}>; // [BC][DKP] keys, then [BC][DVP] values
var<workgroup> s_p: array<f32, ${v.br * v.bc}>;  // [BR][BC] scores, then probabilities
var<workgroup> s_m: array<f32, ${v.br}>;         // running max (log2 units)
var<workgroup> s_l: array<f32, ${v.br}>;         // running sum of p
var<workgroup> s_alpha: array<f32, ${v.br}>;     // rescale of this step
${header(v)}
  ${loadTile("s_q", "q", v.br, v.dk, dkp, "t0", "u.lq")}
  if (lid < ${v.br}u) { s_m[lid] = NEG; s_l[lid] = 0.0; }
  var b_o = array<array<f32, ${CJ}>, ${RI}>(); // [own rows][value features]
  for (var k0 = 0u; k0 < u.lk; k0 += ${v.bc}u) {
    workgroupBarrier();
    ${loadTile("s_kv", "k", v.bc, v.dk, dkp, "k0", "u.lk")}
    workgroupBarrier();
    var b_s = array<array<f32, ${RJ}>, ${RI}>();
    ${dotTile(v, "b_s", "s_q", "s_kv", dkp)}
${
    unroll(RI * RJ, (ij) => {
      const i = Math.floor(ij / RJ), j = ij % RJ;
      return `    s_p[(tr + ${v.tr * i}u) * ${v.bc}u + tc + ${
        v.tc * j
      }u] = select(NEG, b_s[${i}][${j}] * u.scale_log2, k0 + tc + ${v.tc * j}u < u.lk);`;
    })
  }
    workgroupBarrier();
    // Online softmax, one thread per row; meanwhile the others load the values.
    if (lid < ${v.br}u) {
      var mx = s_m[lid];
      for (var c = 0u; c < ${v.bc}u; c++) { mx = max(mx, s_p[lid * ${v.bc}u + c]); }
      var rowsum = 0.0;
      for (var c = 0u; c < ${v.bc}u; c++) {
        let p = exp2(s_p[lid * ${v.bc}u + c] - mx);
        s_p[lid * ${v.bc}u + c] = p;
        rowsum += p;
      }
      let alpha = exp2(s_m[lid] - mx);
      s_alpha[lid] = alpha;
      s_l[lid] = s_l[lid] * alpha + rowsum;
      s_m[lid] = mx;
    }
    ${loadTile("s_kv", "v", v.bc, v.dv, dvp, "k0", "u.lk")}
    workgroupBarrier();
${
    unroll(
      RI,
      (i) =>
        `    let alpha${i} = s_alpha[tr + ${
          v.tr * i
        }u];\n    for (var j = 0u; j < ${CJ}u; j++) { b_o[${i}][j] *= alpha${i}; }`,
    )
  }
    ${productTile(v, "b_o", "s_p", "s_kv", dvp)}
  }
  workgroupBarrier();
${unroll(RI, (i) => `  let inv_l${i} = 1.0 / s_l[tr + ${v.tr * i}u];`)}
  ${storeTile(v, "b_o", "o", v.dv, "u.lq", (i) => `inv_l${i}`)}
  if (lid < ${v.br}u && t0 + lid < u.lq) { lse[bh * u.lq + t0 + lid] = s_m[lid] + log2(s_l[lid]); }
}
`;
}

function dqWgsl(v: SdpaVariant): string {
  const E = v.dtype;
  const dkp = padded(v.dk, v.tc), dvp = padded(v.dv, v.tc), dmax = Math.max(dkp, dvp);
  const RI = v.br / v.tr, RJ = v.bc / v.tc, CJ = dkp / v.tc;
  return common(v, [
    ["q", "read", E],
    ["k", "read", E],
    ["v", "read", E],
    ["d_o", "read", E],
    ["lse", "read", "f32"],
    ["delta", "read", "f32"],
    ["dq", "read_write", E],
  ]) + /* wgsl */ `
var<workgroup> s_q: array<f32, ${v.br * dkp}>;   // [BR][DKP] own queries
var<workgroup> s_do: array<f32, ${v.br * dvp}>;  // [BR][DVP] their output gradients
var<workgroup> s_kv: array<f32, ${v.bc * dmax}>; // keys, values, keys again
var<workgroup> s_ds: array<f32, ${v.br * v.bc}>; // [BR][BC] dS = P ∘ (dP − D)
var<workgroup> s_lse: array<f32, ${v.br}>;
var<workgroup> s_delta: array<f32, ${v.br}>;
${header(v)}
  ${loadTile("s_q", "q", v.br, v.dk, dkp, "t0", "u.lq")}
  ${loadTile("s_do", "d_o", v.br, v.dv, dvp, "t0", "u.lq")}
  if (lid < ${v.br}u) {
    let t = min(t0 + lid, u.lq - 1u);
    s_lse[lid] = lse[bh * u.lq + t];
    s_delta[lid] = delta[bh * u.lq + t];
  }
  var b_dq = array<array<f32, ${CJ}>, ${RI}>(); // [own rows][key features]
  for (var k0 = 0u; k0 < u.lk; k0 += ${v.bc}u) {
    workgroupBarrier();
    ${loadTile("s_kv", "k", v.bc, v.dk, dkp, "k0", "u.lk")}
    workgroupBarrier();
    var b_p = array<array<f32, ${RJ}>, ${RI}>();
    ${dotTile(v, "b_p", "s_q", "s_kv", dkp)}
${
    unroll(RI * RJ, (ij) => {
      const i = Math.floor(ij / RJ), j = ij % RJ;
      return `    b_p[${i}][${j}] = select(0.0, exp2(b_p[${i}][${j}] * u.scale_log2 - s_lse[tr + ${
        v.tr * i
      }u]), k0 + tc + ${v.tc * j}u < u.lk);`;
    })
  }
    workgroupBarrier();
    ${loadTile("s_kv", "v", v.bc, v.dv, dvp, "k0", "u.lk")}
    workgroupBarrier();
    var b_dp = array<array<f32, ${RJ}>, ${RI}>();
    ${dotTile(v, "b_dp", "s_do", "s_kv", dvp)}
${
    unroll(RI * RJ, (ij) => {
      const i = Math.floor(ij / RJ), j = ij % RJ;
      return `    s_ds[(tr + ${v.tr * i}u) * ${v.bc}u + tc + ${
        v.tc * j
      }u] = b_p[${i}][${j}] * (b_dp[${i}][${j}] - s_delta[tr + ${v.tr * i}u]);`;
    })
  }
    workgroupBarrier();
    ${loadTile("s_kv", "k", v.bc, v.dk, dkp, "k0", "u.lk")}
    workgroupBarrier();
    ${productTile(v, "b_dq", "s_ds", "s_kv", dkp)}
  }
  ${storeTile(v, "b_dq", "dq", v.dk, "u.lq", () => "u.scale")}
}
`;
}

function dkdvWgsl(v: SdpaVariant): string {
  const E = v.dtype;
  const dkp = padded(v.dk, v.tc), dvp = padded(v.dv, v.tc), dmax = Math.max(dkp, dvp);
  const RI = v.br / v.tr, RJ = v.bc / v.tc;
  // Own rows are keys: row_off of k/v uses lk, of q/dO uses lq.
  return common(v, [
    ["q", "read", E],
    ["k", "read", E],
    ["v", "read", E],
    ["d_o", "read", E],
    ["lse", "read", "f32"],
    ["delta", "read", "f32"],
    ["dk", "read_write", E],
    ["dv", "read_write", E],
  ]) + /* wgsl */ `
var<workgroup> s_k: array<f32, ${v.br * dkp}>;   // [BR][DKP] own keys
var<workgroup> s_v: array<f32, ${v.br * dvp}>;   // [BR][DVP] own values
var<workgroup> s_qd: array<f32, ${v.bc * dmax}>; // queries, output gradients, queries again
var<workgroup> s_p: array<f32, ${v.br * v.bc}>;  // [BR keys][BC queries] P, then dS
var<workgroup> s_lse: array<f32, ${v.bc}>;
var<workgroup> s_delta: array<f32, ${v.bc}>;
${header(v)}
  ${loadTile("s_k", "k", v.br, v.dk, dkp, "t0", "u.lk")}
  ${loadTile("s_v", "v", v.br, v.dv, dvp, "t0", "u.lk")}
  var b_dk = array<array<f32, ${dkp / v.tc}>, ${RI}>(); // [own keys][key features]
  var b_dv = array<array<f32, ${dvp / v.tc}>, ${RI}>(); // [own keys][value features]
  for (var q0 = 0u; q0 < u.lq; q0 += ${v.bc}u) {
    workgroupBarrier();
    ${loadTile("s_qd", "q", v.bc, v.dk, dkp, "q0", "u.lq")}
    if (lid < ${v.bc}u) {
      let t = min(q0 + lid, u.lq - 1u);
      s_lse[lid] = lse[bh * u.lq + t];
      s_delta[lid] = delta[bh * u.lq + t];
    }
    workgroupBarrier();
    var b_p = array<array<f32, ${RJ}>, ${RI}>(); // Pᵀ: [own keys][queries]
    ${dotTile(v, "b_p", "s_k", "s_qd", dkp)}
${
    unroll(RI * RJ, (ij) => {
      const i = Math.floor(ij / RJ), j = ij % RJ;
      return `    b_p[${i}][${j}] = select(0.0, exp2(b_p[${i}][${j}] * u.scale_log2 - s_lse[tc + ${
        v.tc * j
      }u]), q0 + tc + ${v.tc * j}u < u.lq);
    s_p[(tr + ${v.tr * i}u) * ${v.bc}u + tc + ${v.tc * j}u] = b_p[${i}][${j}];`;
    })
  }
    workgroupBarrier();
    ${loadTile("s_qd", "d_o", v.bc, v.dv, dvp, "q0", "u.lq")}
    workgroupBarrier();
    ${productTile(v, "b_dv", "s_p", "s_qd", dvp)}
    var b_dp = array<array<f32, ${RJ}>, ${RI}>(); // dPᵀ = V dOᵀ
    ${dotTile(v, "b_dp", "s_v", "s_qd", dvp)}
    workgroupBarrier();
${
    unroll(RI * RJ, (ij) => {
      const i = Math.floor(ij / RJ), j = ij % RJ;
      return `    s_p[(tr + ${v.tr * i}u) * ${v.bc}u + tc + ${
        v.tc * j
      }u] = b_p[${i}][${j}] * (b_dp[${i}][${j}] - s_delta[tc + ${v.tc * j}u]);`;
    })
  }
    ${loadTile("s_qd", "q", v.bc, v.dk, dkp, "q0", "u.lq")}
    workgroupBarrier();
    ${productTile(v, "b_dk", "s_p", "s_qd", dkp)}
  }
  ${storeTile(v, "b_dv", "dv", v.dv, "u.lk", () => "1.0")}
  ${storeTile(v, "b_dk", "dk", v.dk, "u.lk", () => "u.scale")}
}
`;
}

/** Uniforms of the delta kernel: `D_i = rowsum(dO_i ∘ o_i)`, one thread per row. */
export const deltaParams = new UniformBlock({ rows: "u32", heads: "u32", lq: "u32" });

/** WGSL of the delta kernel (bindings o, dO, delta). */
export function deltaWgsl(dtype: DType, layout: "BHTD" | "BTHD", dv: number): string {
  const row = layout === "BHTD"
    ? "i * D"
    : "((bh / u.heads) * u.lq + t) * u.heads * D + (bh % u.heads) * D";
  return /* wgsl */ `
${dtype === "f16" ? "enable f16;" : ""}
@group(0) @binding(0) var<storage, read> o: array<${dtype}>;
@group(0) @binding(1) var<storage, read> d_o: array<${dtype}>;
@group(0) @binding(2) var<storage, read_write> delta: array<f32>;
${deltaParams.wgsl(3)}
${FLAT_GROUP_WGSL}
const D = ${dv}u;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = flat_group(wid, nwg) * 64u + lid; // row index bh·lq + t
  if (i >= u.rows) { return; }
  let bh = i / u.lq;
  let t = i % u.lq;
  let base = ${row};
  var acc = 0.0;
  for (var d = 0u; d < D; d++) { acc = fma(f32(o[base + d]), f32(d_o[base + d]), acc); }
  delta[i] = acc;
}
`;
}
