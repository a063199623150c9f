/**
 * Float64 CPU references of the generic ops (matmul, linear, reductions), forward and
 * backward. Arrays are row-major.
 * @module
 */

/** A float64 tensor: data plus shape. */
export interface Array64 {
  /** Row-major values. */
  data: Float64Array<ArrayBuffer>;
  /** Dimensions, outermost first. */
  shape: number[];
}

const prod = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);

/**
 * Reference of `matmul(a, b, { transposeA, transposeB })`: `[..., M, N]`, with the batch of a
 * 2-D operand broadcast.
 *
 * @example
 * ```ts
 * import { nn } from "@flash-bla/flash-bla/reference";
 * const { matmulReference } = nn;
 * const c = matmulReference(
 *   { data: new Float64Array([1, 2, 3, 4]), shape: [2, 2] },
 *   { data: new Float64Array([1, 0, 0, 1]), shape: [2, 2] },
 * );
 * ```
 */
export function matmulReference(
  a: Array64,
  b: Array64,
  transposeA = false,
  transposeB = false,
): Array64 {
  const ra = a.shape.length, rb = b.shape.length;
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  const batchShape = ra > 2 ? a.shape.slice(0, -2) : b.shape.slice(0, -2);
  const batch = prod(batchShape);
  const sa = ra > 2 ? m * k : 0, sb = rb > 2 ? k * n : 0;
  const out = new Float64Array(batch * m * n);
  for (let bi = 0; bi < batch; bi++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let p = 0; p < k; p++) {
          const av = a.data[bi * sa + (transposeA ? p * m + i : i * k + p)];
          const bv = b.data[bi * sb + (transposeB ? j * k + p : p * n + j)];
          acc += av * bv;
        }
        out[(bi * m + i) * n + j] = acc;
      }
    }
  }
  return { data: out, shape: [...batchShape, m, n] };
}

/**
 * Reference gradients of `matmul` for upstream `dc`: `{ da, db }` shaped like `a` and `b`
 * (summed over the batch for a broadcast 2-D operand).
 *
 * @example
 * ```ts
 * import { nn } from "@flash-bla/flash-bla/reference";
 * const { matmulBackwardReference } = nn;
 * const one = { data: new Float64Array([1]), shape: [1, 1] };
 * const { da, db } = matmulBackwardReference(one, one, one);
 * ```
 */
export function matmulBackwardReference(
  a: Array64,
  b: Array64,
  dc: Array64,
  transposeA = false,
  transposeB = false,
): { da: Array64; db: Array64 } {
  const ra = a.shape.length, rb = b.shape.length;
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  const batch = prod(dc.shape.slice(0, -2));
  const sa = ra > 2 ? m * k : 0, sb = rb > 2 ? k * n : 0;
  const da = new Float64Array(prod(a.shape)), db = new Float64Array(prod(b.shape));
  for (let bi = 0; bi < batch; bi++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const g = dc.data[(bi * m + i) * n + j];
        for (let p = 0; p < k; p++) {
          const ia = bi * sa + (transposeA ? p * m + i : i * k + p);
          const ib = bi * sb + (transposeB ? j * k + p : p * n + j);
          da[ia] += g * b.data[ib];
          db[ib] += g * a.data[ia];
        }
      }
    }
  }
  return { da: { data: da, shape: [...a.shape] }, db: { data: db, shape: [...b.shape] } };
}

/**
 * Reference of `sum` / `mean` over the axes `first..last` (inclusive), keeping them as size 1.
 *
 * @example
 * ```ts
 * import { nn } from "@flash-bla/flash-bla/reference";
 * const { reduceReference } = nn;
 * const s = reduceReference({ data: new Float64Array([1, 2, 3, 4]), shape: [2, 2] }, 0, 0);
 * ```
 */
export function reduceReference(x: Array64, first: number, last: number, mean = false): Array64 {
  const outer = prod(x.shape.slice(0, first));
  const n = prod(x.shape.slice(first, last + 1));
  const inner = prod(x.shape.slice(last + 1));
  const out = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < inner; i++) out[o * inner + i] += x.data[(o * n + j) * inner + i];
    }
  }
  if (mean) out.forEach((v, i) => (out[i] = v / n));
  return { data: out, shape: x.shape.map((d, i) => (i >= first && i <= last ? 1 : d)) };
}

/** Split heads (docs/math.md §0.1): `[B, N, heads·hd]` → `[B, heads, N, hd]`. */
export function splitHeadsRef(
  x: Float64Array<ArrayBuffer>,
  [B, N, C]: number[],
  heads: number,
): Float64Array<ArrayBuffer> {
  const hd = C / heads, out = new Float64Array(x.length);
  for (let b = 0; b < B; b++) {
    for (let g = 0; g < heads; g++) {
      for (let n = 0; n < N; n++) {
        for (let d = 0; d < hd; d++) {
          out[((b * heads + g) * N + n) * hd + d] = x[(b * N + n) * C + g * hd + d];
        }
      }
    }
  }
  return out;
}

/** Merge heads (docs/math.md §0.1): `[B, heads, N, hd]` → `[B, N, heads·hd]`. */
export function mergeHeadsRef(
  x: Float64Array<ArrayBuffer>,
  [B, heads, N, hd]: number[],
): Float64Array<ArrayBuffer> {
  const C = heads * hd, out = new Float64Array(x.length);
  for (let b = 0; b < B; b++) {
    for (let g = 0; g < heads; g++) {
      for (let n = 0; n < N; n++) {
        for (let d = 0; d < hd; d++) {
          out[(b * N + n) * C + g * hd + d] = x[((b * heads + g) * N + n) * hd + d];
        }
      }
    }
  }
  return out;
}

/** LayerNorm over the last axis (docs/math.md §0.2), rows of `c` features. */
export function layerNormRef(
  x: Float64Array<ArrayBuffer>,
  w: Float64Array<ArrayBuffer>,
  b: Float64Array<ArrayBuffer>,
  eps = 1e-5,
): Float64Array<ArrayBuffer> {
  const c = w.length, y = new Float64Array(x.length);
  for (let r = 0; r < x.length / c; r++) {
    const row = x.subarray(r * c, (r + 1) * c);
    const mean = row.reduce((s, v) => s + v, 0) / c;
    const rstd = 1 / Math.sqrt(row.reduce((s, v) => s + (v - mean) ** 2, 0) / c + eps);
    for (let i = 0; i < c; i++) y[r * c + i] = (row[i] - mean) * rstd * w[i] + b[i];
  }
  return y;
}

/** Gradients of {@linkcode layerNormRef} for upstream `dy`. */
export function layerNormGradRef(
  x: Float64Array<ArrayBuffer>,
  w: Float64Array<ArrayBuffer>,
  dy: Float64Array<ArrayBuffer>,
  eps = 1e-5,
): { dx: Float64Array<ArrayBuffer>; dw: Float64Array<ArrayBuffer>; db: Float64Array<ArrayBuffer> } {
  const c = w.length, dx = new Float64Array(x.length);
  const dw = new Float64Array(c), db = new Float64Array(c);
  for (let r = 0; r < x.length / c; r++) {
    const row = x.subarray(r * c, (r + 1) * c);
    const mean = row.reduce((s, v) => s + v, 0) / c;
    const rstd = 1 / Math.sqrt(row.reduce((s, v) => s + (v - mean) ** 2, 0) / c + eps);
    const xhat = row.map((v) => (v - mean) * rstd);
    const g = xhat.map((_, i) => dy[r * c + i] * w[i]);
    const meanG = g.reduce((s, v) => s + v, 0) / c;
    const meanGx = g.reduce((s, v, i) => s + v * xhat[i], 0) / c;
    for (let i = 0; i < c; i++) {
      dx[r * c + i] = rstd * (g[i] - meanG - xhat[i] * meanGx);
      dw[i] += dy[r * c + i] * xhat[i];
      db[i] += dy[r * c + i];
    }
  }
  return { dx, dw, db };
}

/** Depthwise conv `DW_k` (docs/math.md §0.2) on tokens `[B, H·W, C]`; channel ch uses weight ch % cw. */
export function depthwiseConv2dRef(
  x: Float64Array<ArrayBuffer>,
  [B, H, W, C]: number[],
  weight: Float64Array<ArrayBuffer>,
  bias: Float64Array<ArrayBuffer>,
  k: number,
): Float64Array<ArrayBuffer> {
  const cw = bias.length, half = (k - 1) / 2, y = new Float64Array(x.length);
  for (let b = 0; b < B; b++) {
    for (let r = 0; r < H; r++) {
      for (let s = 0; s < W; s++) {
        for (let ch = 0; ch < C; ch++) {
          const wc = ch % cw;
          let acc = bias[wc];
          for (let a = 0; a < k; a++) {
            for (let e = 0; e < k; e++) {
              const rr = r + a - half, ss = s + e - half;
              if (rr < 0 || rr >= H || ss < 0 || ss >= W) continue;
              acc += weight[(wc * k + a) * k + e] * x[((b * H + rr) * W + ss) * C + ch];
            }
          }
          y[((b * H + r) * W + s) * C + ch] = acc;
        }
      }
    }
  }
  return y;
}

/** Gradients of {@linkcode depthwiseConv2dRef} for upstream `dy`. */
export function depthwiseConv2dGradRef(
  x: Float64Array<ArrayBuffer>,
  [B, H, W, C]: number[],
  weight: Float64Array<ArrayBuffer>,
  cw: number,
  k: number,
  dy: Float64Array<ArrayBuffer>,
): { dx: Float64Array<ArrayBuffer>; dw: Float64Array<ArrayBuffer>; db: Float64Array<ArrayBuffer> } {
  const half = (k - 1) / 2, dx = new Float64Array(x.length);
  const dw = new Float64Array(cw * k * k), db = new Float64Array(cw);
  for (let b = 0; b < B; b++) {
    for (let r = 0; r < H; r++) {
      for (let s = 0; s < W; s++) {
        for (let ch = 0; ch < C; ch++) {
          const wc = ch % cw, g = dy[((b * H + r) * W + s) * C + ch];
          db[wc] += g;
          for (let a = 0; a < k; a++) {
            for (let e = 0; e < k; e++) {
              const rr = r + a - half, ss = s + e - half;
              if (rr < 0 || rr >= H || ss < 0 || ss >= W) continue;
              const xi = ((b * H + rr) * W + ss) * C + ch;
              dx[xi] += g * weight[(wc * k + a) * k + e];
              dw[(wc * k + a) * k + e] += g * x[xi];
            }
          }
        }
      }
    }
  }
  return { dx, dw, db };
}

/**
 * 2-D RoPE (docs/math.md §6.2) of `x` `[rows·N, L]` (token n = row index mod N), with the table
 * `[H, W, F/2, 2]` (N = H·W); channel ch uses pair (ch mod F)/2. `inverse` rotates by −φ (the
 * gradient).
 */
export function rope2dRef(
  x: Float64Array<ArrayBuffer>,
  l: number,
  n: number,
  rotations: ArrayLike<number>,
  f: number,
  inverse = false,
): Float64Array<ArrayBuffer> {
  const y = new Float64Array(x.length), sign = inverse ? -1 : 1;
  for (let e = 0; e < x.length; e += 2) {
    const ch = e % l, tok = Math.floor(e / l) % n;
    const t = 2 * (tok * (f / 2) + Math.floor((ch % f) / 2));
    const c = rotations[t], s = sign * rotations[t + 1];
    y[e] = x[e] * c - x[e + 1] * s;
    y[e + 1] = x[e] * s + x[e + 1] * c;
  }
  return y;
}

/** Softmax along `axis` of `x` with `shape`; with `dy`, also its gradient. */
export function softmaxRef(
  x: Float64Array<ArrayBuffer>,
  shape: number[],
  axis: number,
  dy?: Float64Array<ArrayBuffer>,
): { y: Float64Array<ArrayBuffer>; dx: Float64Array<ArrayBuffer> } {
  const n = shape[axis], inner = shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  const y = new Float64Array(x.length), dx = new Float64Array(x.length);
  for (let row = 0; row < x.length / n; row++) {
    const base = Math.floor(row / inner) * n * inner + (row % inner);
    const idx = Array.from({ length: n }, (_, j) => base + j * inner);
    const m = Math.max(...idx.map((i) => x[i]));
    const total = idx.reduce((s, i) => s + Math.exp(x[i] - m), 0);
    for (const i of idx) y[i] = Math.exp(x[i] - m) / total;
    if (dy) {
      const dot = idx.reduce((s, i) => s + y[i] * dy[i], 0);
      for (const i of idx) dx[i] = y[i] * (dy[i] - dot);
    }
  }
  return { y, dx };
}

/**
 * `interp1d_linear` (docs/math.md §0.2) along axis −2 of `x` `[outer, n, c]` to `size` tokens; with
 * `dy`, also the gradient.
 */
export function interpolateTokensRef(
  x: Float64Array<ArrayBuffer>,
  [outer, n, c]: number[],
  size: number,
  dy?: Float64Array<ArrayBuffer>,
): { y: Float64Array<ArrayBuffer>; dx: Float64Array<ArrayBuffer> } {
  const y = new Float64Array(outer * size * c), dx = new Float64Array(x.length);
  for (let o = 0; o < outer; o++) {
    for (let t = 0; t < size; t++) {
      const src = Math.max((t + 0.5) * (n / size) - 0.5, 0);
      const i0 = Math.min(Math.floor(src), n - 1), i1 = Math.min(i0 + 1, n - 1);
      const l1 = src - i0;
      for (let ch = 0; ch < c; ch++) {
        const out = (o * size + t) * c + ch, a = (o * n + i0) * c + ch, b = (o * n + i1) * c + ch;
        y[out] = (1 - l1) * x[a] + l1 * x[b];
        if (dy) {
          dx[a] += (1 - l1) * dy[out];
          dx[b] += l1 * dy[out];
        }
      }
    }
  }
  return { y, dx };
}

/** Strided conv `SR` (docs/math.md §0.2) on tokens `[B, H·W, C]` → `[B, ⌊H/sr⌋·⌊W/sr⌋, C_out]`. */
export function spatialReductionConvRef(
  x: Float64Array<ArrayBuffer>,
  [B, H, W, C]: number[],
  weight: Float64Array<ArrayBuffer>,
  bias: Float64Array<ArrayBuffer>,
  sr: number,
  dy?: Float64Array<ArrayBuffer>,
): {
  y: Float64Array<ArrayBuffer>;
  dx: Float64Array<ArrayBuffer>;
  dw: Float64Array<ArrayBuffer>;
  db: Float64Array<ArrayBuffer>;
} {
  const co = bias.length, ho = Math.floor(H / sr), wo = Math.floor(W / sr);
  const y = new Float64Array(B * ho * wo * co), dx = new Float64Array(x.length);
  const dw = new Float64Array(weight.length), db = new Float64Array(co);
  for (let b = 0; b < B; b++) {
    for (let r = 0; r < ho; r++) {
      for (let s = 0; s < wo; s++) {
        for (let o = 0; o < co; o++) {
          const out = ((b * ho + r) * wo + s) * co + o, g = dy?.[out] ?? 0;
          let acc = bias[o];
          db[o] += g;
          for (let c = 0; c < C; c++) {
            for (let a = 0; a < sr; a++) {
              for (let e = 0; e < sr; e++) {
                const xi = ((b * H + r * sr + a) * W + s * sr + e) * C + c;
                const wi = ((o * C + c) * sr + a) * sr + e;
                acc += weight[wi] * x[xi];
                dx[xi] += g * weight[wi];
                dw[wi] += g * x[xi];
              }
            }
          }
          y[out] = acc;
        }
      }
    }
  }
  return { y, dx, dw, db };
}

/** Activation names of {@linkcode activationRef}. */
export type RefActivation = "elu" | "relu" | "leaky_relu" | "softplus" | "sigmoid";

type Scalar = (x: number, slope: number) => number;
const ACT: Record<RefActivation, [Scalar, Scalar]> = {
  elu: [(x) => (x > 0 ? x : Math.expm1(x)), (x) => (x > 0 ? 1 : Math.exp(x))],
  relu: [(x) => Math.max(x, 0), (x) => (x > 0 ? 1 : 0)],
  leaky_relu: [(x, s) => (x >= 0 ? x : s * x), (x, s) => (x > 0 ? 1 : s)],
  softplus: [
    (x) => (x > 20 ? x : Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)))),
    (x) => (x > 20 ? 1 : 1 / (1 + Math.exp(-x))),
  ],
  sigmoid: [(x) => 1 / (1 + Math.exp(-x)), (x) => Math.exp(-x) / (1 + Math.exp(-x)) ** 2],
};

/** `act(x) + shift` (docs/math.md §0.2); `slope` is LeakyReLU's (default 0.01). */
export function activationRef(
  kind: RefActivation,
  x: Float64Array<ArrayBuffer>,
  shift = 0,
  slope = 0.01,
): Float64Array<ArrayBuffer> {
  return x.map((v) => ACT[kind][0](v, slope) + shift);
}

/** Gradient of {@linkcode activationRef}: `dx = dy · act'(x)`. */
export function activationGradRef(
  kind: RefActivation,
  x: Float64Array<ArrayBuffer>,
  dy: Float64Array<ArrayBuffer>,
  slope = 0.01,
): Float64Array<ArrayBuffer> {
  return x.map((v, i) => dy[i] * ACT[kind][1](v, slope));
}

/** Binary op names of {@linkcode binaryRef}. */
export type RefBinary = "add" | "mul" | "div" | "relu_pow";

// [f(a, b), ∂f/∂a, ∂f/∂b]
const BIN: Record<RefBinary, (a: number, b: number) => [number, number, number]> = {
  add: (a, b) => [a + b, 1, 1],
  mul: (a, b) => [a * b, b, a],
  div: (a, b) => [a / b, 1 / b, -a / (b * b)],
  relu_pow: (a, b) => a > 0 ? [a ** b, b * a ** (b - 1), a ** b * Math.log(a)] : [0, 0, 0],
};

// Calls visit(outIndex, aIndex, bIndex) for every element of the broadcast output.
function broadcastEach(
  aShape: number[],
  bShape: number[],
  visit: (o: number, ia: number, ib: number) => void,
): number[] {
  const rank = Math.max(aShape.length, bShape.length);
  const pa = [...Array(rank - aShape.length).fill(1), ...aShape];
  const pb = [...Array(rank - bShape.length).fill(1), ...bShape];
  const out = pa.map((d, i) => Math.max(d, pb[i]));
  for (let o = 0; o < prod(out); o++) {
    let rem = o, ia = 0, ib = 0, sa = 1, sb = 1;
    for (let d = rank - 1; d >= 0; d--) {
      const c = rem % out[d];
      rem = Math.floor(rem / out[d]);
      if (pa[d] !== 1) ia += c * sa;
      if (pb[d] !== 1) ib += c * sb;
      sa *= pa[d];
      sb *= pb[d];
    }
    visit(o, ia, ib);
  }
  return out;
}

/** `alpha · f(a, b)` with broadcasting (`relu_pow`: `max(a, 0)^b`). */
export function binaryRef(kind: RefBinary, a: Array64, b: Array64, alpha = 1): Array64 {
  const values: number[] = [];
  const shape = broadcastEach(a.shape, b.shape, (o, ia, ib) => {
    values[o] = alpha * BIN[kind](a.data[ia], b.data[ib])[0];
  });
  return { data: Float64Array.from(values), shape };
}

/**
 * Both gradients of a broadcasting binary op, and for each the sum of the absolute values of the
 * terms it adds up (`daAbs`, `dbAbs`): a broadcast operand's gradient is a sum over the broadcast
 * axes, and a float sum's error is bounded relative to Σ|term|, not to |Σ term| (which cancels).
 */
export interface BinaryGrads {
  /** ∂L/∂a (summed over the axes a broadcasts along). */
  da: Float64Array<ArrayBuffer>;
  /** ∂L/∂b (summed over the axes b broadcasts along). */
  db: Float64Array<ArrayBuffer>;
  /** Σ|term| of each element of `da`. */
  daAbs: Float64Array<ArrayBuffer>;
  /** Σ|term| of each element of `db`. */
  dbAbs: Float64Array<ArrayBuffer>;
}

/** Gradients of {@linkcode binaryRef} for upstream `dy`, summed over broadcast dims. */
export function binaryGradRef(
  kind: RefBinary,
  a: Array64,
  b: Array64,
  dy: Float64Array<ArrayBuffer>,
  alpha = 1,
): BinaryGrads {
  const n = (length: number) => new Float64Array(length);
  const da = n(a.data.length), db = n(b.data.length);
  const daAbs = n(a.data.length), dbAbs = n(b.data.length);
  broadcastEach(a.shape, b.shape, (o, ia, ib) => {
    const [, fa, fb] = BIN[kind](a.data[ia], b.data[ib]);
    const ta = alpha * dy[o] * fa, tb = alpha * dy[o] * fb;
    da[ia] += ta;
    db[ib] += tb;
    daAbs[ia] += Math.abs(ta);
    dbAbs[ib] += Math.abs(tb);
  });
  return { da, db, daAbs, dbAbs };
}
