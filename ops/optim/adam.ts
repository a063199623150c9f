/**
 * Adam (L2 weight decay in the gradient) and AdamW (decoupled weight decay), as
 * `torch.optim.Adam` / `torch.optim.AdamW` without amsgrad.
 * @module
 */
import { checkAtLeast, type NamedTensors, Optimizer } from "./optimizer.ts";
import { checkOptionsObject } from "../_runtime/mod.ts";

/** Options of {@linkcode Adam} and {@linkcode AdamW} (PyTorch's names and defaults). */
export interface AdamOptions {
  /** Learning rate, ≥ 0; default 1e-3. */
  lr?: number;
  /** Decay rates `[β₁, β₂]` of the moment estimates, each in [0, 1); default `[0.9, 0.999]`. */
  betas?: readonly [number, number];
  /** Added to `√v̂` (outside the square root), ≥ 0; default 1e-8. */
  eps?: number;
  /** Weight decay, ≥ 0; default 0 for Adam (L2 in the gradient), 1e-2 for AdamW (decoupled). */
  weightDecay?: number;
}

function checkBeta(value: unknown, name: string): number {
  const b = checkAtLeast(value, 0, name);
  if (b >= 1) throw new RangeError(`${name} must be < 1, got ${b}`);
  return b;
}

/**
 * Adam on GPU tensors, one fused kernel per parameter tensor updating the parameter (f32 or
 * f16 storage, math in f32) and its f32 moments in place. Per element, at step t:
 *
 * ```
 * g = grad + weightDecay·p
 * m = m + (1 − β₁)(g − m);   v = β₂·v + (1 − β₂)·g²
 * p = p − lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + eps)
 * ```
 *
 * @example
 * ```ts
 * import { Adam, Tensor } from "@flash-bla/flash-bla";
 * using w = await Tensor.fromArray([1, 2, 3], [3]);
 * using gw = await Tensor.fromArray([0.5, -0.5, 0], [3]);
 * using opt = new Adam({ w }, { lr: 0.01 });
 * opt.step({ w: gw }); // w ≈ [0.99, 2.01, 3]
 * console.log(await w.read());
 * ```
 */
export class Adam extends Optimizer {
  /** `[β₁, β₂]`. */
  readonly betas: readonly [number, number];
  /** Added to the root of the second moment. */
  readonly eps: number;
  /** Weight decay (L2 for Adam, decoupled for AdamW). */
  readonly weightDecay: number;
  /** Whether the weight decay is decoupled (AdamW). */
  readonly decoupledWeightDecay: boolean;

  /**
   * Validates the options (as PyTorch does) and holds `params`; the moments are made at the
   * first step.
   *
   * @param params the tensors to train, by name (e.g. `layer.trainableParameters()`)
   * @param options learning rate, betas, eps, weight decay
   */
  constructor(params: NamedTensors, options: AdamOptions = {}) {
    super(params, "adam", checkOptionsObject(options).lr ?? 1e-3);
    const betas = options.betas ?? [0.9, 0.999];
    if (!Array.isArray(betas) || betas.length !== 2) {
      throw new TypeError(`betas must be a pair [β₁, β₂], got ${String(betas)}`);
    }
    this.betas = [checkBeta(betas[0], "betas[0]"), checkBeta(betas[1], "betas[1]")];
    this.eps = checkAtLeast(options.eps ?? 1e-8, 0, "eps");
    this.decoupledWeightDecay = this instanceof AdamW;
    this.weightDecay = checkAtLeast(
      options.weightDecay ?? (this.decoupledWeightDecay ? 1e-2 : 0),
      0,
      "weightDecay",
    );
  }

  /** Adam uniforms: bias corrections of step `step` folded into `step_size` and `bc2_sqrt`. */
  protected uniforms(step: number): Record<string, number> {
    const [beta1, beta2] = this.betas, wd = this.weightDecay;
    return {
      decay: this.decoupledWeightDecay ? 1 - this.lr * wd : 1,
      l2: this.decoupledWeightDecay ? 0 : wd,
      one_minus_beta1: 1 - beta1,
      beta2,
      one_minus_beta2: 1 - beta2,
      step_size: this.lr / (1 - beta1 ** step),
      bc2_sqrt: Math.sqrt(1 - beta2 ** step),
      eps: this.eps,
    };
  }
}

/**
 * AdamW: {@linkcode Adam} with decoupled weight decay (default 1e-2): each step first
 * multiplies the parameter by `1 − lr·weightDecay`, and the gradient gets no L2 term.
 *
 * @example
 * ```ts
 * import { AdamW, Tensor } from "@flash-bla/flash-bla";
 * using w = await Tensor.fromArray([1, 2, 3], [3]);
 * using gw = await Tensor.fromArray([0.5, -0.5, 0], [3]);
 * using opt = new AdamW(new Map([["w", w]]), { lr: 0.01, weightDecay: 0.1 });
 * opt.step(new Map([["w", gw]]));
 * console.log(await w.read());
 * ```
 */
export class AdamW extends Adam {}
