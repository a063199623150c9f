/**
 * Float64 CPU reference of PISA, piecewise sparse attention (docs/math.md §5), forward and backward,
 * on `[B, H, T, D]` arrays (row-major). It implements the intended formula of docs/math.md §5.4, which
 * does not depend on any group size. The backward holds the block selection fixed.
 * @module
 */
import { pisaTopK } from "./top_k.ts";

export { pisaTopK };

/** Sizes of a PISA problem: `q, k: [B, H, T, dk]`, `v, o: [B, H, T, dv]`. */
export interface PisaDims {
  /** Batch size. */
  B: number;
  /** Heads. */
  H: number;
  /** Sequence length. */
  T: number;
  /** Query/key features. */
  dk: number;
  /** Value features. */
  dv: number;
}

/** Options of the PISA references (defaults as in `piecewiseSparseAttention`). */
export interface PisaReferenceOptions {
  /** Fraction of key chunks attended exactly per query block, in (0, 1]; default 0.1. */
  density?: number;
  /** Chunk length BT; default 64. */
  blockSize?: number;
  /** Softmax scale σ; default dk^-1/2. */
  scale?: number;
  /** Add ln(‖hc_n‖_F + 1e-5) to the block scores; default false. */
  useBias?: boolean;
  /**
   * A fixed selection `[B·H, NT, topK]` of chunk indices (ascending per row) to use instead of
   * computing one, e.g. the GPU's, so that near-ties cannot flip between implementations.
   */
  selection?: Int32Array;
}

/** Per-(b, h) chunk statistics of docs/math.md §5.2 in float64. */
interface ChunkStats {
  qc: Float64Array; // [NT, dk] mean query
  kc: Float64Array; // [NT, dk] mean key
  vc: Float64Array; // [NT, dv] value sum
  hcNorm: Float64Array; // [NT] ‖hc_n‖_F
  h: Float64Array; // [dk, dv] Σ_n hc_n
}

function chunkLength(n: number, bt: number, T: number): number {
  return Math.min(bt, T - n * bt);
}

function chunkStats(
  q: Float64Array,
  k: Float64Array,
  v: Float64Array,
  bh: number,
  d: PisaDims,
  bt: number,
): ChunkStats {
  const { T, dk, dv } = d;
  const nt = Math.ceil(T / bt);
  const qc = new Float64Array(nt * dk), kc = new Float64Array(nt * dk);
  const vc = new Float64Array(nt * dv), hcNorm = new Float64Array(nt);
  const h = new Float64Array(dk * dv);
  const oq = bh * T * dk, ov = bh * T * dv;
  for (let n = 0; n < nt; n++) {
    const len = chunkLength(n, bt, T);
    for (let j = n * bt; j < n * bt + len; j++) {
      for (let a = 0; a < dk; a++) {
        qc[n * dk + a] += q[oq + j * dk + a] / len;
        kc[n * dk + a] += k[oq + j * dk + a] / len;
      }
      for (let b = 0; b < dv; b++) vc[n * dv + b] += v[ov + j * dv + b];
    }
    const hc = new Float64Array(dk * dv);
    for (let j = n * bt; j < n * bt + len; j++) {
      for (let a = 0; a < dk; a++) {
        const centred = k[oq + j * dk + a] - kc[n * dk + a];
        for (let b = 0; b < dv; b++) hc[a * dv + b] += centred * v[ov + j * dv + b];
      }
    }
    let sq = 0;
    for (let e = 0; e < dk * dv; e++) {
      sq += hc[e] * hc[e];
      h[e] += hc[e];
    }
    hcNorm[n] = Math.sqrt(sq);
  }
  return { qc, kc, vc, hcNorm, h };
}

function resolve(d: PisaDims, opts: PisaReferenceOptions) {
  const bt = opts.blockSize ?? 64;
  const nt = Math.ceil(d.T / bt);
  const topK = pisaTopK(opts.density ?? 0.1, nt);
  return { bt, nt, topK, scale: opts.scale ?? 1 / Math.sqrt(d.dk), useBias: !!opts.useBias };
}

/**
 * The block selection of docs/math.md §5.3: for each (b, h) and query block i, the `topK` chunks with
 * the largest scores `σ·qc_i·kc_n (+ ln(‖hc_n‖_F + 1e-5))`, ties going to the lower index,
 * listed in ascending order. Returns `[B·H, NT, topK]`.
 *
 * @example
 * ```ts
 * import { piecewiseSparseAttentionSelectionReference } from "@flash-bla/flash-bla/reference";
 * const d = { B: 1, H: 1, T: 32, dk: 2, dv: 2 };
 * const x = new Float64Array(64).map(Math.random);
 * const sel = piecewiseSparseAttentionSelectionReference(x, x, x, d, { blockSize: 16 });
 * console.log(sel); // Int32Array [0, 0] or [1, 1]: one chunk per query block
 * ```
 */
export function piecewiseSparseAttentionSelectionReference(
  q: Float64Array,
  k: Float64Array,
  v: Float64Array,
  dims: PisaDims,
  options: PisaReferenceOptions = {},
): Int32Array {
  const { bt, nt, topK, scale, useBias } = resolve(dims, options);
  const out = new Int32Array(dims.B * dims.H * nt * topK);
  for (let bh = 0; bh < dims.B * dims.H; bh++) {
    const s = chunkStats(q, k, v, bh, dims, bt);
    for (let i = 0; i < nt; i++) {
      const scores = Array.from({ length: nt }, (_, n) => {
        let a = 0;
        for (let f = 0; f < dims.dk; f++) a += s.qc[i * dims.dk + f] * s.kc[n * dims.dk + f];
        return scale * a + (useBias ? Math.log(s.hcNorm[n] + 1e-5) : 0);
      });
      const order = scores.map((_, n) => n).sort((x, y) => scores[y] - scores[x] || x - y);
      const chosen = order.slice(0, topK).sort((x, y) => x - y);
      out.set(chosen, (bh * nt + i) * topK);
    }
  }
  return out;
}

/** Per-query quantities of docs/math.md §5.4 for one (b, h, t) with a fixed selection. */
interface RowTerms {
  pExact: Map<number, number>; // key j → e^{x_j}/den
  pChunk: Map<number, number>; // non-selected chunk n → e^{μ_n}/den
  w: number; // σ·G/(T·den), the first-order weight
  o: Float64Array; // [dv]
}

function rowTerms(
  q: Float64Array,
  k: Float64Array,
  v: Float64Array,
  s: ChunkStats,
  bh: number,
  t: number,
  selected: ArrayLike<number>,
  d: PisaDims,
  bt: number,
  scale: number,
): RowTerms {
  const { T, dk, dv } = d;
  const nt = Math.ceil(T / bt);
  const oq = bh * T * dk, ov = bh * T * dv;
  const qt = q.subarray(oq + t * dk, oq + (t + 1) * dk);
  const dot = (x: Float64Array, off: number) => {
    let a = 0;
    for (let f = 0; f < dk; f++) a += qt[f] * x[off + f];
    return scale * a;
  };
  const isSel = new Set(Array.from(selected));
  const exact: [number, number][] = [];
  const zeroth: [number, number][] = [];
  for (let n = 0; n < nt; n++) {
    if (isSel.has(n)) {
      for (let j = n * bt; j < n * bt + chunkLength(n, bt, T); j++) {
        exact.push([j, dot(k, oq + j * dk)]);
      }
    } else zeroth.push([n, dot(s.kc, n * dk)]);
  }
  const m = Math.max(...exact.map((e) => e[1]), ...zeroth.map((e) => e[1]));
  let den = 0, G = 0;
  for (const [, x] of exact) den += Math.exp(x - m);
  for (const [n, mu] of zeroth) G += chunkLength(n, bt, T) * Math.exp(mu - m);
  den += G;
  const w = (scale * G) / (T * den);
  const o = new Float64Array(dv);
  const pExact = new Map<number, number>(), pChunk = new Map<number, number>();
  for (const [j, x] of exact) {
    const p = Math.exp(x - m) / den;
    pExact.set(j, p);
    for (let b = 0; b < dv; b++) o[b] += p * v[ov + j * dv + b];
  }
  for (const [n, mu] of zeroth) {
    const r = Math.exp(mu - m) / den;
    pChunk.set(n, r);
    for (let b = 0; b < dv; b++) o[b] += r * s.vc[n * dv + b];
  }
  for (let a = 0; a < dk; a++) {
    for (let b = 0; b < dv; b++) o[b] += w * qt[a] * s.h[a * dv + b];
  }
  return { pExact, pChunk, w, o };
}

function selectionOf(
  q: Float64Array,
  k: Float64Array,
  v: Float64Array,
  d: PisaDims,
  opts: PisaReferenceOptions,
): Int32Array {
  const { nt, topK } = resolve(d, opts);
  const sel = opts.selection ?? piecewiseSparseAttentionSelectionReference(q, k, v, d, opts);
  if (sel.length !== d.B * d.H * nt * topK) {
    throw new RangeError(`selection has ${sel.length} entries, expected ${d.B * d.H * nt * topK}`);
  }
  return sel;
}

/**
 * PISA forward (docs/math.md §5.4, intended formula) in float64:
 * `o_t = [Σ_E e^{x_j} v_j + Σ_U e^{μ_n} vc_n + σ(G/T) q_t h] / [Σ_E e^{x_j} + G]`.
 * Returns `o: [B, H, T, dv]`.
 *
 * @example
 * ```ts
 * import { piecewiseSparseAttentionReference } from "@flash-bla/flash-bla/reference";
 * const d = { B: 1, H: 1, T: 40, dk: 4, dv: 4 };
 * const x = new Float64Array(160).map(Math.random);
 * const o = piecewiseSparseAttentionReference(x, x, x, d, { blockSize: 16, density: 0.5 });
 * console.log(o.length); // 160
 * ```
 */
export function piecewiseSparseAttentionReference(
  q: Float64Array,
  k: Float64Array,
  v: Float64Array,
  dims: PisaDims,
  options: PisaReferenceOptions = {},
): Float64Array {
  const { bt, nt, topK, scale } = resolve(dims, options);
  const sel = selectionOf(q, k, v, dims, options);
  const o = new Float64Array(dims.B * dims.H * dims.T * dims.dv);
  for (let bh = 0; bh < dims.B * dims.H; bh++) {
    const s = chunkStats(q, k, v, bh, dims, bt);
    for (let t = 0; t < dims.T; t++) {
      const i = Math.floor(t / bt);
      const row = sel.subarray((bh * nt + i) * topK, (bh * nt + i + 1) * topK);
      const r = rowTerms(q, k, v, s, bh, t, row, dims, bt, scale);
      o.set(r.o, (bh * dims.T + t) * dims.dv);
    }
  }
  return o;
}

/** Gradients of the PISA inputs. */
export interface PisaGradsReference {
  /** `[B, H, T, dk]` */
  dq: Float64Array;
  /** `[B, H, T, dk]` */
  dk: Float64Array;
  /** `[B, H, T, dv]` */
  dv: Float64Array;
}

/**
 * PISA backward in float64 with the selection held fixed: the gradients of `Σ o ⊙ dO` with
 * respect to q, k and v, through the exact blocks, the zeroth-order terms, the first-order
 * term and the chunk statistics kc, vc, hc (the formulas are written out in
 * ops/piecewise_attention/bwd.ts).
 *
 * @example
 * ```ts
 * import { piecewiseSparseAttentionBackwardReference } from "@flash-bla/flash-bla/reference";
 * const d = { B: 1, H: 1, T: 40, dk: 4, dv: 4 };
 * const x = new Float64Array(160).map(Math.random);
 * const g = piecewiseSparseAttentionBackwardReference(x, x, x, x, d, { blockSize: 16 });
 * console.log(g.dq.length, g.dk.length, g.dv.length); // 160 160 160
 * ```
 */
export function piecewiseSparseAttentionBackwardReference(
  q: Float64Array,
  k: Float64Array,
  v: Float64Array,
  dO: Float64Array,
  dims: PisaDims,
  options: PisaReferenceOptions = {},
): PisaGradsReference {
  const { T, dk, dv } = dims;
  const { bt, nt, topK, scale } = resolve(dims, options);
  const sel = selectionOf(q, k, v, dims, options);
  const dq = new Float64Array(q.length), dkOut = new Float64Array(k.length);
  const dvOut = new Float64Array(v.length);
  for (let bh = 0; bh < dims.B * dims.H; bh++) {
    const s = chunkStats(q, k, v, bh, dims, bt);
    const oq = bh * T * dk, ov = bh * T * dv;
    const dkc = new Float64Array(nt * dk), dvc = new Float64Array(nt * dv);
    const dh = new Float64Array(dk * dv);
    for (let t = 0; t < T; t++) {
      const i = Math.floor(t / bt);
      const row = sel.subarray((bh * nt + i) * topK, (bh * nt + i + 1) * topK);
      const r = rowTerms(q, k, v, s, bh, t, row, dims, bt, scale);
      const g = dO.subarray(ov + t * dv, ov + (t + 1) * dv);
      const qt = q.subarray(oq + t * dk, oq + (t + 1) * dk);
      let D = 0, gh = 0;
      for (let b = 0; b < dv; b++) D += g[b] * r.o[b];
      const y = new Float64Array(dk); // h g_tᵀ
      for (let a = 0; a < dk; a++) {
        for (let b = 0; b < dv; b++) y[a] += s.h[a * dv + b] * g[b];
        gh += qt[a] * y[a];
      }
      const dPrime = D - (scale * gh) / T;
      for (let a = 0; a < dk; a++) {
        dq[oq + t * dk + a] += r.w * y[a];
        for (let b = 0; b < dv; b++) dh[a * dv + b] += r.w * qt[a] * g[b];
      }
      for (const [j, p] of r.pExact) {
        let gv = 0;
        for (let b = 0; b < dv; b++) gv += g[b] * v[ov + j * dv + b];
        const dx = p * (gv - D);
        for (let a = 0; a < dk; a++) {
          dq[oq + t * dk + a] += scale * dx * k[oq + j * dk + a];
          dkOut[oq + j * dk + a] += scale * dx * qt[a];
        }
        for (let b = 0; b < dv; b++) dvOut[ov + j * dv + b] += p * g[b];
      }
      for (const [n, p] of r.pChunk) {
        let gv = 0;
        for (let b = 0; b < dv; b++) gv += g[b] * s.vc[n * dv + b];
        const dmu = p * (gv - chunkLength(n, bt, T) * dPrime);
        for (let a = 0; a < dk; a++) {
          dq[oq + t * dk + a] += scale * dmu * s.kc[n * dk + a];
          dkc[n * dk + a] += scale * dmu * qt[a];
        }
        for (let b = 0; b < dv; b++) dvc[n * dv + b] += p * g[b];
      }
    }
    // Through the chunk statistics: kc_n = mean k, vc_n = Σ v, h = Σ_n Σ_j (k_j − kc_n)ᵀ v_j.
    for (let j = 0; j < T; j++) {
      const n = Math.floor(j / bt), len = chunkLength(n, bt, T);
      for (let a = 0; a < dk; a++) {
        let acc = dkc[n * dk + a] / len;
        for (let b = 0; b < dv; b++) {
          acc += (v[ov + j * dv + b] - s.vc[n * dv + b] / len) * dh[a * dv + b];
        }
        dkOut[oq + j * dk + a] += acc;
      }
      for (let b = 0; b < dv; b++) {
        let acc = dvc[n * dv + b];
        for (let a = 0; a < dk; a++) {
          acc += (k[oq + j * dk + a] - s.kc[n * dk + a]) * dh[a * dv + b];
        }
        dvOut[ov + j * dv + b] += acc;
      }
    }
  }
  return { dq, dk: dkOut, dv: dvOut };
}
