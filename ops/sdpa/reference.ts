/**
 * Float64 CPU reference of `scaledDotProductAttention`: forward and exact backward, one
 * (b, h) at a time, written directly from the formulas (the full score matrix is fine here).
 * @module
 */

/** Options of the SDPA references. */
export interface SdpaRefOptions {
  /** Score factor; default 1/√d_k. */
  scale?: number;
  /** `"BHTD"` (default) or `"BTHD"`. */
  layout?: "BHTD" | "BTHD";
}

/** A row-major input with its shape. */
export interface SdpaRefTensor {
  /** Values, row-major. */
  data: ArrayLike<number>;
  /** `[B, H, T, D]` or `[B, T, H, D]`. */
  shape: readonly number[];
}

/** Output and input gradients, in the inputs' layout. */
export interface SdpaRefResult {
  /** The forward output, `[B, H, Lq, dv]` (or BTHD). */
  output: Float64Array<ArrayBuffer>;
  /** Gradient of q (zeros without `dO`). */
  dq: Float64Array<ArrayBuffer>;
  /** Gradient of k (zeros without `dO`). */
  dk: Float64Array<ArrayBuffer>;
  /** Gradient of v (zeros without `dO`). */
  dv: Float64Array<ArrayBuffer>;
}

/**
 * Forward (and, with `dO`, backward) of softmax attention in float64:
 * `P = softmax(scale·Q Kᵀ)`, `O = P V`; `dV = Pᵀ dO`, `dP = dO Vᵀ`,
 * `dS = P ∘ (dP − rowsum(dO ∘ O))`, `dQ = scale·dS K`, `dK = scale·dSᵀ Q`.
 *
 * @example
 * ```ts
 * import { sdpaReference } from "@flash-bla/flash-bla/reference";
 * const x = { data: [1, 2, 3, 4], shape: [1, 1, 2, 2] };
 * const { output, dq } = sdpaReference(x, x, x, [1, 0, 0, 1]);
 * ```
 */
export function sdpaReference(
  q: SdpaRefTensor,
  k: SdpaRefTensor,
  v: SdpaRefTensor,
  dO?: ArrayLike<number>,
  options: SdpaRefOptions = {},
): SdpaRefResult {
  const bthd = options.layout === "BTHD";
  const dims = (t: SdpaRefTensor) => {
    const [B, a, b, D] = t.shape;
    return bthd ? { B, H: b, T: a, D } : { B, H: a, T: b, D };
  };
  const sq = dims(q), sk = dims(k), sv = dims(v);
  const { B, H } = sq, Lq = sq.T, Lk = sk.T, dk = sq.D, dv = sv.D;
  const scale = options.scale ?? 1 / Math.sqrt(dk);
  const at = (b: number, h: number, t: number, T: number, D: number) =>
    bthd ? ((b * T + t) * H + h) * D : ((b * H + h) * T + t) * D;
  const output = new Float64Array(B * H * Lq * dv);
  const dq = new Float64Array(q.data.length), dK = new Float64Array(k.data.length);
  const dV = new Float64Array(v.data.length);
  const P = new Float64Array(Lq * Lk), dS = new Float64Array(Lk);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < Lq; i++) {
        let max = -Infinity;
        for (let j = 0; j < Lk; j++) {
          let s = 0;
          for (let d = 0; d < dk; d++) {
            s += q.data[at(b, h, i, Lq, dk) + d] * k.data[at(b, h, j, Lk, dk) + d];
          }
          P[i * Lk + j] = s * scale;
          max = Math.max(max, s * scale);
        }
        let sum = 0;
        for (let j = 0; j < Lk; j++) sum += P[i * Lk + j] = Math.exp(P[i * Lk + j] - max);
        for (let j = 0; j < Lk; j++) P[i * Lk + j] /= sum;
        for (let d = 0; d < dv; d++) {
          let acc = 0;
          for (let j = 0; j < Lk; j++) acc += P[i * Lk + j] * v.data[at(b, h, j, Lk, dv) + d];
          output[at(b, h, i, Lq, dv) + d] = acc;
        }
      }
      if (!dO) continue;
      for (let i = 0; i < Lq; i++) {
        const oi = at(b, h, i, Lq, dv), qi = at(b, h, i, Lq, dk);
        let delta = 0;
        for (let d = 0; d < dv; d++) delta += dO[oi + d] * output[oi + d];
        for (let j = 0; j < Lk; j++) {
          let dp = 0;
          for (let d = 0; d < dv; d++) {
            dp += dO[oi + d] * v.data[at(b, h, j, Lk, dv) + d];
            dV[at(b, h, j, Lk, dv) + d] += P[i * Lk + j] * dO[oi + d];
          }
          dS[j] = P[i * Lk + j] * (dp - delta);
        }
        for (let j = 0; j < Lk; j++) {
          const kj = at(b, h, j, Lk, dk);
          for (let d = 0; d < dk; d++) {
            dq[qi + d] += scale * dS[j] * k.data[kj + d];
            dK[kj + d] += scale * dS[j] * q.data[qi + d];
          }
        }
      }
    }
  }
  return { output, dq, dk: dK, dv: dV };
}
