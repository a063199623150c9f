/**
 * Register-tiled attention building blocks shared by the softmax-attention kernels
 * (`sdpa.ts`) and PISA's (`piecewise_attention_rows.ts`): workgroup tiles as row-major vec4
 * arrays with odd row strides, cooperative tile loads, the score-tile `dot` and the
 * probability-times-rows `product`, stores. See `sdpa.ts` for the thread layout.
 *
 * The generated code expects, in scope: `lid`, `bh`, `t0` (first own row), `tr`, `tc`, the
 * constants `TR`, `TC`, `NT`, and a `row_off` function (see {@linkcode TileCode.rowOffset}).
 * @module
 */
import type { DType } from "./common.ts";

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
}

/** A tiling with the feature sizes and storage dtype a kernel is generated for. */
export interface TileShape extends SdpaTiles {
  /** Query/key features. */
  dk: number;
  /** Value features. */
  dv: number;
  /** Storage dtype of the tensors read and written. */
  dtype: DType;
}

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

/** Unrolls `body(i)` for i in [0, n). */
export const unroll = (n: number, body: (i: number) => string) =>
  Array.from({ length: n }, (_, i) => body(i)).join("\n");

/** WGSL pieces of one tiling: tile loads, the two tile products, stores. */
export class TileCode {
  readonly RI: number;
  readonly RJ: number;
  readonly k: Features;
  readonly v: Features;
  readonly kp: Features;
  readonly vp: Features;
  readonly sp: number;

  constructor(readonly t: TileShape) {
    this.RI = t.br / t.tr;
    this.RJ = t.bc / t.tc;
    this.k = features(t.dk, t.tc);
    this.v = features(t.dv, t.tc);
    this.kp = features(t.dk, t.tc, true);
    this.vp = features(t.dv, t.tc, true);
    this.sp = scoreStride(t);
  }

  /**
   * Cooperative load of `rows` rows (from row `r0`, `len` valid) of `src` into the vec4 tile
   * `dst` ([rows][f.stride]), as f32, zero past the edges and in the padding groups.
   */
  load(dst: string, src: string, rows: number, f: Features, r0: string, len: string): string {
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

  /**
   * Cooperative load of tile row r < `rows` from `src` at element offset `offset` (a WGSL
   * expression in r) where `valid` (also in r) holds, else zeros; see {@linkcode load}.
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
   * Online-softmax rescale of one score tile `b_s` (flash attention): scores × `scale` (log2
   * units), NEG where `valid(j)` fails; the row max over the TC threads of each row through
   * `s_red` ([BR][TC] f32); then the running max `b_m`, the per-row partials `rowArrays` and
   * the feature tile `tile` (features f) are rescaled by 2^(old max − new max).
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
    return `${
      this.eachScore((i, j) =>
        `    b_s[${i}][${j}] = select(NEG, b_s[${i}][${j}] * ${scale}, ${valid(j)});`
      )
    }
${unroll(RI, (i) => `    s_red[(tr + ${i}u * TR) * TC + tc] = ${rowMax(i)};`)}
    workgroupBarrier();
${
      unroll(RI, (i) =>
        `    {
      var mx = b_m[${i}];
      for (var c = 0u; c < TC; c++) { mx = max(mx, s_red[(tr + ${i}u * TR) * TC + c]); }
      let alpha = exp2(b_m[${i}] - mx);
      b_m[${i}] = mx;
${rowArrays.map((a) => `      ${a}[${i}] *= alpha;`).join("\n")}
${unroll(f.cu, (u) => `      ${tile}[${i}][${u}] *= alpha;`)}
    }`)
    }`;
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
