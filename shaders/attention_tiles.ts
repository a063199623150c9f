/**
 * Register-tiled attention building blocks shared by the softmax-attention kernels
 * (`sdpa/kernels.ts`) and PISA's (`piecewise_attention/rows.ts`, `piecewise_attention/cols.ts`):
 * workgroup tiles as row-major vec4 arrays with odd row strides, cooperative tile loads, the
 * score-tile `dot` and the probability-times-rows `product`, the online-softmax row max, row
 * sums, stores. See `sdpa/kernels.ts` for the thread layout.
 *
 * Two paths. Portable (no subgroups): the TC threads of a score row meet through workgroup
 * memory (row max and row sums through `s_red`, score tiles through a BR×BC tile), with a
 * barrier each time. Subgroup path (`subgroup` = the device's subgroup size, a multiple of TC):
 * a row's TC threads are consecutive invocations, hence consecutive lanes of one subgroup
 * (lane = local index mod subgroup size), so row max and row sums are butterflies of
 * `subgroupShuffleXor` (log2 TC steps, no barrier, every lane gets the same bits), and with
 * `shuffle` the score tiles stay in registers: the product reads lane `row_lane + c mod TC`'s
 * score of column c by `subgroupShuffle`.
 *
 * The generated code expects, in scope: `lid`, `bh`, `t0` (first own row), `tr`, `tc`, the
 * constants `TR`, `TC`, `NT`, a `row_off` function (see {@linkcode TileCode.rowOffset}), and
 * with `shuffle` `row_lane` ({@linkcode TileCode.laneDeclarations}).
 * @module
 */
import { type DType, unroll } from "./common.ts";

/** Block sizes and thread grid of one kernel. */
export interface SdpaTiles {
  /** Own rows per workgroup (a multiple of tr). */
  br: number;
  /** Streamed rows per step (a multiple of tc and of 4). */
  bc: number;
  /** Thread rows. */
  tr: number;
  /** Thread columns. */
  tc: number;
  /**
   * Subgroup path only: score tiles go from thread to thread by subgroup shuffles instead of
   * through workgroup memory (a BR×BC tile and a barrier fewer per step).
   */
  shuffle?: boolean;
  /**
   * Subgroup path with vec4 loads only (and BC ≤ threads): the next step's streamed tiles are
   * loaded into registers while the current ones are multiplied (one tile of global-load
   * latency hidden, at ⌈2·BC·groups / threads⌉ vec4 registers); see `TileCode.streamed`.
   */
  prefetch?: boolean;
  /**
   * PISA's forward and dq only, where `prefetch` applies: the pseudo-key tiles (chunk means and
   * sums after the selected chunks' rows) are prefetched as well, their keys found one step
   * ahead of the fetch (see `piecewise_attention/rows.ts`); other kernels ignore it.
   */
  prefetchPseudo?: boolean;
  /**
   * PISA's dk/dv only: its exact and chunk passes in one dispatch, the chunk pass's workgroups
   * after the exact pass's, so that they fill the exact pass's last wave where a few chunks
   * carry all exact work (see `piecewise_attention/cols.ts`); other kernels ignore it.
   */
  fusedCols?: boolean;
}

/** A tiling with the feature sizes and storage dtype a kernel is generated for. */
export interface TileShape extends SdpaTiles {
  /** Query/key features. */
  dk: number;
  /** Value features. */
  dv: number;
  /** Storage dtype of the tensors read and written. */
  dtype: DType;
  /**
   * Subgroup size the kernel is generated for (the subgroup path; TC must divide it), or
   * `undefined` for the portable path.
   */
  subgroup?: number;
}

/**
 * WGSL element type of the q, k, v, dO bindings of an attention kernel with storage dtype
 * `dtype`: vec4 when d_k and d_v are multiples of 4 (see {@linkcode TileCode.vec4Io}).
 */
export const ioType = (dtype: DType, dk: number, dv: number) =>
  dk % 4 === 0 && dv % 4 === 0 ? `vec4<${dtype}>` : dtype;

/** Whether tiling `t` can take the subgroup path on subgroups of `size` (TC divides it). */
export const fitsSubgroup = (t: SdpaTiles, size: number) => size % t.tc === 0;

/**
 * Whether tiling `t` prefetches its streamed tiles ({@linkcode TileCode.prefetch}): the subgroup
 * path with vec4 loads and `prefetch`, with BC ≤ threads.
 */
export const prefetches = (t: SdpaTiles & { dk: number; dv: number; subgroup?: number }) =>
  t.subgroup !== undefined && t.dk % 4 === 0 && t.dv % 4 === 0 && t.prefetch === true &&
  t.bc <= t.tr * t.tc;

/** Smallest odd number ≥ n: a row stride (in vec4) that spreads rows over the banks. */
export const odd = (n: number) => n % 2 ? n : n + 1;

/** Layout of a feature size d in a workgroup tile: vec4 groups, padded groups, row stride. */
export interface Features {
  /** Features. */
  d: number;
  /** vec4 groups holding data, ⌈d/4⌉. */
  d4: number;
  /** Groups per thread column in a feature tile (⌈d4/TC⌉). */
  cu: number;
  /** Groups stored per row: d4, or cu·TC (zero-padded) for tiles read by a product. */
  groups: number;
  /** Row stride in vec4. */
  stride: number;
}

export function features(d: number, tc: number, product = false): Features {
  const d4 = Math.ceil(d / 4), cu = Math.ceil(d4 / tc);
  const groups = product ? cu * tc : d4;
  return { d, d4, cu, groups, stride: odd(groups) };
}

/** Row stride (vec4) of a BR×BC score tile in workgroup memory. */
export const scoreStride = (t: SdpaTiles) => odd(t.bc / 4);

/** WGSL pieces of one tiling: tile loads, the two tile products, stores. */
export class TileCode {
  readonly RI: number;
  readonly RJ: number;
  readonly k: Features;
  readonly v: Features;
  readonly kp: Features;
  readonly vp: Features;
  readonly sp: number;
  /** Row reductions by subgroup butterflies. */
  readonly subgroup: boolean;
  /** Score tiles shared by shuffles (no workgroup score tile). */
  readonly shuffle: boolean;
  /**
   * d_k and d_v are multiples of 4, so every row of q, k, v, dO starts at a multiple of 4
   * elements: those tensors are bound as vec4 arrays ({@linkcode ioType}) and staged one vec4
   * per load.
   */
  readonly vec4Io: boolean;

  constructor(readonly t: TileShape) {
    if (t.subgroup !== undefined && !fitsSubgroup(t, t.subgroup)) {
      throw new Error(`tiling ${JSON.stringify(t)}: TC does not divide the subgroup size`);
    }
    this.subgroup = t.subgroup !== undefined;
    this.shuffle = this.subgroup && t.shuffle === true;
    this.vec4Io = t.dk % 4 === 0 && t.dv % 4 === 0;
    this.RI = t.br / t.tr;
    this.RJ = t.bc / t.tc;
    this.k = features(t.dk, t.tc);
    this.v = features(t.dv, t.tc);
    this.kp = features(t.dk, t.tc, true);
    this.vp = features(t.dv, t.tc, true);
    this.sp = scoreStride(t);
  }

  /**
   * Cooperative load of `rows` rows (from row `r0`, `len` valid) of the q, k, v or dO
   * binding `src` ({@linkcode ioType}) into the vec4 tile `dst` ([rows][f.stride]), as
   * f32, zero past the edges and in the padding groups.
   */
  load(dst: string, src: string, rows: number, f: Features, r0: string, len: string): string {
    if (this.vec4Io) {
      return `
  for (var e = lid; e < ${rows * f.groups}u; e += NT) {
    let r = e / ${f.groups}u;
    let c4 = e % ${f.groups}u;
    var x = vec4f();
    if (${r0} + r < ${len} && c4 < ${f.d4}u) {
      x = vec4f(${src}[${this.rowOffset(`${r0} + r`, len, f)} / 4u + c4]);
    }
    ${dst}[r * ${f.stride}u + c4] = x;
  }`;
    }
    return this.loadRows(
      dst,
      src,
      rows,
      f,
      `${r0} + r < ${len}`,
      this.rowOffset(`${r0} + r`, len, f),
    );
  }

  /** WGSL: the element offset of row `row` (of `len`) of head `bh` in a tensor of features f. */
  rowOffset(row: string, len: string, f: Features): string {
    return `row_off(bh, ${row}, ${len}, ${f.d}u)`;
  }

  /** vec4 registers per thread of a cooperative fetch of `rows` rows of features f. */
  fetchRegisters(rows: number, f: Features): number {
    return Math.ceil((rows * f.groups) / (this.t.tr * this.t.tc));
  }

  /**
   * Loads `rows` rows (from row `r0`, `len` valid) of the vec4 binding `src` into this thread's
   * registers `regs` (declared by `declare`; vec4 storage type `type`), in the order in which
   * {@linkcode storeFetched} puts them into a tile (vec4Io only).
   */
  fetch(
    regs: string,
    type: string,
    src: string,
    rows: number,
    f: Features,
    r0: string,
    len: string,
    declare: boolean,
  ): string {
    const offset = this.rowOffset(`${r0} + r`, len, f);
    return this.fetchRows(regs, type, src, rows, f, `${r0} + r < ${len}`, offset, declare);
  }

  /**
   * {@linkcode fetch} of tile rows r < `rows` from `src` at element offset `offset` (a WGSL
   * expression in r, a multiple of 4) where `valid` (also in r) holds, else zeros.
   */
  fetchRows(
    regs: string,
    type: string,
    src: string,
    rows: number,
    f: Features,
    valid: string,
    offset: string,
    declare: boolean,
  ): string {
    const n = this.fetchRegisters(rows, f);
    return `${declare ? `var ${regs} = array<${type}, ${n}>();` : ""}
${
      unroll(n, (i) =>
        `  {
    let e = lid + ${i}u * NT;
    let r = e / ${f.groups}u;
    let c4 = e % ${f.groups}u;
    ${regs}[${i}] = ${type}();
    if (e < ${rows * f.groups}u && ${valid} && c4 < ${f.d4}u) {
      ${regs}[${i}] = ${src}[${offset} / 4u + c4];
    }
  }`)
    }`;
  }

  /** Stores the registers of {@linkcode fetch} into the tile `dst`, as f32. */
  storeFetched(dst: string, regs: string, rows: number, f: Features): string {
    return unroll(this.fetchRegisters(rows, f), (i) =>
      `  {
    let e = lid + ${i}u * NT;
    if (e < ${
        rows * f.groups
      }u) { ${dst}[(e / ${f.groups}u) * ${f.stride}u + e % ${f.groups}u] = vec4f(${regs}[${i}]); }
  }`);
  }

  /**
   * Prefetch of the streamed tiles: the subgroup path with vec4 loads and `prefetch`, where a
   * fetch of one value per streamed row takes one thread per row (BC ≤ threads).
   */
  get prefetch(): boolean {
    return prefetches(this.t);
  }

  /**
   * Staging of one step's streamed tiles `[tile, binding, features]` and per-row values
   * `[workgroup array, value of streamed row \`row\`]` (rows from `s.r0`, `s.len` valid; value
   * rows clamped to the last), ending with the barrier after which they are read. With
   * {@linkcode prefetch} they come from registers fetched during the previous step, which then
   * fetch the step at row `s.next` (default r0 + BC: one step of global-load latency hidden);
   * `init` (before the loop, where `s.first` is defined) fetches the first step.
   */
  streamed(s: {
    tiles: [string, string, Features][];
    rowValues?: [string, (row: string) => string][];
    r0: string;
    len: string;
    next?: string;
    first?: string;
  }): { init: string; stage: string } {
    const { t } = this;
    const rowValues = s.rowValues ?? [];
    const clamped = (at: string, e: string) => `min(${at} + ${e}, ${s.len} - 1u)`;
    if (!this.prefetch) {
      const values = rowValues.length === 0 ? "" : `for (var e = lid; e < ${t.bc}u; e += NT) {
${rowValues.map(([dst, value]) => `      ${dst}[e] = ${value(clamped(s.r0, "e"))};`).join("\n")}
    }\n`;
      const loads = s.tiles.map(([tile, src, f]) => this.load(tile, src, t.bc, f, s.r0, s.len));
      return { init: "", stage: `${values}${loads.join("\n")}\n    workgroupBarrier();` };
    }
    const type = `vec4<${t.dtype}>`;
    const fetch = (at: string, declare: boolean) => {
      const tiles = s.tiles.map(([_, src, f]) =>
        this.fetch(`f_${src}`, type, src, t.bc, f, at, s.len, declare)
      );
      const values = rowValues.length === 0
        ? ""
        : `${
          declare ? rowValues.map(([dst]) => `var f_${dst} = 0.0;\n`).join("") : ""
        }    if (lid < ${t.bc}u) {
${rowValues.map(([dst, value]) => `      f_${dst} = ${value(clamped(at, "lid"))};`).join("\n")}
    }`;
      return `${tiles.join("\n")}\n${values}`;
    };
    const stores = s.tiles.map(([tile, src, f]) => this.storeFetched(tile, `f_${src}`, t.bc, f));
    const values = rowValues.length === 0
      ? ""
      : `if (lid < ${t.bc}u) { ${
        rowValues.map(([dst]) => `${dst}[lid] = f_${dst};`).join(" ")
      } }\n`;
    return {
      init: fetch(s.first ?? "0u", true),
      stage: `${values}${stores.join("\n")}\n    workgroupBarrier();\n${
        fetch(s.next ?? `${s.r0} + ${t.bc}u`, false)
      }`,
    };
  }

  /**
   * Cooperative load of tile row r < `rows` from `src` at element offset `offset` (a WGSL
   * expression in r) where `valid` (also in r) holds, else zeros; see {@linkcode load}. With
   * {@linkcode vec4Io}, `src` is a vec4 binding and `offset` a multiple of 4: one load per vec4
   * (the q, k, v, dO loads take {@linkcode load}'s own vec4 path instead).
   */
  loadRows(
    dst: string,
    src: string,
    rows: number,
    f: Features,
    valid: string,
    offset: string,
  ): string {
    const groups = f.groups;
    if (this.vec4Io) {
      return `
  for (var e = lid; e < ${rows * groups}u; e += NT) {
    let r = e / ${groups}u;
    let c4 = e % ${groups}u;
    var x = vec4f();
    if (${valid} && c4 < ${f.d4}u) { x = vec4f(${src}[(${offset}) / 4u + c4]); }
    ${dst}[r * ${f.stride}u + c4] = x;
  }`;
    }
    const guard = (c: number) => f.d % 4 === 0 || c === 0 ? "" : `if (c + ${c}u < ${f.d}u) `;
    return `
  for (var e = lid; e < ${rows * groups}u; e += NT) {
    let r = e / ${groups}u;
    let c = (e % ${groups}u) * 4u;
    var x = vec4f();
    if (${valid} && c < ${f.d}u) {
      let o_src = ${offset} + c;
${unroll(4, (c) => `      ${guard(c)}{ x[${c}] = f32(${src}[o_src + ${c}u]); }`)}
    }
    ${dst}[r * ${f.stride}u + e % ${groups}u] = x;
  }`;
  }

  /**
   * `acc[i][j] += a[own row i] · b[streamed row j]` (a score tile) over features laid out as
   * `fa` in `a` and `fb` in `b`.
   */
  dot(acc: string, a: string, fa: Features, b: string, fb: Features): string {
    const { RI, RJ } = this;
    const comps = ["x", "y", "z", "w"];
    return `
  for (var d4 = 0u; d4 < ${fa.d4}u; d4++) {
${unroll(RI, (i) => `    let a${i} = ${a}[(tr + ${i}u * TR) * ${fa.stride}u + d4];`)}
${unroll(RJ, (j) => `    let b${j} = ${b}[(tc + ${j}u * TC) * ${fb.stride}u + d4];`)}
${
      unroll(RI * RJ, (ij) => {
        const i = Math.floor(ij / RJ), j = ij % RJ;
        const chain = comps.reduce(
          (sum, c) => `fma(a${i}.${c}, b${j}.${c}, ${sum})`,
          `${acc}[${i}][${j}]`,
        );
        return `    ${acc}[${i}][${j}] = ${chain};`;
      })
    }
  }`;
  }

  /**
   * `acc[i][u] += Σ_c p[own row i][c] · x[c][group u]`: a BR×BC score tile (vec4 rows of
   * stride `sp`) times BC streamed rows of features f.
   */
  product(acc: string, p: string, x: string, f: Features): string {
    const { RI } = this;
    return `
  for (var c4 = 0u; c4 < ${this.t.bc / 4}u; c4++) {
${unroll(RI, (i) => `    let p${i} = ${p}[(tr + ${i}u * TR) * ${this.sp}u + c4];`)}
${
      unroll(4, (c) =>
        unroll(f.cu, (u) =>
          `    let x${c}_${u} = ${x}[(c4 * 4u + ${c}u) * ${f.stride}u + tc + ${u}u * TC];`) +
        "\n" +
        unroll(RI * f.cu, (iu) => {
          const i = Math.floor(iu / f.cu), u = iu % f.cu;
          return `    ${acc}[${i}][${u}] = fma(vec4f(p${i}[${c}]), x${c}_${u}, ${acc}[${i}][${u}]);`;
        }))
    }
  }`;
  }

  /** `body(i, j)` for every element (i, j) of this thread's score tile. */
  eachScore(body: (i: number, j: number) => string): string {
    return unroll(this.RI * this.RJ, (ij) => body(Math.floor(ij / this.RJ), ij % this.RJ));
  }

  /**
   * WGSL statements that replace `v` (an f32 variable) in every thread of a row by the
   * reduction `op` over the row's TC threads: a butterfly of `subgroupShuffleXor` (subgroup
   * path only; the result is bitwise the same in every lane).
   */
  butterfly(op: "max" | "sum", v: string, indent = "    "): string {
    const steps: string[] = [];
    for (let off = this.t.tc / 2; off >= 1; off /= 2) {
      const other = `subgroupShuffleXor(${v}, ${off}u)`;
      steps.push(`${indent}${v} = ${op === "max" ? `max(${v}, ${other})` : `${v} + ${other}`};`);
    }
    return steps.join("\n");
  }

  /**
   * Online-softmax rescale of one score tile `b_s` (flash attention): scores × `scale` (log2
   * units), NEG where `valid(j)` fails; the row max over the TC threads of each row (through
   * `s_red` ([BR][TC] f32) and a barrier, or a subgroup butterfly); then the running max `b_m`,
   * the per-row partials `rowArrays` and the feature tile `tile` (features f) are rescaled by
   * 2^(old max − new max).
   */
  onlineMax(
    scale: string,
    valid: (j: number) => string,
    rowArrays: string[],
    tile: string,
    f: Features,
  ): string {
    const { RI, RJ } = this;
    const rowMax = (i: number) =>
      Array.from({ length: RJ }, (_, j) => `b_s[${i}][${j}]`).reduce((a, b) => `max(${a}, ${b})`);
    const rescale = (i: number) =>
      `      let alpha = exp2(b_m[${i}] - mx);
      b_m[${i}] = mx;
${rowArrays.map((a) => `      ${a}[${i}] *= alpha;`).join("\n")}
${unroll(f.cu, (u) => `      ${tile}[${i}][${u}] *= alpha;`)}`;
    const scaled = this.eachScore((i, j) =>
      `    b_s[${i}][${j}] = select(NEG, b_s[${i}][${j}] * ${scale}, ${valid(j)});`
    );
    if (this.subgroup) {
      return `${scaled}
${
        unroll(RI, (i) =>
          `    {
      var mx = max(b_m[${i}], ${rowMax(i)});
${this.butterfly("max", "mx", "      ")}
${rescale(i)}
    }`)
      }`;
    }
    return `${scaled}
${unroll(RI, (i) => `    s_red[(tr + ${i}u * TR) * TC + tc] = ${rowMax(i)};`)}
    workgroupBarrier();
${
      unroll(RI, (i) =>
        `    {
      var mx = b_m[${i}];
      for (var c = 0u; c < TC; c++) { mx = max(mx, s_red[(tr + ${i}u * TR) * TC + c]); }
${rescale(i)}
    }`)
    }`;
  }

  /**
   * Declares `out` (RI floats): the sums of the per-thread partials `b` over each own row's TC
   * threads, in a fixed order (through `s_red` between two barriers, or a subgroup butterfly).
   */
  rowTotals(b: string, out: string): string {
    const { RI } = this;
    if (this.subgroup) {
      return `
  var ${out} = ${b};
${
        unroll(RI, (i) =>
          `  {\n    var x = ${out}[${i}];\n${
            this.butterfly("sum", "x")
          }\n    ${out}[${i}] = x;\n  }`)
      }`;
    }
    return `
  workgroupBarrier();
${unroll(RI, (i) => `  s_red[(tr + ${i}u * TR) * TC + tc] = ${b}[${i}];`)}
  workgroupBarrier();
  var ${out} = array<f32, ${RI}>();
${
      unroll(RI, (i) =>
        `  for (var c = 0u; c < TC; c++) { ${out}[${i}] += s_red[(tr + ${i}u * TR) * TC + c]; }`)
    }`;
  }

  /** The WGSL parameter of `main` the subgroup pieces need (with a leading comma), or "". */
  get laneParameter(): string {
    return this.shuffle ? ", @builtin(subgroup_invocation_id) sid: u32" : "";
  }

  /** Declares `row_lane`, the subgroup lane of this row's thread tc = 0 (shuffle only). */
  laneDeclarations(): string {
    return this.shuffle ? "let row_lane = sid - tc; // lanes row_lane .. row_lane + TC − 1" : "";
  }

  /**
   * Makes the register score tiles available to {@linkcode productOf}: each `[register tile,
   * workgroup tile]` pair is written to the workgroup tile (portable or memory path; the
   * caller then needs a barrier, {@linkcode shareBarrier}), or nothing (shuffle path).
   */
  shareScores(pairs: [string, string][]): string {
    if (this.shuffle) return "";
    return pairs.map(([reg, tile]) =>
      this.eachScore((i, j) => this.putScore(tile, i, j, `${reg}[${i}][${j}]`))
    ).join("\n");
  }

  /** The barrier between {@linkcode shareScores} and {@linkcode productOf} ("" with shuffles). */
  get shareBarrier(): string {
    return this.shuffle ? "" : "workgroupBarrier();";
  }

  /**
   * `acc[i][u] += Σ_c P[own row i][c] · x[c][group u]` with P the BR×BC score tile held in
   * registers `reg` by the row's threads: read from the workgroup tile `tile` (see
   * {@linkcode shareScores}), or lane by lane through `subgroupShuffle`.
   */
  productOf(acc: string, reg: string, tile: string, x: string, f: Features): string {
    if (!this.shuffle) return this.product(acc, tile, x, f);
    const { RI, RJ } = this;
    return `
  for (var src = 0u; src < TC; src++) { // column c = src + TC·j lives in lane row_lane + src
    let lane = row_lane + src;
${
      unroll(RJ, (j) =>
        `    {
      let c = src + ${j}u * TC;
${unroll(RI, (i) => `      let p${i} = subgroupShuffle(${reg}[${i}][${j}], lane);`)}
${unroll(f.cu, (u) => `      let x${u} = ${x}[c * ${f.stride}u + tc + ${u}u * TC];`)}
${
          unroll(RI * f.cu, (iu) => {
            const i = Math.floor(iu / f.cu), u = iu % f.cu;
            return `      ${acc}[${i}][${u}] = fma(vec4f(p${i}), x${u}, ${acc}[${i}][${u}]);`;
          })
        }
    }`)
    }
  }`;
  }

  /** Declaration of the workgroup score tile `name` (none when scores go by shuffles). */
  scoreScratch(name: string, what: string): string {
    return this.shuffle
      ? ""
      : `var<workgroup> ${name}: array<vec4f, ${this.t.br * this.sp}>; // [BR][BC/4] ${what}`;
  }

  /** Writes score-tile element (i, j) of this thread to the vec4 tile `dst`. */
  putScore(dst: string, i: number, j: number, value: string): string {
    return `    { let col = tc + ${j}u * TC; ${dst}[(tr + ${i}u * TR) * ${this.sp}u + col / 4u][col % 4u] = ${value}; }`;
  }

  /** Writes a feature tile (own rows × f, times `factor(i)`) to `dst`. */
  store(acc: string, dst: string, f: Features, len: string, factor: (i: number) => string) {
    const { RI } = this;
    return unroll(RI, (i) => `
  if (t0 + tr + ${i}u * TR < ${len}) {
    let o_row = ${this.rowOffset(`t0 + tr + ${i}u * TR`, len, f)};
${
      unroll(f.cu, (u) =>
        `    {
      let c = (tc + ${u}u * TC) * 4u;
      let x = ${acc}[${i}][${u}] * ${factor(i)};
${
          unroll(4, (c) =>
            `      if (c + ${c}u < ${f.d}u) { ${dst}[o_row + c + ${c}u] = ${this.t.dtype}(x[${c}]); }`)
        }
    }`)
    }
  }`);
  }

  scoreTile(name: string): string {
    return `var ${name} = array<array<f32, ${this.RJ}>, ${this.RI}>();`;
  }

  featureTile(name: string, f: Features): string {
    return `var ${name} = array<array<vec4f, ${f.cu}>, ${this.RI}>();`;
  }
}
