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
 * - forward: online softmax (docs/math.md §12: flash attention). The row max of each block is reduced
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
  features,
  ioType,
  scoreStride,
  type SdpaTiles,
  TileCode,
  type TileShape,
} from "../attention_tiles.ts";

export type { SdpaTiles };

/** The three SDPA kernels. */
export type SdpaKind = "fwd" | "dq" | "dkdv";

/** Compile-time variant of an SDPA kernel. */
export interface SdpaVariant extends TileShape {
  /** Which kernel. */
  kind: SdpaKind;
  /** `"BHTD"` or `"BTHD"`. */
  layout: "BHTD" | "BTHD";
}

/** Largest feature size the kernels take. */
export const SDPA_MAX_DIM = 256;

const frozen = <T>(lists: Record<SdpaKind, T[]>): Readonly<Record<SdpaKind, readonly T[]>> =>
  Object.freeze({
    fwd: Object.freeze(lists.fwd.map((t) => Object.freeze(t))),
    dq: Object.freeze(lists.dq.map((t) => Object.freeze(t))),
    dkdv: Object.freeze(lists.dkdv.map((t) => Object.freeze(t))),
  });

/**
 * Candidate tilings per kernel on the portable path (no subgroups), preferred first; the
 * launcher takes the first that fits the device's workgroup memory and size. The first of
 * each fits 48 KiB at d = 64 (H100/H200); the later ones fit 32 KiB (lavapipe) and large d.
 */
export const SDPA_TILES: Readonly<Record<SdpaKind, readonly SdpaTiles[]>> = frozen({
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
});

/**
 * Candidate tilings on the subgroup path, preferred first (those whose TC divides the
 * subgroup size; when none fits, the launcher takes the portable path). The first of each
 * fits 48 KiB at d = 64 (the "96 rows" set with prefetch, fastest on the H200: fwd 23.2
 * TFLOP/s, fwd+bwd 14.6 at B8-H16-D64 T = 4096, f16; PISA takes the first power-of-two tiles,
 * without shuffles); the later ones 32 KiB and large d.
 */
export const SDPA_SUBGROUP_TILES: Readonly<Record<SdpaKind, readonly SdpaTiles[]>> = frozen({
  fwd: [
    { br: 96, bc: 32, tr: 16, tc: 8, shuffle: true, prefetch: true }, // fastest on the H200
    { br: 64, bc: 48, tr: 16, tc: 8, shuffle: true, prefetch: true },
    { br: 64, bc: 32, tr: 16, tc: 8, shuffle: true, prefetch: true },
    { br: 32, bc: 32, tr: 8, tc: 8, shuffle: true, prefetch: true },
    { br: 16, bc: 8, tr: 8, tc: 4, shuffle: true, prefetch: true },
    { br: 8, bc: 4, tr: 8, tc: 4, shuffle: true, prefetch: true },
  ],
  dq: [
    { br: 48, bc: 32, tr: 16, tc: 8, shuffle: true, prefetch: true }, // fastest with dk/dv 48×32
    { br: 64, bc: 16, tr: 16, tc: 8, shuffle: true, prefetch: true },
    { br: 32, bc: 16, tr: 8, tc: 8, shuffle: true, prefetch: true },
    { br: 16, bc: 8, tr: 8, tc: 4, shuffle: true, prefetch: true },
    { br: 8, bc: 4, tr: 8, tc: 4, shuffle: true, prefetch: true },
  ],
  dkdv: [
    { br: 48, bc: 32, tr: 16, tc: 8, shuffle: true, prefetch: true },
    { br: 32, bc: 32, tr: 16, tc: 8, shuffle: true, prefetch: true },
    { br: 32, bc: 16, tr: 8, tc: 8, shuffle: true, prefetch: true },
    { br: 16, bc: 8, tr: 8, tc: 4, shuffle: true, prefetch: true },
    { br: 8, bc: 4, tr: 8, tc: 4, shuffle: true, prefetch: true },
  ],
});

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
 * Tilings for 48 KiB GPUs at d = 64 that bench/sdpa_sweep.ts times, each on the portable
 * path, on the subgroup path with score tiles in workgroup memory and with shuffles (where it
 * fits), and that tests/sdpa run at small d on any adapter.
 */
export const SDPA_TILE_SWEEP: readonly SdpaTileSet[] = Object.freeze([
  { name: "default", fwd: SDPA_TILES.fwd[0], dq: SDPA_TILES.dq[0], dkdv: SDPA_TILES.dkdv[0] },
  {
    name: "64 keys",
    fwd: { br: 64, bc: 32, tr: 16, tc: 8 },
    dq: { br: 32, bc: 32, tr: 16, tc: 8 },
    dkdv: { br: 32, bc: 32, tr: 8, tc: 8 },
  },
  {
    name: "96 rows",
    fwd: { br: 96, bc: 32, tr: 16, tc: 8 },
    dq: { br: 48, bc: 32, tr: 16, tc: 8 },
    dkdv: { br: 48, bc: 32, tr: 16, tc: 8 },
  },
  {
    name: "8x8 threads",
    fwd: { br: 64, bc: 32, tr: 8, tc: 8 },
    dq: { br: 32, bc: 32, tr: 8, tc: 8 },
    dkdv: { br: 32, bc: 32, tr: 8, tc: 8 },
  },
  {
    name: "4 columns",
    fwd: { br: 64, bc: 32, tr: 32, tc: 4 },
    dq: { br: 64, bc: 16, tr: 16, tc: 4 },
    dkdv: { br: 32, bc: 32, tr: 16, tc: 4 },
  },
  {
    name: "256 threads",
    fwd: { br: 64, bc: 32, tr: 16, tc: 16 },
    dq: { br: 32, bc: 32, tr: 16, tc: 8 },
    dkdv: { br: 32, bc: 32, tr: 16, tc: 8 },
  },
]);

/** A path the sweep runs each tile set on. */
export interface SdpaPath {
  /** Label in the sweep table. */
  name: string;
  /** Subgroup path (where the device has subgroups and TC divides their size). */
  subgroups: boolean;
  /** Score tiles by shuffles (subgroup path). */
  shuffle: boolean;
  /** Forward prefetch (subgroup path with vec4 loads). */
  prefetch?: boolean;
}

/** Portable; subgroup reductions with score tiles in workgroup memory; and with shuffles. */
export const SDPA_PATHS: readonly SdpaPath[] = Object.freeze([
  { name: "portable", subgroups: false, shuffle: false },
  { name: "subgroups", subgroups: true, shuffle: false },
  { name: "subgroups+shuffle", subgroups: true, shuffle: true },
]);

/** The subgroup path with shuffles and the forward's prefetch (SDPA only; vec4 loads). */
export const SDPA_PREFETCH_PATH: SdpaPath = Object.freeze({
  name: "subgroups+shuffle+prefetch",
  subgroups: true,
  shuffle: true,
  prefetch: true,
});

/** The tilings of `set` with the `shuffle` and `prefetch` flags of `path`, per kernel. */
export function tilesOnPath(set: SdpaTileSet, path: SdpaPath): Record<SdpaKind, SdpaTiles> {
  const on = (t: SdpaTiles) => ({ ...t, shuffle: path.shuffle, prefetch: path.prefetch });
  return { fwd: on(set.fwd), dq: on(set.dq), dkdv: on(set.dkdv) };
}

/** The portable tilings and the subgroup tilings, by path. */
export function sdpaCandidates(kind: SdpaKind, subgroup: boolean): readonly SdpaTiles[] {
  return (subgroup ? SDPA_SUBGROUP_TILES : SDPA_TILES)[kind];
}

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

/** Bytes of workgroup memory the kernel `v` needs (on the path `v.subgroup` selects). */
export function sdpaWorkgroupBytes(
  v: Omit<SdpaVariant, "dtype" | "layout">,
): number {
  const k = features(v.dk, v.tc).stride, val = features(v.dv, v.tc).stride;
  const kp = features(v.dk, v.tc, true).stride, vp = features(v.dv, v.tc, true).stride;
  const subgroup = v.subgroup !== undefined;
  const scores = subgroup && v.shuffle ? 0 : v.br * scoreStride(v); // one score tile
  const vec4s = v.kind === "fwd"
    ? v.br * k + (subgroup ? v.bc * (k + vp) : v.bc * Math.max(k, vp)) + scores
    : v.kind === "dq"
    ? v.br * (k + val) + v.bc * (kp + val) + scores
    : v.br * (k + val) + v.bc * (kp + vp) + 2 * scores;
  const floats = v.kind === "fwd" ? (subgroup ? 0 : v.br * v.tc) : v.kind === "dkdv" ? 2 * v.bc : 0;
  return 16 * vec4s + 4 * floats;
}

/** Whether `t` is a valid tiling (divisibility; the memory check is the launcher's). */
export function sdpaTilesValid(t: SdpaTiles): boolean {
  const int = (x: number) => Number.isInteger(x) && x > 0;
  return [t.br, t.bc, t.tr, t.tc, t.br / t.tr, t.bc / t.tc, t.bc / 4].every(int);
}

/** Storage of kernel `v`. */
export function sdpaStorage(v: SdpaVariant): StorageBinding[] {
  const E = v.dtype, staged = ioType(E, v.dk, v.dv); // q, k, v, dO: see TileCode.vec4Io
  const inputs = [read("q", staged), read("k", staged), read("v", staged)];
  switch (v.kind) {
    case "fwd":
      return [...inputs, readWrite("o", E), readWrite("lse", "f32")];
    case "dq":
      return [
        ...inputs,
        read("d_o", staged),
        read("lse", "f32"),
        read("delta", "f32"),
        readWrite("dq", E),
      ];
    case "dkdv":
      return [
        ...inputs,
        read("d_o", staged),
        read("lse", "f32"),
        read("delta", "f32"),
        readWrite("dk", E),
        readWrite("dv", E),
      ];
  }
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
  common(): string {
    const t = this.t;
    const rowOffset = t.layout === "BHTD"
      ? "return (bh * len + t) * d;"
      : "return ((bh / u.heads) * len + t) * u.heads * d + (bh % u.heads) * d;";
    return /* wgsl */ `
${t.dtype === "f16" ? "enable f16;" : ""}
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
        @builtin(local_invocation_index) lid: u32${this.laneParameter}) {
  let g = flat_group(wid, nwg);
  if (g >= u.bh_count * u.blocks) { return; }
  let bh = g / u.blocks;
  let t0 = (g % u.blocks) * ${this.t.br}u; // first own row
  let tr = lid / TC;
  let tc = lid % TC;
  ${this.laneDeclarations()}`;
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
    // Portable: keys, then values, through one tile (its reuse is fenced by the row-max
    // barrier). Subgroup path: keys and values staged together, two barriers per step.
    const tiles = this.subgroup
      ? `var<workgroup> s_k: array<vec4f, ${t.bc * k.stride}>; // [BC][K] keys
var<workgroup> s_v: array<vec4f, ${t.bc * vp.stride}>; // [BC][V] values`
      : `var<workgroup> s_kv: array<vec4f, ${
        t.bc * Math.max(k.stride, vp.stride)
      }>; // [BC][K] keys, then [BC][V] values
var<workgroup> s_red: array<f32, ${t.br * t.tc}>; // [BR][TC] row partials`;
    const keys = this.subgroup ? "s_k" : "s_kv", values = this.subgroup ? "s_v" : "s_kv";
    const loadValues = this.load(values, "v", t.bc, vp, "k0", "u.lk");
    const stream = this.subgroup
      ? this.streamed({ tiles: [[keys, "k", k], [values, "v", vp]], r0: "k0", len: "u.lk" })
      : {
        init: "",
        stage: `${this.load(keys, "k", t.bc, k, "k0", "u.lk")}\n    workgroupBarrier();`,
      };
    return this.common() + /* wgsl */ `
var<workgroup> s_q: array<vec4f, ${t.br * k.stride}>; // [BR][K] own queries
${tiles}
${this.scoreScratch("s_p", "probabilities")}
${this.header()}
  ${this.load("s_q", "q", t.br, k, "t0", "u.lq")}
  var b_m = array<f32, ${RI}>(${Array(RI).fill("NEG").join(", ")}); // running row max (log2)
  var b_l = array<f32, ${RI}>(); // partial row sums over this thread's columns
  ${this.featureTile("b_o", v)} // [own rows][value groups]
  ${stream.init}
  for (var k0 = 0u; k0 < u.lk; k0 += ${t.bc}u) {
    workgroupBarrier();
    ${stream.stage}
    ${this.scoreTile("b_s")}
    ${this.dot("b_s", "s_q", k, keys, k)}
${this.onlineMax("u.scale_log2", (j) => `k0 + tc + ${j}u * TC < u.lk`, ["b_l"], "b_o", v)}
${
      this.eachScore((i, j) =>
        `    b_s[${i}][${j}] = exp2(b_s[${i}][${j}] - b_m[${i}]);\n    b_l[${i}] += b_s[${i}][${j}];`
      )
    }
${this.shareScores([["b_s", "s_p"]])}
    ${this.subgroup ? this.shareBarrier : `${loadValues}\n    workgroupBarrier();`}
    ${this.productOf("b_o", "b_s", "s_p", values, vp)}
  }
  ${this.rowTotals("b_l", "l")}
  var inv_l = array<f32, ${RI}>();
${
      unroll(RI, (i) =>
        `  {
    inv_l[${i}] = 1.0 / l[${i}];
    let t = t0 + tr + ${i}u * TR;
    if (tc == 0u && t < u.lq) { lse[bh * u.lq + t] = b_m[${i}] + log2(l[${i}]); }
  }`)
    }
  ${this.store("b_o", "o", v, "u.lq", (i) => `inv_l[${i}]`)}
}
`;
  }

  dq(): string {
    const { t, RI, RJ, k, v, kp } = this;
    const stream = this.streamed({
      tiles: [["s_k", "k", kp], ["s_v", "v", v]],
      r0: "k0",
      len: "u.lk",
    });
    return this.common() + /* wgsl */ `
var<workgroup> s_q: array<vec4f, ${t.br * k.stride}>;  // [BR][K] own queries
var<workgroup> s_do: array<vec4f, ${t.br * v.stride}>; // [BR][V] their output gradients
var<workgroup> s_k: array<vec4f, ${t.bc * kp.stride}>; // [BC][K] keys
var<workgroup> s_v: array<vec4f, ${t.bc * v.stride}>;  // [BC][V] values
${this.scoreScratch("s_ds", "dS = P ∘ (dP − D)")}
${this.header()}
  ${this.load("s_q", "q", t.br, k, "t0", "u.lq")}
  ${this.load("s_do", "d_o", t.br, v, "t0", "u.lq")}
  ${this.ownRowValues("b_lse", "lse")}
  ${this.ownRowValues("b_delta", "delta")}
  ${this.featureTile("b_dq", k)} // [own rows][key groups]
  ${stream.init}
  for (var k0 = 0u; k0 < u.lk; k0 += ${t.bc}u) {
    workgroupBarrier();
    ${stream.stage}
    ${this.scoreTile("b_s")}
    ${this.dot("b_s", "s_q", k, "s_k", kp)}
    ${this.scoreTile("b_dp")}
    ${this.dot("b_dp", "s_do", v, "s_v", v)}
${
      unroll(RI * RJ, (ij) => {
        const i = Math.floor(ij / RJ), j = ij % RJ;
        return `    {
      let p = select(0.0, exp2(b_s[${i}][${j}] * u.scale_log2 - b_lse[${i}]), k0 + tc + ${j}u * TC < u.lk);
      b_s[${i}][${j}] = p * (b_dp[${i}][${j}] - b_delta[${i}]); // dS
    }`;
      })
    }
${this.shareScores([["b_s", "s_ds"]])}
    ${this.shareBarrier}
    ${this.productOf("b_dq", "b_s", "s_ds", "s_k", kp)}
  }
  ${this.store("b_dq", "dq", k, "u.lq", () => "u.scale")}
}
`;
  }

  dkdv(): string {
    const { t, RI, RJ, k, v, kp, vp } = this;
    // The queries' tiles with their lse and delta.
    const stream = this.streamed({
      tiles: [["s_q", "q", kp], ["s_do", "d_o", vp]],
      rowValues: [
        ["s_lse", (row) => `lse[bh * u.lq + ${row}]`],
        ["s_delta", (row) => `delta[bh * u.lq + ${row}]`],
      ],
      r0: "q0",
      len: "u.lq",
    });
    // Own rows are keys (length lk), streamed rows are queries (length lq).
    return this.common() + /* wgsl */ `
var<workgroup> s_k: array<vec4f, ${t.br * k.stride}>;  // [BR][K] own keys
var<workgroup> s_v: array<vec4f, ${t.br * v.stride}>;  // [BR][V] own values
var<workgroup> s_q: array<vec4f, ${t.bc * kp.stride}>;  // [BC][K] queries
var<workgroup> s_do: array<vec4f, ${t.bc * vp.stride}>; // [BC][V] output gradients
${this.scoreScratch("s_pt", "Pᵀ (own keys × queries)")}
${this.scoreScratch("s_dst", "dSᵀ")}
var<workgroup> s_lse: array<f32, ${t.bc}>;
var<workgroup> s_delta: array<f32, ${t.bc}>;
${this.header()}
  ${this.load("s_k", "k", t.br, k, "t0", "u.lk")}
  ${this.load("s_v", "v", t.br, v, "t0", "u.lk")}
  ${this.featureTile("b_dk", k)} // [own keys][key groups]
  ${this.featureTile("b_dv", v)} // [own keys][value groups]
  ${stream.init}
  for (var q0 = 0u; q0 < u.lq; q0 += ${t.bc}u) {
    workgroupBarrier();
    ${stream.stage}
    ${this.scoreTile("b_s")} // Sᵀ: [own keys][queries], then Pᵀ
    ${this.dot("b_s", "s_k", k, "s_q", kp)}
    ${this.scoreTile("b_dp")} // dPᵀ = V dOᵀ, then dSᵀ
    ${this.dot("b_dp", "s_v", v, "s_do", vp)}
${
      unroll(RI * RJ, (ij) => {
        const i = Math.floor(ij / RJ), j = ij % RJ;
        return `    {
      let col = tc + ${j}u * TC;
      let p = select(0.0, exp2(b_s[${i}][${j}] * u.scale_log2 - s_lse[col]), q0 + col < u.lq);
      b_s[${i}][${j}] = p;
      b_dp[${i}][${j}] = p * (b_dp[${i}][${j}] - s_delta[col]);
    }`;
      })
    }
${this.shareScores([["b_s", "s_pt"], ["b_dp", "s_dst"]])}
    ${this.shareBarrier}
    ${this.productOf("b_dv", "b_s", "s_pt", "s_do", vp)}
    ${this.productOf("b_dk", "b_dp", "s_dst", "s_q", kp)}
  }
  ${this.store("b_dv", "dv", v, "u.lk", () => "1.0")}
  ${this.store("b_dk", "dk", k, "u.lk", () => "u.scale")}
}
`;
  }
}

/** Uniforms of the delta kernel: `D_i = rowsum(dO_i ∘ o_i)`, one thread per row. */
export const deltaParams = new UniformBlock({ rows: "u32", heads: "u32", lq: "u32" });

/** Storage of the delta kernel: o, dO, delta. */
export function deltaStorage(dtype: DType): StorageBinding[] {
  return [read("o", dtype), read("d_o", dtype), readWrite("delta", "f32")];
}

/** WGSL of the delta kernel. */
export function deltaWgsl(dtype: DType, layout: "BHTD" | "BTHD", dv: number): string {
  const row = layout === "BHTD"
    ? "i * D"
    : "((bh / u.heads) * u.lq + t) * u.heads * D + (bh % u.heads) * D";
  return /* wgsl */ `
${dtype === "f16" ? "enable f16;" : ""}
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
