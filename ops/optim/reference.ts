/**
 * Float64 references of the optimizers (`torch.optim.SGD`, `Adam`, `AdamW` without amsgrad)
 * and of the MSE loss: several steps on one flat parameter array.
 * @module
 */

/** Options of {@linkcode sgdReference} (defaults as {@linkcode SGD}). */
export interface SgdReferenceOptions {
  /** Learning rate. */
  lr: number;
  /** Momentum factor; default 0. */
  momentum?: number;
  /** Dampening; default 0. */
  dampening?: number;
  /** L2 weight decay; default 0. */
  weightDecay?: number;
  /** Nesterov momentum; default false. */
  nesterov?: boolean;
}

/** Options of {@linkcode adamReference} (defaults as {@linkcode Adam}). */
export interface AdamReferenceOptions {
  /** Learning rate. */
  lr: number;
  /** `[β₁, β₂]`; default `[0.9, 0.999]`. */
  betas?: readonly [number, number];
  /** Default 1e-8. */
  eps?: number;
  /** Weight decay; default 0. */
  weightDecay?: number;
  /** AdamW: decoupled weight decay; default false. */
  decoupled?: boolean;
}

/** Applied to the parameter after every step: emulates its storage (e.g. f16 rounding). */
export type StoreParam = (value: number) => number;

/**
 * SGD applied for each gradient of `grads` in turn (step 1, 2, …) to a copy of `param`.
 * Returns the parameter and the momentum buffer (absent without momentum).
 *
 * @example
 * ```ts
 * import { optim } from "@flash-bla/flash-bla/reference";
 * const { sgdReference } = optim;
 * const r = sgdReference([1, 2], [[0.5, 0.5], [0.5, 0.5]], { lr: 0.1, momentum: 0.9 });
 * console.log(r.param); // [0.855, 1.855]
 * ```
 */
export function sgdReference(
  param: ArrayLike<number>,
  grads: readonly ArrayLike<number>[],
  options: SgdReferenceOptions,
  store: StoreParam = (v) => v,
): { param: Float64Array<ArrayBuffer>; momentumBuffer?: Float64Array<ArrayBuffer> } {
  const { lr, momentum = 0, dampening = 0, weightDecay = 0, nesterov = false } = options;
  const p = Float64Array.from(param);
  const buf = new Float64Array(p.length);
  grads.forEach((grad, s) => {
    for (let i = 0; i < p.length; i++) {
      let g = grad[i] + weightDecay * p[i];
      if (momentum !== 0) {
        buf[i] = s === 0 ? g : momentum * buf[i] + (1 - dampening) * g;
        g = nesterov ? g + momentum * buf[i] : buf[i];
      }
      p[i] = store(p[i] - lr * g);
    }
  });
  return momentum !== 0 ? { param: p, momentumBuffer: buf } : { param: p };
}

/**
 * Adam (or AdamW with `decoupled`) applied for each gradient of `grads` in turn to a copy of
 * `param`. Returns the parameter and both moments.
 *
 * @example
 * ```ts
 * import { optim } from "@flash-bla/flash-bla/reference";
 * const { adamReference } = optim;
 * const r = adamReference([1, 2], [[0.5, -0.5]], { lr: 0.01 });
 * console.log(r.param); // ≈ [0.99, 2.01]
 * ```
 */
export function adamReference(
  param: ArrayLike<number>,
  grads: readonly ArrayLike<number>[],
  options: AdamReferenceOptions,
  store: StoreParam = (v) => v,
): {
  param: Float64Array<ArrayBuffer>;
  expAvg: Float64Array<ArrayBuffer>;
  expAvgSq: Float64Array<ArrayBuffer>;
} {
  const { lr, betas: [b1, b2] = [0.9, 0.999], eps = 1e-8, weightDecay = 0 } = options;
  const p = Float64Array.from(param);
  const m = new Float64Array(p.length), v = new Float64Array(p.length);
  grads.forEach((grad, s) => {
    const t = s + 1;
    const stepSize = lr / (1 - b1 ** t), bc2Sqrt = Math.sqrt(1 - b2 ** t);
    for (let i = 0; i < p.length; i++) {
      let g = grad[i];
      if (options.decoupled) p[i] *= 1 - lr * weightDecay;
      else g += weightDecay * p[i];
      m[i] += (1 - b1) * (g - m[i]);
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      p[i] = store(p[i] - stepSize * m[i] / (Math.sqrt(v[i]) / bc2Sqrt + eps));
    }
  });
  return { param: p, expAvg: m, expAvgSq: v };
}

/**
 * `mean((prediction − target)²)` and its gradient `2·(prediction − target)/n`.
 *
 * @example
 * ```ts
 * import { optim } from "@flash-bla/flash-bla/reference";
 * const { mseLossReference } = optim;
 * console.log(mseLossReference([1, 2, 3], [1, 2, 5])); // { loss: 4/3, grad: [0, 0, -4/3] }
 * ```
 */
export function mseLossReference(
  prediction: ArrayLike<number>,
  target: ArrayLike<number>,
): { loss: number; grad: Float64Array<ArrayBuffer> } {
  const n = prediction.length;
  const grad = new Float64Array(n);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const d = prediction[i] - target[i];
    loss += d * d / n;
    grad[i] = 2 * d / n;
  }
  return { loss, grad };
}
