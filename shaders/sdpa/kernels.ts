/**
 * WGSL generators for flash-style softmax attention (non-causal), forward and backward,
 * register-tiled for GPUs without tensor cores or subgroups.
 *
 * Every kernel gives a workgroup one (b, h) and a block of BR "own" rows (queries in the
 * forward and dq kernels, keys in the dk/dv kernel), and streams the other side in blocks of BC
 * rows through workgroup memory; nothing of size Lq×Lk is ever stored. Threads form a TR×TC
 * grid. Thread (tr, tc) owns:
 * - in a score tile (own × streamed rows): rows `tr + TR·i` and columns `tc + TC·j`
 *   (strided, so that a warp's reads hit distinct banks);
 * - in a feature tile (own rows × features): rows `tr + TR·i` and the vec4 column groups
 *   `tc + TC·u` (features 4(tc + TC·u) … +3).
 * Workgroup tiles are row-major vec4 arrays whose row stride (in vec4) is odd, so that the
 * rows read by one warp fall in different banks; every inner loop reads vec4s and does 4·RI·RJ
 * (or 4·RI·CU·4) FMAs per 2–3 loads per row of the tile.
 * Scores are kept in the log2 domain: `s = (q·k)·scale·log2(e)`, `p = exp2(s − m)`.
 *
 * - forward: online softmax (SPEC: flash attention). The row max of each block is reduced
 *   across the TC threads of a row through workgroup memory; each thread keeps a partial row
 *   sum l over its own columns (rescaled with the row max like o) and the partials are summed
 *   once at the end. o = Σ p·v / l and `lse = m + log2(l)` (log2 units) saved for the backward.
 * - delta: `D_i = rowsum(dO_i ∘ o_i)`.
 * - dq: `dq_i = scale · Σ_j p_ij (dp_ij − D_i) k_j` with `dp_ij = dO_i · v_j`.
 * - dkdv: `dv_j = Σ_i p_ij dO_i`, `dk_j = scale · Σ_i p_ij (dp_ij − D_i) q_i`.
 * Each output element is written by one thread in a fixed order: deterministic, no atomics.
 * Register tiles declared inside loops get explicit `T()` initialisers: the WGSL spec zeroes
 * them on every iteration anyway, but lavapipe's compiled SPIR-V zeroed them only once.
 * @module
 */
import { FLAT_GROUP_WGSL, UniformBlock } from "../common.ts";
import type { DType } from "../common.ts";
import { features, scoreStride, type SdpaTiles, TileCode, unroll } from "../attention_tiles.ts";

export type { SdpaTiles };

/** The three SDPA kernels. */
export type SdpaKind = "fwd" | "dq" | "dkdv";

/** Compile-time variant of an SDPA kernel. */
export interface SdpaVariant extends SdpaTiles {
  /** Which kernel. */
  kind: SdpaKind;
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

/**
 * Candidate tilings per kernel, preferred first; the launcher takes the first that fits the
 * device's workgroup memory and size. The first of each fits 48 KiB at d = 64 (H100/H200);
 * the later ones fit 32 KiB (lavapipe) and large d. Mutable so that the tile sweep
 * (bench/sdpa_tiles.ts) and the tests can put a tiling first.
 */
export const SDPA_TILES: Record<SdpaKind, SdpaTiles[]> = {
  fwd: [
    { br: 64, bc: 48, tr: 16, tc: 8 }, // fastest of the H100 sweep (bench/NOTES.md, SDPA v2)
    { br: 64, bc: 32, tr: 16, tc: 8 },
    { br: 32, bc: 32, tr: 8, tc: 8 },
    { br: 16, bc: 8, tr: 8, tc: 4 },
    { br: 8, bc: 4, tr: 8, tc: 4 },
  ],
  dq: [
    { br: 64, bc: 16, tr: 16, tc: 8 },
    { br: 32, bc: 16, tr: 8, tc: 8 },
    { br: 16, bc: 8, tr: 8, tc: 4 },
    { br: 8, bc: 4, tr: 8, tc: 4 },
  ],
  dkdv: [
    { br: 32, bc: 32, tr: 16, tc: 8 },
    { br: 32, bc: 16, tr: 8, tc: 8 },
    { br: 16, bc: 8, tr: 8, tc: 4 },
    { br: 8, bc: 4, tr: 8, tc: 4 },
  ],
};

/** A named choice of tiling for each kernel (one row of the tile sweep). */
export interface SdpaTileSet {
  /** Label in the sweep table. */
  name: string;
  /** Forward tiling. */
  fwd: SdpaTiles;
  /** dq tiling. */
  dq: SdpaTiles;
  /** dk/dv tiling. */
  dkdv: SdpaTiles;
}

/**
 * Tilings for 48 KiB GPUs at d = 64 that bench/sdpa_tiles.ts times (the first is the
 * default, `SDPA_TILES[kind][0]`) and tests/sdpa run at small d on any adapter.
 */
export const SDPA_TILE_SWEEP: readonly SdpaTileSet[] = [
  {
    name: "default",
    fwd: SDPA_TILES.fwd[0],
    dq: SDPA_TILES.dq[0],
    dkdv: SDPA_TILES.dkdv[0],
  },
  {
    name: "wide keys",
    fwd: { br: 64, bc: 48, tr: 16, tc: 8 },
    dq: { br: 48, bc: 24, tr: 16, tc: 8 },
    dkdv: { br: 48, bc: 16, tr: 16, tc: 8 },
  },
  {
    name: "256 threads",
    fwd: { br: 64, bc: 32, tr: 16, tc: 16 },
    dq: { br: 32, bc: 32, tr: 16, tc: 8 },
    dkdv: { br: 32, bc: 32, tr: 16, tc: 8 },
  },
  {
    name: "64 keys",
    fwd: { br: 32, bc: 64, tr: 8, tc: 16 },
    dq: { br: 32, bc: 32, tr: 8, tc: 8 },
    dkdv: { br: 32, bc: 32, tr: 8, tc: 8 },
  },
  {
    name: "64 threads 8x8",
    fwd: { br: 64, bc: 32, tr: 8, tc: 8 },
    dq: { br: 32, bc: 32, tr: 8, tc: 8 },
    dkdv: { br: 32, bc: 32, tr: 8, tc: 8 },
  },
  {
    name: "96 rows",
    fwd: { br: 96, bc: 16, tr: 16, tc: 8 },
    dq: SDPA_TILES.dq[0],
    dkdv: SDPA_TILES.dkdv[0],
  },
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

/** Bytes of workgroup memory the kernel `v` needs. */
export function sdpaWorkgroupBytes(v: Omit<SdpaVariant, "dtype" | "layout">): number {
  const k = features(v.dk, v.tc).stride, val = features(v.dv, v.tc).stride;
  const kp = features(v.dk, v.tc, true).stride, vp = features(v.dv, v.tc, true).stride;
  const scores = v.br * scoreStride(v);
  const vec4s = v.kind === "fwd"
    ? v.br * k + v.bc * Math.max(k, vp) + scores
    : v.kind === "dq"
    ? v.br * (k + val) + v.bc * (kp + val) + scores
    : v.br * (k + val) + v.bc * (kp + vp) + 2 * scores;
  const floats = v.kind === "fwd" ? v.br * v.tc : v.kind === "dkdv" ? 2 * v.bc : 0;
  return 16 * vec4s + 4 * floats;
}

/** Whether `t` is a valid tiling (divisibility; the memory check is the launcher's). */
export function sdpaTilesValid(t: SdpaTiles): boolean {
  const int = (x: number) => Number.isInteger(x) && x > 0;
  return [t.br, t.bc, t.tr, t.tc, t.br / t.tr, t.bc / t.tc, t.bc / 4].every(int);
}

/** WGSL of kernel `v`. */
export function sdpaWgsl(v: SdpaVariant): string {
  const g = new Generator(v);
  switch (v.kind) {
    case "fwd":
      return g.forward();
    case "dq":
      return g.dq();
    case "dkdv":
      return g.dkdv();
  }
}

/** The SDPA kernels: the shared tile pieces plus declarations and the three kernel bodies. */
class Generator extends TileCode {
  declare readonly t: SdpaVariant;

  constructor(t: SdpaVariant) {
    super(t);
  }

  /** Declarations shared by the three kernels. */
  common(storage: [string, "read" | "read_write", string][]): string {
    const t = this.t;
    const bindings = storage
      .map(([name, access, type], i) =>
        `@group(0) @binding(${i}) var<storage, ${access}> ${name}: array<${type}>;`
      )
      .join("\n");
    const rowOffset = t.layout === "BHTD"
      ? "return (bh * len + t) * d;"
      : "return ((bh / u.heads) * len + t) * u.heads * d + (bh % u.heads) * d;";
    return /* wgsl */ `
${t.dtype === "f16" ? "enable f16;" : ""}
${bindings}
${sdpaParams.wgsl(storage.length)}
${FLAT_GROUP_WGSL}
const TR = ${t.tr}u;
const TC = ${t.tc}u;
const NT = ${t.tr * t.tc}u;
const NEG = -1e30;
// Element offset of row t of head bh in a tensor of length len and features d.
fn row_off(bh: u32, t: u32, len: u32, d: u32) -> u32 { ${rowOffset} }
`;
  }

  header(): string {
    return `
@compute @workgroup_size(${this.t.tr * this.t.tc})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);
  if (g >= u.bh_count * u.blocks) { return; }
  let bh = g / u.blocks;
  let t0 = (g % u.blocks) * ${this.t.br}u; // first own row
  let tr = lid / TC;
  let tc = lid % TC;`;
  }

  /** Per-row values of this thread's own rows (clamped to the last row). */
  ownRowValues(name: string, src: string): string {
    return `var ${name} = array<f32, ${this.RI}>();
${
      unroll(this.RI, (i) =>
        `  ${name}[${i}] = ${src}[bh * u.lq + min(t0 + tr + ${i}u * TR, u.lq - 1u)];`)
    }`;
  }

  forward(): string {
    const { t, RI, k, v, vp } = this;
    const E = t.dtype;
    return this.common([
      ["q", "read", E],
      ["k", "read", E],
      ["v", "read", E],
      ["o", "read_write", E],
      ["lse", "read_write", "f32"],
    ]) + /* wgsl */ `
var<workgroup> s_q: array<vec4f, ${t.br * k.stride}>;                  // [BR][K] own queries
var<workgroup> s_kv: array<vec4f, ${
      t.bc * Math.max(k.stride, vp.stride)
    }>; // [BC][K] keys, then [BC][V] values
var<workgroup> s_p: array<vec4f, ${t.br * this.sp}>;                   // [BR][BC/4] probabilities
var<workgroup> s_red: array<f32, ${t.br * t.tc}>;                      // [BR][TC] row partials
${this.header()}
  ${this.load("s_q", "q", t.br, k, "t0", "u.lq")}
  var b_m = array<f32, ${RI}>(${Array(RI).fill("NEG").join(", ")}); // running row max (log2)
  var b_l = array<f32, ${RI}>(); // partial row sums over this thread's columns
  ${this.featureTile("b_o", v)} // [own rows][value groups]
  for (var k0 = 0u; k0 < u.lk; k0 += ${t.bc}u) {
    workgroupBarrier();
    ${this.load("s_kv", "k", t.bc, k, "k0", "u.lk")}
    workgroupBarrier();
    ${this.scoreTile("b_s")}
    ${this.dot("b_s", "s_q", k, "s_kv", k)}
${this.onlineMax("u.scale_log2", (j) => `k0 + tc + ${j}u * TC < u.lk`, ["b_l"], "b_o", v)}
${
      this.eachScore((i, j) =>
        `    b_s[${i}][${j}] = exp2(b_s[${i}][${j}] - b_m[${i}]);\n    b_l[${i}] += b_s[${i}][${j}];\n` +
        this.putScore("s_p", i, j, `b_s[${i}][${j}]`)
      )
    }
    ${this.load("s_kv", "v", t.bc, vp, "k0", "u.lk")}
    workgroupBarrier();
    ${this.product("b_o", "s_p", "s_kv", vp)}
  }
  workgroupBarrier();
${unroll(RI, (i) => `  s_red[(tr + ${i}u * TR) * TC + tc] = b_l[${i}];`)}
  workgroupBarrier();
  var inv_l = array<f32, ${RI}>();
${
      unroll(RI, (i) =>
        `  {
    var l = 0.0;
    for (var c = 0u; c < TC; c++) { l += s_red[(tr + ${i}u * TR) * TC + c]; }
    inv_l[${i}] = 1.0 / l;
    let t = t0 + tr + ${i}u * TR;
    if (tc == 0u && t < u.lq) { lse[bh * u.lq + t] = b_m[${i}] + log2(l); }
  }`)
    }
  ${this.store("b_o", "o", v, "u.lq", (i) => `inv_l[${i}]`)}
}
`;
  }

  dq(): string {
    const { t, RI, RJ, k, v, kp } = this;
    const E = t.dtype;
    return this.common([
      ["q", "read", E],
      ["k", "read", E],
      ["v", "read", E],
      ["d_o", "read", E],
      ["lse", "read", "f32"],
      ["delta", "read", "f32"],
      ["dq", "read_write", E],
    ]) + /* wgsl */ `
var<workgroup> s_q: array<vec4f, ${t.br * k.stride}>;  // [BR][K] own queries
var<workgroup> s_do: array<vec4f, ${t.br * v.stride}>; // [BR][V] their output gradients
var<workgroup> s_k: array<vec4f, ${t.bc * kp.stride}>; // [BC][K] keys
var<workgroup> s_v: array<vec4f, ${t.bc * v.stride}>;  // [BC][V] values
var<workgroup> s_ds: array<vec4f, ${t.br * this.sp}>;  // [BR][BC/4] dS = P ∘ (dP − D)
${this.header()}
  ${this.load("s_q", "q", t.br, k, "t0", "u.lq")}
  ${this.load("s_do", "d_o", t.br, v, "t0", "u.lq")}
  ${this.ownRowValues("b_lse", "lse")}
  ${this.ownRowValues("b_delta", "delta")}
  ${this.featureTile("b_dq", k)} // [own rows][key groups]
  for (var k0 = 0u; k0 < u.lk; k0 += ${t.bc}u) {
    workgroupBarrier();
    ${this.load("s_k", "k", t.bc, kp, "k0", "u.lk")}
    ${this.load("s_v", "v", t.bc, v, "k0", "u.lk")}
    workgroupBarrier();
    ${this.scoreTile("b_s")}
    ${this.dot("b_s", "s_q", k, "s_k", kp)}
    ${this.scoreTile("b_dp")}
    ${this.dot("b_dp", "s_do", v, "s_v", v)}
${
      unroll(RI * RJ, (ij) => {
        const i = Math.floor(ij / RJ), j = ij % RJ;
        return `    {
      let p = select(0.0, exp2(b_s[${i}][${j}] * u.scale_log2 - b_lse[${i}]), k0 + tc + ${j}u * TC < u.lk);
  ${this.putScore("s_ds", i, j, `p * (b_dp[${i}][${j}] - b_delta[${i}])`)}
    }`;
      })
    }
    workgroupBarrier();
    ${this.product("b_dq", "s_ds", "s_k", kp)}
  }
  ${this.store("b_dq", "dq", k, "u.lq", () => "u.scale")}
}
`;
  }

  dkdv(): string {
    const { t, RI, RJ, k, v, kp, vp } = this;
    const E = t.dtype;
    // Own rows are keys (length lk), streamed rows are queries (length lq).
    return this.common([
      ["q", "read", E],
      ["k", "read", E],
      ["v", "read", E],
      ["d_o", "read", E],
      ["lse", "read", "f32"],
      ["delta", "read", "f32"],
      ["dk", "read_write", E],
      ["dv", "read_write", E],
    ]) + /* wgsl */ `
var<workgroup> s_k: array<vec4f, ${t.br * k.stride}>;  // [BR][K] own keys
var<workgroup> s_v: array<vec4f, ${t.br * v.stride}>;  // [BR][V] own values
var<workgroup> s_q: array<vec4f, ${t.bc * kp.stride}>;  // [BC][K] queries
var<workgroup> s_do: array<vec4f, ${t.bc * vp.stride}>; // [BC][V] output gradients
var<workgroup> s_pt: array<vec4f, ${t.br * this.sp}>;  // [BR keys][BC/4] Pᵀ
var<workgroup> s_dst: array<vec4f, ${t.br * this.sp}>; // [BR keys][BC/4] dSᵀ
var<workgroup> s_lse: array<f32, ${t.bc}>;
var<workgroup> s_delta: array<f32, ${t.bc}>;
${this.header()}
  ${this.load("s_k", "k", t.br, k, "t0", "u.lk")}
  ${this.load("s_v", "v", t.br, v, "t0", "u.lk")}
  ${this.featureTile("b_dk", k)} // [own keys][key groups]
  ${this.featureTile("b_dv", v)} // [own keys][value groups]
  for (var q0 = 0u; q0 < u.lq; q0 += ${t.bc}u) {
    workgroupBarrier();
    ${this.load("s_q", "q", t.bc, kp, "q0", "u.lq")}
    ${this.load("s_do", "d_o", t.bc, vp, "q0", "u.lq")}
    for (var e = lid; e < ${t.bc}u; e += NT) {
      let row = bh * u.lq + min(q0 + e, u.lq - 1u);
      s_lse[e] = lse[row];
      s_delta[e] = delta[row];
    }
    workgroupBarrier();
    ${this.scoreTile("b_s")} // Sᵀ: [own keys][queries]
    ${this.dot("b_s", "s_k", k, "s_q", kp)}
    ${this.scoreTile("b_dp")} // dPᵀ = V dOᵀ
    ${this.dot("b_dp", "s_v", v, "s_do", vp)}
${
      unroll(RI * RJ, (ij) => {
        const i = Math.floor(ij / RJ), j = ij % RJ;
        return `    {
      let col = tc + ${j}u * TC;
      let p = select(0.0, exp2(b_s[${i}][${j}] * u.scale_log2 - s_lse[col]), q0 + col < u.lq);
  ${this.putScore("s_pt", i, j, "p")}
  ${this.putScore("s_dst", i, j, `p * (b_dp[${i}][${j}] - s_delta[col])`)}
    }`;
      })
    }
    workgroupBarrier();
    ${this.product("b_dv", "s_pt", "s_do", vp)}
    ${this.product("b_dk", "s_dst", "s_q", kp)}
  }
  ${this.store("b_dv", "dv", v, "u.lk", () => "1.0")}
  ${this.store("b_dk", "dk", k, "u.lk", () => "u.scale")}
}
`;
  }
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
