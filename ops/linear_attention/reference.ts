/**
 * Float64 CPU references for the linear-attention family (docs/math.md §1–4): forward and the exact
 * closed-form backward, written directly from the formulas, one (b, h) segment at a time.
 * @module
 */

/** A row-major array with its shape, as the references take their inputs. */
export interface RefTensor {
  /** Values, row-major. */
  data: ArrayLike<number>;
  /** Shape, outermost first. */
  shape: readonly number[];
}

/** Options shared by the references of `linearAttention`, `decoupledLinearAttention`. */
export interface RefOptions {
  /** σ, the numerator scale; default 1/L_k (docs/math.md §1.1). */
  scale?: number;
  /** ε, added to the denominator; default 1e-6. */
  eps?: number;
  /** `"BHTD"` (default) or `"BTHD"`. */
  layout?: "BHTD" | "BTHD";
}

/** Forward output and input gradients of a reference, as Float64Arrays in the inputs' layout. */
export interface RefGrads {
  /** The forward output. */
  output: Float64Array<ArrayBuffer>;
  /** Gradient of q. */
  dq: Float64Array<ArrayBuffer>;
  /** Gradient of k. */
  dk: Float64Array<ArrayBuffer>;
  /** Gradient of v. */
  dv: Float64Array<ArrayBuffer>;
}

/** One segment's rows, gathered into dense row-major matrices. */
interface Segment {
  q: Float64Array; // [Lq, dk] (denominator features)
  k: Float64Array; // [Lk, dk]
  v: Float64Array; // [Lk, dv]
  qr: Float64Array; // [Lq, dk] numerator features (= q unless decoupled)
  kr: Float64Array; // [Lk, dk]
  dO?: Float64Array; // [Lq, dv]
  gS?: Float64Array; // [dk, dv] upstream gradient of the state (simple only)
}

/** How the family members differ (docs/math.md §1, §2, §4). */
interface Variant {
  normalised: boolean;
  scale: number;
  eps: number;
}

/** Results for one segment (gradients only when dO was given). */
interface SegmentResult {
  o: Float64Array;
  S: Float64Array;
  dq?: Float64Array;
  dk?: Float64Array;
  dv?: Float64Array;
  dqr?: Float64Array;
  dkr?: Float64Array;
}

/** docs/math.md §1.2 forward and §1.3 / §2 / §4 backward for one segment. */
function segment(
  seg: Segment,
  Lq: number,
  Lk: number,
  dk: number,
  dv: number,
  variant: Variant,
): SegmentResult {
  const { q, k, v, qr, kr, dO, gS } = seg;
  const { normalised, scale, eps } = variant;
  const S = new Float64Array(dk * dv); // σ K_rᵀ V
  const m = new Float64Array(dk); // (1/L) Kᵀ 1
  for (let j = 0; j < Lk; j++) {
    for (let a = 0; a < dk; a++) {
      m[a] += k[j * dk + a] / Lk;
      for (let b = 0; b < dv; b++) S[a * dv + b] += scale * kr[j * dk + a] * v[j * dv + b];
    }
  }
  const z = new Float64Array(Lq).fill(1);
  const o = new Float64Array(Lq * dv);
  for (let i = 0; i < Lq; i++) {
    if (normalised) {
      let zi = eps;
      for (let a = 0; a < dk; a++) zi += q[i * dk + a] * m[a];
      z[i] = zi;
    }
    for (let b = 0; b < dv; b++) {
      let num = 0;
      for (let a = 0; a < dk; a++) num += qr[i * dk + a] * S[a * dv + b];
      o[i * dv + b] = num / z[i];
    }
  }
  if (!dO) return { o, S };
  const dS = gS ? Float64Array.from(gS) : new Float64Array(dk * dv);
  const dm = new Float64Array(dk);
  const dz = new Float64Array(Lq);
  const dqr = new Float64Array(Lq * dk); // numerator path: (dO Sᵀ) ⊘ z
  const dq = new Float64Array(Lq * dk); // denominator path: dz mᵀ
  for (let i = 0; i < Lq; i++) {
    let dot = 0;
    for (let b = 0; b < dv; b++) dot += dO[i * dv + b] * o[i * dv + b];
    dz[i] = normalised ? -dot / z[i] : 0;
    for (let a = 0; a < dk; a++) {
      let g = 0;
      for (let b = 0; b < dv; b++) {
        g += dO[i * dv + b] * S[a * dv + b];
        dS[a * dv + b] += (qr[i * dk + a] / z[i]) * dO[i * dv + b];
      }
      dqr[i * dk + a] = g / z[i];
      dq[i * dk + a] = dz[i] * m[a];
      dm[a] += dz[i] * q[i * dk + a];
    }
  }
  const dkr = new Float64Array(Lk * dk); // σ V dSᵀ
  const dkm = new Float64Array(Lk * dk); // (1/L) 1 dmᵀ
  const dvv = new Float64Array(Lk * dv); // σ K_r dS
  for (let j = 0; j < Lk; j++) {
    for (let a = 0; a < dk; a++) {
      let s = 0;
      for (let b = 0; b < dv; b++) s += v[j * dv + b] * dS[a * dv + b];
      dkr[j * dk + a] = scale * s;
      dkm[j * dk + a] = dm[a] / Lk;
    }
    for (let b = 0; b < dv; b++) {
      let s = 0;
      for (let a = 0; a < dk; a++) s += kr[j * dk + a] * dS[a * dv + b];
      dvv[j * dv + b] = scale * s;
    }
  }
  return { o, S, dq, dk: dkm, dv: dvv, dqr, dkr };
}

/** Row `t` of segment `s` of a [B, H, T, D] or [B, T, H, D] array: its first element. */
function rowStart(layout: "BHTD" | "BTHD", H: number, T: number, D: number) {
  return (bh: number, t: number) => {
    const b = Math.floor(bh / H), h = bh % H;
    return layout === "BHTD" ? ((b * H + h) * T + t) * D : ((b * T + t) * H + h) * D;
  };
}

function gather(src: ArrayLike<number>, at: (t: number) => number, T: number, D: number) {
  const out = new Float64Array(T * D);
  for (let t = 0; t < T; t++) for (let d = 0; d < D; d++) out[t * D + d] = src[at(t) + d];
  return out;
}

function scatter(dst: Float64Array, src: Float64Array, at: (t: number) => number, T: number) {
  const D = T === 0 ? 0 : src.length / T;
  for (let t = 0; t < T; t++) for (let d = 0; d < D; d++) dst[at(t) + d] = src[t * D + d];
}

function dims4(t: RefTensor, name: string, layout: "BHTD" | "BTHD") {
  if (t.shape.length !== 4) throw new RangeError(`${name} must have rank 4 (${layout})`);
  if (t.data.length !== t.shape.reduce((a, b) => a * b, 1)) {
    throw new RangeError(`${name}.data has ${t.data.length} elements for shape ${t.shape}`);
  }
  const [B, x, y, D] = t.shape;
  return layout === "BHTD" ? { B, H: x, T: y, D } : { B, H: y, T: x, D };
}

interface DenseArgs {
  q: RefTensor;
  k: RefTensor;
  v: RefTensor;
  qr?: RefTensor;
  kr?: RefTensor;
  dO?: ArrayLike<number>;
  gS?: ArrayLike<number>;
  layout: "BHTD" | "BTHD";
  normalised: boolean;
  scale: (Lk: number, dk: number) => number;
  eps: number;
}

/** Runs {@linkcode segment} over every (b, h) of dense [B, H, T, D] / [B, T, H, D] inputs. */
function dense(args: DenseArgs) {
  const { layout } = args;
  const dq = dims4(args.q, "q", layout), dkk = dims4(args.k, "k", layout);
  const dvv = dims4(args.v, "v", layout);
  const { B, H } = dq, Lq = dq.T, Lk = dkk.T, Dk = dq.D, Dv = dvv.D;
  const n = (T: number, D: number) => new Float64Array(B * H * T * D);
  const out = {
    output: n(Lq, Dv),
    dq: n(Lq, Dk),
    dk: n(Lk, Dk),
    dv: n(Lk, Dv),
    dqr: n(Lq, Dk),
    dkr: n(Lk, Dk),
    state: new Float64Array(B * H * Dk * Dv),
  };
  const atQ = rowStart(layout, H, Lq, Dk), atK = rowStart(layout, H, Lk, Dk);
  const atV = rowStart(layout, H, Lk, Dv), atO = rowStart(layout, H, Lq, Dv);
  const variant = { normalised: args.normalised, scale: args.scale(Lk, Dk), eps: args.eps };
  for (let bh = 0; bh < B * H; bh++) {
    const fq = (t: number) => atQ(bh, t), fk = (t: number) => atK(bh, t);
    const fv = (t: number) => atV(bh, t), fo = (t: number) => atO(bh, t);
    const q = gather(args.q.data, fq, Lq, Dk), k = gather(args.k.data, fk, Lk, Dk);
    const r = segment(
      {
        q,
        k,
        v: gather(args.v.data, fv, Lk, Dv),
        qr: args.qr ? gather(args.qr.data, fq, Lq, Dk) : q,
        kr: args.kr ? gather(args.kr.data, fk, Lk, Dk) : k,
        dO: args.dO ? gather(args.dO, fo, Lq, Dv) : undefined,
        gS: args.gS ? gather(args.gS, (a) => (bh * Dk + a) * Dv, Dk, Dv) : undefined,
      },
      Lq,
      Lk,
      Dk,
      Dv,
      variant,
    );
    scatter(out.output, r.o, fo, Lq);
    out.state.set(r.S, bh * Dk * Dv);
    if (r.dq) {
      scatter(out.dq, r.dq, fq, Lq);
      scatter(out.dqr, r.dqr!, fq, Lq);
      scatter(out.dk, r.dk!, fk, Lk);
      scatter(out.dkr, r.dkr!, fk, Lk);
      scatter(out.dv, r.dv!, fv, Lk);
    }
  }
  return out;
}

function sum(a: Float64Array, b: Float64Array): Float64Array<ArrayBuffer> {
  return Float64Array.from(a, (x, i) => x + b[i]);
}

/**
 * `linearAttention` in float64 (docs/math.md §1.2): `o = (Q S) ⊘ (Q m + ε)`, `S = σ KᵀV`,
 * `m = mean of the keys`. q: [B, H, Lq, dk], k: [B, H, Lk, dk], v: [B, H, Lk, dv] (or the
 * `BTHD` layout); returns o, [B, H, Lq, dv].
 *
 * @example
 * ```ts
 * import { linearAttentionReference } from "@flash-bla/flash-bla/reference";
 * const x = { data: [1, 2, 3, 4], shape: [1, 1, 2, 2] };
 * console.log(linearAttentionReference(x, x, x));
 * ```
 */
export function linearAttentionReference(
  q: RefTensor,
  k: RefTensor,
  v: RefTensor,
  options: RefOptions = {},
): Float64Array<ArrayBuffer> {
  return dense({
    q,
    k,
    v,
    layout: options.layout ?? "BHTD",
    normalised: true,
    scale: (Lk) => options.scale ?? 1 / Lk,
    eps: options.eps ?? 1e-6,
  }).output;
}

/**
 * Forward output and exact gradients of `linearAttention` for the upstream gradient `dO`
 * (docs/math.md §1.3), in float64.
 *
 * @example
 * ```ts
 * import { linearAttentionReferenceGrads } from "@flash-bla/flash-bla/reference";
 * const x = { data: [1, 2, 3, 4], shape: [1, 1, 2, 2] };
 * const { dq, dk, dv } = linearAttentionReferenceGrads(x, x, x, [1, 0, 0, 1]);
 * ```
 */
export function linearAttentionReferenceGrads(
  q: RefTensor,
  k: RefTensor,
  v: RefTensor,
  dO: ArrayLike<number>,
  options: RefOptions = {},
): RefGrads {
  const r = dense({
    q,
    k,
    v,
    dO,
    layout: options.layout ?? "BHTD",
    normalised: true,
    scale: (Lk) => options.scale ?? 1 / Lk,
    eps: options.eps ?? 1e-6,
  });
  return { output: r.output, dq: sum(r.dq, r.dqr), dk: sum(r.dk, r.dkr), dv: r.dv };
}

/** Options of the `simpleLinearAttention` references. */
export interface SimpleRefOptions {
  /** σ; default d_k^-1/2 (docs/math.md §4). */
  scale?: number;
  /** `"BHTD"` (default) or `"BTHD"`. */
  layout?: "BHTD" | "BTHD";
}

/**
 * `simpleLinearAttention` in float64 (docs/math.md §4): `S = σ KᵀV` ([B, H, d_k, d_v]), `O = Q S`.
 *
 * @example
 * ```ts
 * import { simpleLinearAttentionReference } from "@flash-bla/flash-bla/reference";
 * const x = { data: [1, 2, 3, 4], shape: [1, 1, 2, 2] };
 * const { output, state } = simpleLinearAttentionReference(x, x, x);
 * ```
 */
export function simpleLinearAttentionReference(
  q: RefTensor,
  k: RefTensor,
  v: RefTensor,
  options: SimpleRefOptions = {},
): { output: Float64Array<ArrayBuffer>; state: Float64Array<ArrayBuffer> } {
  const r = dense({
    q,
    k,
    v,
    layout: options.layout ?? "BHTD",
    normalised: false,
    scale: (_, dk) => options.scale ?? 1 / Math.sqrt(dk),
    eps: 0,
  });
  return { output: r.output, state: r.state };
}

/**
 * Gradients of `simpleLinearAttention` for the loss `Σ O⊙dO + Σ S⊙gS` (docs/math.md §4): `gS`, the
 * upstream gradient of the returned state ([B, H, d_k, d_v]), is optional.
 *
 * @example
 * ```ts
 * import { simpleLinearAttentionReferenceGrads } from "@flash-bla/flash-bla/reference";
 * const x = { data: [1, 2, 3, 4], shape: [1, 1, 2, 2] };
 * const { dq, dk, dv } = simpleLinearAttentionReferenceGrads(x, x, x, [1, 0, 0, 1]);
 * ```
 */
export function simpleLinearAttentionReferenceGrads(
  q: RefTensor,
  k: RefTensor,
  v: RefTensor,
  dO: ArrayLike<number>,
  options: SimpleRefOptions & { gS?: ArrayLike<number> } = {},
): RefGrads & { state: Float64Array<ArrayBuffer> } {
  const r = dense({
    q,
    k,
    v,
    dO,
    gS: options.gS,
    layout: options.layout ?? "BHTD",
    normalised: false,
    scale: (_, dk) => options.scale ?? 1 / Math.sqrt(dk),
    eps: 0,
  });
  return { output: r.output, state: r.state, dq: r.dqr, dk: r.dkr, dv: r.dv };
}

/** Output and gradients of `decoupledLinearAttention`'s reference. */
export interface DecoupledRefGrads extends RefGrads {
  /** Gradient of qRope. */
  dqRope: Float64Array<ArrayBuffer>;
  /** Gradient of kRope. */
  dkRope: Float64Array<ArrayBuffer>;
}

/**
 * `decoupledLinearAttention` in float64 (docs/math.md §2): `o_i = (qRope_i S) / (q_i·m + ε)` with
 * `S = σ kRopeᵀ V` and `m` the mean of the plain keys; with `dO`, also the five gradients.
 *
 * @example
 * ```ts
 * import { decoupledLinearAttentionReference } from "@flash-bla/flash-bla/reference";
 * const x = { data: [1, 2, 3, 4], shape: [1, 1, 2, 2] };
 * const { output } = decoupledLinearAttentionReference(x, x, x, x, x);
 * ```
 */
export function decoupledLinearAttentionReference(
  q: RefTensor,
  k: RefTensor,
  qRope: RefTensor,
  kRope: RefTensor,
  v: RefTensor,
  dO?: ArrayLike<number>,
  options: RefOptions = {},
): DecoupledRefGrads {
  const r = dense({
    q,
    k,
    v,
    qr: qRope,
    kr: kRope,
    dO,
    layout: options.layout ?? "BHTD",
    normalised: true,
    scale: (Lk) => options.scale ?? 1 / Lk,
    eps: options.eps ?? 1e-6,
  });
  return { output: r.output, dq: r.dq, dk: r.dk, dqRope: r.dqr, dkRope: r.dkr, dv: r.dv };
}

/** Options of the `varlenLinearAttention` reference. */
export interface VarlenRefOptions {
  /** σ for every sequence; default 1/n_s per sequence (docs/math.md §3). */
  scale?: number;
  /** ε; default 1e-6. */
  eps?: number;
}

/**
 * `varlenLinearAttention` in float64 (docs/math.md §3): packed q, k `[T_total, H, d_k]`, v
 * `[T_total, H, d_v]`, sequence s = rows `[cu[s], cu[s+1])`, each attended on its own. With
 * `dO`, also dq, dk, dv.
 *
 * @example
 * ```ts
 * import { varlenLinearAttentionReference } from "@flash-bla/flash-bla/reference";
 * const x = { data: [1, 2, 3, 4, 5, 6], shape: [3, 1, 2] };
 * const { output } = varlenLinearAttentionReference(x, x, x, [0, 1, 3]);
 * ```
 */
export function varlenLinearAttentionReference(
  q: RefTensor,
  k: RefTensor,
  v: RefTensor,
  cuSeqlens: ArrayLike<number>,
  dO?: ArrayLike<number>,
  options: VarlenRefOptions = {},
): RefGrads {
  const [T, H, dk] = q.shape, dv = v.shape[2];
  const out = {
    output: new Float64Array(T * H * dv),
    dq: new Float64Array(T * H * dk),
    dk: new Float64Array(T * H * dk),
    dv: new Float64Array(T * H * dv),
  };
  for (let s = 0; s + 1 < cuSeqlens.length; s++) {
    const t0 = cuSeqlens[s], n = cuSeqlens[s + 1] - t0;
    if (n === 0) continue;
    const variant = { normalised: true, scale: options.scale ?? 1 / n, eps: options.eps ?? 1e-6 };
    for (let h = 0; h < H; h++) {
      const at = (D: number) => (t: number) => ((t0 + t) * H + h) * D;
      const qs = gather(q.data, at(dk), n, dk), ks = gather(k.data, at(dk), n, dk);
      const r = segment(
        {
          q: qs,
          k: ks,
          v: gather(v.data, at(dv), n, dv),
          qr: qs,
          kr: ks,
          dO: dO ? gather(dO, at(dv), n, dv) : undefined,
        },
        n,
        n,
        dk,
        dv,
        variant,
      );
      scatter(out.output, r.o, at(dv), n);
      if (r.dq) {
        scatter(out.dq, sum(r.dq, r.dqr!), at(dk), n);
        scatter(out.dk, sum(r.dk!, r.dkr!), at(dk), n);
        scatter(out.dv, r.dv!, at(dv), n);
      }
    }
  }
  return out;
}
