/**
 * PISA's row-stationary attention kernels (docs/math.md §5.4), register-tiled like the SDPA kernels
 * (the pieces of `attention_tiles.ts`; thread layout in `sdpa/kernels.ts`): the forward and the dq
 * backward. The column-stationary dk/dv backward is in `cols.ts`.
 *
 * One workgroup per (bh, BR queries of one query block i). The streamed key tiles are BC rows
 * of each selected chunk (exact keys, weight 1), then BC non-selected chunks at a time as
 * pseudo-keys: key kc_n, value vc_n (a sum) and denominator weight len_n. With `prefetch` the
 * next exact tile is fetched during the current one; with `prefetchPseudo` too the pseudo-key
 * tiles (see {@linkcode prefetchedPseudoKeys}).
 *
 * - forward: online softmax in the log2 domain (`s = σ q·k·log2 e`); the row max m rescales
 *   o, l and g (the pseudo-keys' share of l) together, so the result is docs/math.md's intended
 *   formula, independent of any grouping of the chunks. Epilogue: `o = (acc + σ·(g/T)·q h) / l`;
 *   `rows` gets per query (lse in natural-log units, w = σ·g/(T·l)) and, with `saveOutput`, an
 *   f32 copy of o for the backward's D = dO·o. Bindings: q, k, v, chunk, sel, o, rows.
 * - dq: `dq = σ Σ dS·key + w·y` with `dS = p·(dO·value − weight·D)` (D' for pseudo-keys) and
 *   the first-order part w·y precomputed in `rows` (ops/piecewise_attention/bwd.ts has the
 *   derivation). Bindings: q, k, v, dO, chunk, sel, rows, dq.
 * @module
 */
import { type Features, ioType, prefetches, type SdpaTiles, TileCode } from "../attention_tiles.ts";
import { read, readWrite, type StorageBinding, unroll } from "../common.ts";
import { type PisaIo, pisaPrelude, SELECTION_WGSL } from "./stats.ts";

/** The two row-stationary kernels. */
export type PisaRowKind = "fwd" | "dq";

/** Compile-time variant of a PISA row kernel. */
export interface PisaRowVariant extends PisaIo, SdpaTiles {
  kind: PisaRowKind;
  dk: number;
  dv: number;
  /** Subgroup size of the subgroup path, or undefined (portable; see attention_tiles.ts). */
  subgroup?: number;
  /** Forward: also write an f32 copy of o into `rows` (for the backward). */
  saveOutput: boolean;
}

/** PISA's tile pieces: rows are addressed with PISA's `row_off(bh, t, d)`. */
export class PisaTileCode extends TileCode {
  override rowOffset(row: string, _len: string, f: Features): string {
    return `row_off(bh, ${row}, ${f.d}u)`;
  }
}

/**
 * The start of a register-tiled PISA kernel: prelude, the selection searches (`selection`:
 * they read the binding `sel`) and the thread-grid constants the tile pieces use.
 */
export function pisaTileHeader(v: PisaIo & SdpaTiles, selection = true): string {
  return `
${pisaPrelude(v)}
${selection ? SELECTION_WGSL : ""}
const TR = ${v.tr}u;
const TC = ${v.tc}u;
const NT = ${v.tr * v.tc}u;
const BC = ${v.bc}u;`;
}

/**
 * Type of the chunk statistics' binding in the attention kernels: vec4 with q, k, v (its
 * regions start at multiples of 4 then, so `TileCode.loadRows` reads one vec4 per load).
 */
export const chunkType = (v: { dk: number; dv: number }) => ioType("f32", v.dk, v.dv);

/**
 * Storage of the backward attention kernels: q, k, v, dO (vec4 arrays when d_k, d_v are
 * multiples of 4: see `TileCode.vec4Io`), chunk ({@linkcode chunkType}), sel, rows, `out`.
 */
export function backwardStorage(
  v: PisaIo & { dk: number; dv: number },
  out: StorageBinding,
): StorageBinding[] {
  const t = ioType(v.dtype, v.dk, v.dv);
  return [
    read("q", t),
    read("k", t),
    read("v", t),
    read("dO", t),
    read("chunk", chunkType(v)),
    read("sel", "u32"),
    read("rows", "f32"),
    out,
  ];
}

/** Storage of the PISA row kernel `v`. */
export function pisaRowStorage(v: PisaRowVariant): StorageBinding[] {
  const t = v.dtype, staged = ioType(t, v.dk, v.dv);
  return v.kind === "fwd"
    ? [
      read("q", staged),
      read("k", staged),
      read("v", staged),
      read("chunk", chunkType(v)),
      read("sel", "u32"),
      readWrite("o", t),
      readWrite("rows", "f32"),
    ]
    : backwardStorage(v, readWrite("dq", t));
}

/** WGSL of the PISA row kernel `v` (see the module doc). */
export function pisaRowWgsl(v: PisaRowVariant): string {
  const c = new PisaTileCode(v);
  const fwd = v.kind === "fwd";
  const kernel = fwd ? forward(c, v) : dq(c, v);
  // The exact key tiles: rows k0.. of the selected chunks in list order. With prefetch the
  // tile after k0 is fetched during k0's products: the next BC rows of the chunk, or the
  // first of the next selected chunk (none after the last: rows from u.seq, all zeros).
  const stream = c.streamed({
    tiles: kernel.exact,
    r0: "k0",
    len: "u.seq",
    next: "next_k0",
    first: "sel[selbase] * u.bt",
  });
  const nextRow = c.prefetch
    ? `
      let next_chunk = select(u.seq, sel[selbase + min(p + 1u, u.top_k - 1u)] * u.bt, p + 1u < u.top_k);
      let next_k0 = select(next_chunk, k0 + BC, k0 + BC < first_row + u.bt);`
    : "";
  const buffers = pseudoBuffers(v); // 3: the pseudo-key tiles are prefetched
  return /* wgsl */ `${pisaTileHeader(v)}
const NEG = -1e30;
${kernel.declarations}
var<workgroup> s_key: array<u32, ${buffers * v.bc}>; // pseudo-keys: row bh·NT + n of kc and vc
var<workgroup> s_w: array<f32, ${buffers * v.bc}>; // pseudo-keys: weight len_n; 0 = past the last

@compute @workgroup_size(${v.tr * v.tc})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32${c.laneParameter}) {
  let g = flat_group(wid, nwg);
  if (g >= u.n_bh * u.n_main) { return; }
  let bh = g / u.n_main;
  let t0 = (g % u.n_main) * ${v.br}u; // first own query; all in query block t0 / bt
  let tr = lid / TC;
  let tc = lid % TC;
  ${c.laneDeclarations()}
  let selbase = (bh * u.nt + t0 / u.bt) * u.top_k;
  let scale_log2 = u.scale * 1.4426950408889634;
${kernel.prologue}
  ${stream.init}
  for (var p = 0u; p < u.top_k; p++) { // exact keys: the selected chunks, BC rows at a time
    let first_row = sel[selbase + p] * u.bt;
    for (var k0 = first_row; k0 < first_row + u.bt; k0 += BC) {${nextRow}
      workgroupBarrier();
      ${stream.stage}
${kernel.tile(false)}
    }
  }
  let n_pseudo = u.nt - u.top_k;${
    buffers === 3 ? prefetchedPseudoKeys(c, kernel) : pseudoKeys(c, kernel)
  }
${kernel.epilogue}
}
`;
}

/**
 * Buffers of the pseudo-keys' rows and weights (s_key, s_w): 3 with `prefetchPseudo` (see
 * {@linkcode prefetchedPseudoKeys}), else 1.
 */
export function pseudoBuffers(t: SdpaTiles & { dk: number; dv: number; subgroup?: number }) {
  return prefetches(t) && t.prefetchPseudo === true ? 3 : 1;
}

/**
 * Statements of thread lid < BC that write the rows and weights of pseudo-keys `first` + lid
 * (non-selected chunks in order; weight 0 past the last) at s_key, s_w[`at` lid].
 */
function findPseudoKeys(first: string, at = ""): string {
  return `
    if (lid < BC) {
      let rho = ${first} + lid;
      let n = unselected(selbase, min(rho, n_pseudo - 1u));
      s_key[${at}lid] = bh * u.nt + n;
      s_w[${at}lid] = select(0.0, f32(chunk_len(n)), rho < n_pseudo);
    }`;
}

/** The pseudo-key steps: BC non-selected chunks at a time, each found, then loaded. */
function pseudoKeys(c: PisaTileCode, kernel: RowKernelParts): string {
  const loads = kernel.pseudo.map(([tile, which, f]) =>
    c.loadRows(tile, "chunk", c.t.bc, f, "s_w[r] > 0.0", pseudoRow(which))
  );
  return `
  for (var k0 = 0u; k0 < n_pseudo; k0 += BC) { // pseudo-keys: BC non-selected chunks at a time
    workgroupBarrier();${findPseudoKeys("k0")}
    workgroupBarrier();
${loads.join("\n")}
    workgroupBarrier();
${kernel.tile(true)}
  }`;
}

/**
 * The pseudo-key steps with prefetch (same values in the same order as {@linkcode pseudoKeys}):
 * step s (pseudo-keys s·BC..) has its rows and weights in buffer s mod 3 of s_key, s_w, found
 * during step s − 2, and its tiles fetched into registers during step s − 1, so neither the
 * selection search nor the loads wait. Step 0 is fetched after the exact keys (its f32
 * registers would otherwise be live through the whole exact loop).
 */
function prefetchedPseudoKeys(c: PisaTileCode, kernel: RowKernelParts): string {
  const fetch = (at: string, declare: boolean) =>
    kernel.pseudo.map(([_, which, f]) =>
      c.fetchRows(
        `f_${which}`,
        "vec4<f32>",
        "chunk",
        c.t.bc,
        f,
        `s_w[${at}r] > 0.0`,
        `(${pseudoRow(which, at)})`,
        declare,
      )
    ).join("\n");
  const stores = kernel.pseudo.map(([tile, which, f]) =>
    c.storeFetched(tile, `f_${which}`, c.t.bc, f)
  );
  return `
  // Pseudo-keys, prefetched: step s in buffer s mod 3 (w0; the next two steps' w1, w2).${
    findPseudoKeys("0u")
  }${findPseudoKeys("BC", "BC + ")}
  workgroupBarrier();
${fetch("", true)}
  for (var k0 = 0u; k0 < n_pseudo; k0 += BC) { // pseudo-keys: BC non-selected chunks at a time
    let w0 = (k0 / BC % 3u) * BC;
    let w1 = (k0 / BC + 1u) % 3u * BC;
    let w2 = (k0 / BC + 2u) % 3u * BC;
    workgroupBarrier();
${stores.join("\n")}
    workgroupBarrier();
${fetch("w1 + ", false)}${findPseudoKeys("k0 + 2u * BC", "w2 + ")}
${kernel.tile(true, "w0 + ")}
  }`;
}

/** The kernel-specific parts of {@linkcode pisaRowWgsl}. */
interface RowKernelParts {
  declarations: string;
  prologue: string;
  /** The tiles `[tile, binding, features]` staged from rows k0.. of a selected chunk. */
  exact: [string, string, Features][];
  /** The tiles `[tile, statistic, features]` staged from the pseudo-keys at s_key, s_w. */
  pseudo: [string, "key" | "value", Features][];
  /** One streamed tile, after its loads (pseudo-key weights at s_w[`at` column]). */
  tile: (pseudo: boolean, at?: string) => string;
  epilogue: string;
}

/**
 * Whether streamed column j of this thread is a real key, and its denominator weight
 * (pseudo-keys: at s_w[`at` column]).
 */
function keyOf(pseudo: boolean, j: number, at = ""): { valid: string; weight: string } {
  const col = `(tc + ${j}u * TC)`;
  return pseudo
    ? { valid: `s_w[${at}${col}] > 0.0`, weight: `s_w[${at}${col}]` }
    : { valid: `k0 + ${col} < u.seq`, weight: "1.0" };
}

/** Pseudo-key rows of kc (`key`) or vc (`value`) at the chunk statistics (row r at s_key[`at` r]). */
function pseudoRow(which: "key" | "value", at = ""): string {
  return which === "key" ? `u.off_kc + s_key[${at}r] * u.dk` : `u.off_vc + s_key[${at}r] * u.dv`;
}

function forward(c: PisaTileCode, v: PisaRowVariant): RowKernelParts {
  const { RI, k, vp } = c;
  const V = c.v;
  // Portable: keys, then values, through one tile (its reuse is fenced by the row-max
  // barrier). Subgroup path: keys and values staged together (see sdpa/kernels.ts).
  const keys = c.subgroup ? "s_k" : "s_kv", values = c.subgroup ? "s_v" : "s_kv";
  const loadValues = (pseudo: boolean) =>
    pseudo
      ? c.loadRows(values, "chunk", v.bc, vp, "s_w[r] > 0.0", pseudoRow("value"))
      : c.load(values, "v", v.bc, vp, "k0", "u.seq");
  // Scores, online-softmax update, o += P·V; pseudo-keys weigh their probabilities by len_n
  // in l and g.
  const tile = (pseudo: boolean, at = "") => `
    ${c.scoreTile("b_s")}
    ${c.dot("b_s", "s_q", k, keys, k)}
${c.onlineMax("scale_log2", (j) => keyOf(pseudo, j, at).valid, ["b_l", "b_g"], "b_o", V)}
${
    c.eachScore((i, j) =>
      `    b_s[${i}][${j}] = exp2(b_s[${i}][${j}] - b_m[${i}]);\n` +
      (pseudo
        ? `    { let pw = b_s[${i}][${j}] * ${
          keyOf(true, j, at).weight
        }; b_l[${i}] += pw; b_g[${i}] += pw; }`
        : `    b_l[${i}] += b_s[${i}][${j}];`)
    )
  }
${c.shareScores([["b_s", "s_p"]])}
    ${c.subgroup ? c.shareBarrier : `${loadValues(pseudo)}\n    workgroupBarrier();`}
    ${c.productOf("b_o", "b_s", "s_p", values, vp)}`;
  const saveOutput = unroll(RI, (i) => `
  if (t0 + tr + ${i}u * TR < u.seq) {
    let o_row = u.off_o32 + (bh * u.seq + t0 + tr + ${i}u * TR) * u.dv;
${
    unroll(V.cu, (u) =>
      unroll(4, (e) =>
        `    {
      let c = (tc + ${u}u * TC) * 4u + ${e}u;
      if (c < u.dv) { rows[o_row + c] = b_o[${i}][${u}][${e}] * inv_l[${i}]; }
    }`))
  }
  }`);
  const stage = c.subgroup
    ? `var<workgroup> s_k: array<vec4f, ${v.bc * k.stride}>; // [BC][K] keys
var<workgroup> s_v: array<vec4f, ${v.bc * vp.stride}>; // [BC][V] values; then rows of h`
    : `var<workgroup> s_kv: array<vec4f, ${
      v.bc * Math.max(k.stride, vp.stride)
    }>; // [BC][K] keys, then [BC][V] values
var<workgroup> s_red: array<f32, ${v.br * v.tc}>; // [BR][TC] row partials`;
  return {
    declarations: `
var<workgroup> s_q: array<vec4f, ${v.br * k.stride}>; // [BR][K] own queries
${stage}
${c.scoreScratch("s_p", "probabilities")}`,
    prologue: `
  ${c.load("s_q", "q", v.br, k, "t0", "u.seq")}
  var b_m = array<f32, ${RI}>(${Array(RI).fill("NEG").join(", ")}); // running row max (log2)
  var b_l = array<f32, ${RI}>(); // partial row sums over this thread's columns
  var b_g = array<f32, ${RI}>(); // the pseudo-keys' share of b_l
  ${c.featureTile("b_o", V)} // [own rows][value groups]`,
    exact: c.subgroup ? [[keys, "k", k], [values, "v", vp]] : [[keys, "k", k]],
    pseudo: c.subgroup ? [[keys, "key", k], [values, "value", vp]] : [[keys, "key", k]],
    tile,
    epilogue: `${c.rowTotals("b_l", "l")}${c.rowTotals("b_g", "gsum")}
  // First-order term (docs/math.md §5.4): q h, h staged BC rows at a time.
  ${c.featureTile("b_h", V)}
  for (var a0 = 0u; a0 < u.dk; a0 += BC) {
    workgroupBarrier();
    ${
      c.loadRows(
        values,
        "chunk",
        v.bc,
        vp,
        "a0 + r < u.dk",
        "u.off_h + (bh * u.dk + a0 + r) * u.dv",
      )
    }
    workgroupBarrier();
    for (var a = 0u; a < min(BC, u.dk - a0); a++) {
      let f = a0 + a;
${unroll(V.cu, (u) => `      let h${u} = ${values}[a * ${vp.stride}u + tc + ${u}u * TC];`)}
${
      unroll(RI, (i) =>
        `      { let x = vec4f(s_q[(tr + ${i}u * TR) * ${k.stride}u + f / 4u][f % 4u]);
${unroll(V.cu, (u) => `        b_h[${i}][${u}] = fma(x, h${u}, b_h[${i}][${u}]);`)} }`)
    }
    }
  }
  var inv_l = array<f32, ${RI}>();
${
      unroll(RI, (i) =>
        `  {
    let first = u.scale * gsum[${i}] / f32(u.seq);
${unroll(V.cu, (u) => `    b_o[${i}][${u}] = fma(vec4f(first), b_h[${i}][${u}], b_o[${i}][${u}]);`)}
    inv_l[${i}] = 1.0 / l[${i}];
    let t = t0 + tr + ${i}u * TR;
    if (tc == 0u && t < u.seq) {
      rows[(bh * u.seq + t) * 4u] = (b_m[${i}] + log2(l[${i}])) * 0.6931471805599453;
      rows[(bh * u.seq + t) * 4u + 1u] = first / l[${i}];
    }
  }`)
    }
  ${c.store("b_o", "o", V, "u.seq", (i) => `inv_l[${i}]`)}${v.saveOutput ? saveOutput : ""}`,
  };
}

function dq(c: PisaTileCode, v: PisaRowVariant): RowKernelParts {
  const { RI, RJ, k, kp } = c;
  const V = c.v;
  /** Per-row value `at` (0: lse, 2: D, 3: D') of this thread's own rows, clamped. */
  const rowValues = (name: string, at: number, factor = "") =>
    `var ${name} = array<f32, ${RI}>();
${
      unroll(
        RI,
        (i) =>
          `  ${name}[${i}] = rows[(bh * u.seq + min(t0 + tr + ${i}u * TR, u.seq - 1u)) * 4u + ${at}u]${factor};`,
      )
    }`;
  const tile = (pseudo: boolean, at = "") => `
    ${c.scoreTile("b_s")}
    ${c.dot("b_s", "s_q", k, "s_k", kp)}
    ${c.scoreTile("b_dp")}
    ${c.dot("b_dp", "s_do", V, "s_v", V)}
${
    unroll(RI * RJ, (ij) => {
      const i = Math.floor(ij / RJ), j = ij % RJ;
      const key = keyOf(pseudo, j, at);
      const d = pseudo ? "b_dprime" : "b_delta";
      return `    {
      let p = select(0.0, exp2(b_s[${i}][${j}] * scale_log2 - b_lse[${i}]), ${key.valid});
      b_s[${i}][${j}] = p * (b_dp[${i}][${j}] - ${key.weight} * ${d}[${i}]); // dS
    }`;
    })
  }
${c.shareScores([["b_s", "s_ds"]])}
    ${c.shareBarrier}
    ${c.productOf("b_dq", "b_s", "s_ds", "s_k", kp)}`;
  return {
    declarations: `
var<workgroup> s_q: array<vec4f, ${v.br * k.stride}>; // [BR][K] own queries
var<workgroup> s_do: array<vec4f, ${v.br * V.stride}>; // [BR][V] their output gradients
var<workgroup> s_k: array<vec4f, ${v.bc * kp.stride}>; // [BC][K] keys
var<workgroup> s_v: array<vec4f, ${v.bc * V.stride}>; // [BC][V] values
${c.scoreScratch("s_ds", "dS")}`,
    prologue: `
  ${c.load("s_q", "q", v.br, k, "t0", "u.seq")}
  ${c.load("s_do", "dO", v.br, V, "t0", "u.seq")}
  ${rowValues("b_lse", 0, " * 1.4426950408889634")} // log2 units
  ${rowValues("b_delta", 2)}
  ${rowValues("b_dprime", 3)}
  ${c.featureTile("b_dq", k)} // [own rows][key groups]`,
    exact: [["s_k", "k", kp], ["s_v", "v", V]],
    pseudo: [["s_k", "key", kp], ["s_v", "value", V]],
    tile,
    // dq = σ·acc + w·y (the first-order part, precomputed per row in rows at off_dq1).
    epilogue: unroll(RI, (i) => `
  {
    let t = min(t0 + tr + ${i}u * TR, u.seq - 1u);
${
      unroll(k.cu, (u) =>
        unroll(4, (e) =>
          `    {
      let c = (tc + ${u}u * TC) * 4u + ${e}u;
      let first = select(0.0, rows[u.off_dq1 + (bh * u.seq + t) * u.dk + min(c, u.dk - 1u)], c < u.dk);
      b_dq[${i}][${u}][${e}] = fma(u.scale, b_dq[${i}][${u}][${e}], first);
    }`))
    }
  }`) + `\n  ${c.store("b_dq", "dq", k, "u.seq", () => "1.0")}`,
  };
}
