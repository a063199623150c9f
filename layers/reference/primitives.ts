/**
 * Float64 CPU versions of the building blocks the paper layers use (docs/math.md §0.2, §1, §2),
 * written for clarity, not speed. Every array is row-major `Float64Array`; token-major
 * activations are `[rows, channels]` with channel `g·hd + d` for head g (docs/math.md §0.1).
 * @module
 */

/** Row-major float64 data. */
export type F64 = Float64Array<ArrayBuffer>;

/** `y = x Wᵀ + b` for `x: [rows, inF]`, `W: [outF, inF]`, optional `b: [outF]` (docs/math.md §0.2). */
export function linearRef(x: F64, rows: number, W: F64, outF: number, b?: F64): F64 {
  const inF = W.length / outF;
  const y = new Float64Array(rows * outF);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outF; o++) {
      let acc = b ? b[o] : 0;
      for (let i = 0; i < inF; i++) acc += x[r * inF + i] * W[o * inF + i];
      y[r * outF + o] = acc;
    }
  }
  return y;
}

/** LayerNorm over the last axis (biased variance, eps 1e-5), `x: [rows, C]` (docs/math.md §0.2). */
export function layerNormRef(x: F64, C: number, gamma: F64, beta: F64, eps = 1e-5): F64 {
  const rows = x.length / C;
  const y = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    let mean = 0;
    for (let c = 0; c < C; c++) mean += x[r * C + c];
    mean /= C;
    let v = 0;
    for (let c = 0; c < C; c++) v += (x[r * C + c] - mean) ** 2;
    const inv = 1 / Math.sqrt(v / C + eps);
    for (let c = 0; c < C; c++) y[r * C + c] = (x[r * C + c] - mean) * inv * gamma[c] + beta[c];
  }
  return y;
}

/** Elementwise map into a new array. */
export function mapRef(x: F64, f: (v: number, i: number) => number): F64 {
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = f(x[i], i);
  return y;
}

/** `elu(x) + 1` (α = 1). */
export const eluPlusOneRef = (x: F64): F64 => mapRef(x, (v) => (v > 0 ? v + 1 : Math.exp(v)));
/** `max(x, 0)`. */
export const reluScalar = (v: number): number => (v > 0 ? v : 0);
/** PyTorch softplus (β = 1, threshold 20). */
export const softplusScalar = (v: number): number => (v > 20 ? v : Math.log1p(Math.exp(v)));
/** Logistic sigmoid. */
export const sigmoidScalar = (v: number): number => 1 / (1 + Math.exp(-v));
/** LeakyReLU with slope 0.01. */
export const leakyReluRef = (x: F64): F64 => mapRef(x, (v) => (v >= 0 ? v : 0.01 * v));

/** Elementwise sum of same-length arrays. */
export function addRef(a: F64, b: F64): F64 {
  return mapRef(a, (v, i) => v + b[i]);
}

/** Elementwise product of same-length arrays. */
export function mulRef(a: F64, b: F64): F64 {
  return mapRef(a, (v, i) => v * b[i]);
}

/** Columns `[from, from + count)` of `x: [rows, C]`. */
export function columnsRef(x: F64, C: number, from: number, count: number): F64 {
  const rows = x.length / C;
  const y = new Float64Array(rows * count);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < count; c++) y[r * count + c] = x[r * C + from + c];
  }
  return y;
}

/**
 * Depthwise conv (cross-correlation, zero padding k//2, stride 1, bias) on token-major data
 * `x: [H·W, C]` (token `r·W + c`). `w: [C, k, k]`, `bias: [C]` (docs/math.md §0.2 `DW_k`).
 */
export function dwConvTokensRef(
  x: F64,
  H: number,
  W: number,
  C: number,
  w: F64,
  bias: F64,
  k: number,
): F64 {
  const y = new Float64Array(H * W * C);
  const p = k >> 1;
  for (let r = 0; r < H; r++) {
    for (let s = 0; s < W; s++) {
      for (let c = 0; c < C; c++) {
        let acc = bias[c];
        for (let a = 0; a < k; a++) {
          const rr = r + a - p;
          if (rr < 0 || rr >= H) continue;
          for (let b = 0; b < k; b++) {
            const ss = s + b - p;
            if (ss < 0 || ss >= W) continue;
            acc += w[(c * k + a) * k + b] * x[(rr * W + ss) * C + c];
          }
        }
        y[(r * W + s) * C + c] = acc;
      }
    }
  }
  return y;
}

/**
 * Strided "spatial reduction" conv (kernel = stride = sr, no padding, bias) on token-major
 * data `x: [H·W, C]` → `[⌊H/sr⌋·⌊W/sr⌋, O]`; `w: [O, C, sr, sr]` (docs/math.md §0.2 `SR`).
 */
export function srConvTokensRef(
  x: F64,
  H: number,
  W: number,
  C: number,
  w: F64,
  bias: F64,
  sr: number,
): F64 {
  const O = bias.length, Ho = Math.floor(H / sr), Wo = Math.floor(W / sr);
  const y = new Float64Array(Ho * Wo * O);
  for (let r = 0; r < Ho; r++) {
    for (let s = 0; s < Wo; s++) {
      for (let o = 0; o < O; o++) {
        let acc = bias[o];
        for (let c = 0; c < C; c++) {
          for (let a = 0; a < sr; a++) {
            for (let b = 0; b < sr; b++) {
              acc += w[((o * C + c) * sr + a) * sr + b] *
                x[((r * sr + a) * W + s * sr + b) * C + c];
            }
          }
        }
        y[(r * Wo + s) * O + o] = acc;
      }
    }
  }
  return y;
}

/**
 * The 2-D RoPE rotation buffer `[Hr, Wr, 2·⌊F/4⌋, 2]` (cos, sin), computed in float32 like
 * the original's buffer (docs/math.md §6.2): pair p < F/4 rotates by `r·θ_p`, the rest by `c·θ_{p−F/4}`.
 */
export function ropeRotationsRef(Hr: number, Wr: number, F: number): F64 {
  const kMax = Math.floor(F / 4);
  const f = Math.fround;
  const theta = Array.from({ length: kMax }, (_, m) => f(1 / f(10000 ** f(m / kMax))));
  const out = new Float64Array(Hr * Wr * 2 * kMax * 2);
  for (let r = 0; r < Hr; r++) {
    for (let c = 0; c < Wr; c++) {
      for (let p = 0; p < 2 * kMax; p++) {
        const angle = p < kMax ? f(r * theta[p]) : f(c * theta[p - kMax]);
        const o = ((r * Wr + c) * 2 * kMax + p) * 2;
        out[o] = f(Math.cos(angle));
        out[o + 1] = f(Math.sin(angle));
      }
    }
  }
  return out;
}

/**
 * Applies 2-D RoPE to token-major `x: [H·W, C]`. With `heads = 1` the rotation spans all C
 * channels (MLLA layout); otherwise every head's `C/heads` channels get the same rotation
 * (RALA layout). `rotations: [H, W, F/2, 2]` with F the rotated width (docs/math.md §6.2, §6.5).
 */
export function ropeTokensRef(x: F64, C: number, heads: number, rotations: F64): F64 {
  const F = C / heads, pairs = F / 2, T = x.length / C;
  const y = new Float64Array(x.length);
  for (let t = 0; t < T; t++) {
    for (let g = 0; g < heads; g++) {
      for (let p = 0; p < pairs; p++) {
        const cos = rotations[(t * pairs + p) * 2], sin = rotations[(t * pairs + p) * 2 + 1];
        const i = t * C + g * F + 2 * p;
        y[i] = x[i] * cos - x[i + 1] * sin;
        y[i + 1] = x[i] * sin + x[i + 1] * cos;
      }
    }
  }
  return y;
}

/**
 * `F.interpolate(mode="linear", align_corners=False)` along the token axis: `x: [n, D]` →
 * `[N, D]` (docs/math.md §0.2 `interp1d_linear`).
 */
export function interp1dRef(x: F64, n: number, N: number): F64 {
  const D = x.length / n;
  const y = new Float64Array(N * D);
  for (let t = 0; t < N; t++) {
    const src = Math.max((t + 0.5) * (n / N) - 0.5, 0);
    const i0 = Math.floor(src), i1 = Math.min(i0 + 1, n - 1), lambda = src - i0;
    for (let d = 0; d < D; d++) {
      y[t * D + d] = (1 - lambda) * x[i0 * D + d] + lambda * x[i1 * D + d];
    }
  }
  return y;
}

/** Shapes of one attention call on token-major data. */
export interface AttentionShape {
  /** Query tokens. */
  N: number;
  /** Key/value tokens. */
  n: number;
  /** Heads. */
  heads: number;
  /** Query/key features per head. */
  dk: number;
  /** Value features per head. */
  dv: number;
}

/**
 * Decoupled linear attention per head on token-major data (docs/math.md §2): the numerator state
 * comes from `kRope`, `v`, the denominator from the plain `q`, `k`:
 * `o_i = (qRope_i · σ·Σ_j kRope_jᵀ v_j) / (q_i · mean_j k_j + ε)`.
 * `q, qRope: [N, H·dk]`, `k, kRope: [n, H·dk]`, `v: [n, H·dv]` → `[N, H·dv]`; σ = 1/n.
 * Plain linear attention (docs/math.md §1) is `qRope = q`, `kRope = k`.
 */
export function decoupledAttentionRef(
  q: F64,
  k: F64,
  qRope: F64,
  kRope: F64,
  v: F64,
  shape: AttentionShape,
  eps: number,
): F64 {
  const { N, n, heads, dk, dv } = shape;
  const Ck = heads * dk, Cv = heads * dv, sigma = 1 / n;
  const out = new Float64Array(N * Cv);
  for (let g = 0; g < heads; g++) {
    const S = new Float64Array(dk * dv), mean = new Float64Array(dk);
    for (let j = 0; j < n; j++) {
      for (let a = 0; a < dk; a++) {
        const kr = kRope[j * Ck + g * dk + a];
        mean[a] += k[j * Ck + g * dk + a] / n;
        for (let b = 0; b < dv; b++) S[a * dv + b] += sigma * kr * v[j * Cv + g * dv + b];
      }
    }
    for (let i = 0; i < N; i++) {
      let z = eps;
      for (let a = 0; a < dk; a++) z += q[i * Ck + g * dk + a] * mean[a];
      for (let b = 0; b < dv; b++) {
        let num = 0;
        for (let a = 0; a < dk; a++) num += qRope[i * Ck + g * dk + a] * S[a * dv + b];
        out[i * Cv + g * dv + b] = num / z;
      }
    }
  }
  return out;
}
