/**
 * Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and L2
 * weight decay, as `torch.optim.SGD`.
 * @module
 */
import { checkAtLeast, type NamedTensors, Optimizer } from "./optimizer.ts";
import { checkFinite, checkOptionsObject } from "../_runtime/mod.ts";

/** Options of {@linkcode SGD} (PyTorch's names and defaults). */
export interface SGDOptions {
  /** Learning rate, ≥ 0; default 1e-3. */
  lr?: number;
  /** Momentum factor μ, ≥ 0; default 0 (no momentum buffer). */
  momentum?: number;
  /** Dampening τ of the momentum; default 0. */
  dampening?: number;
  /** L2 penalty added to the gradient (`g + wd·p`), ≥ 0; default 0. */
  weightDecay?: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0); default false. */
  nesterov?: boolean;
}

/**
 * SGD on GPU tensors, one fused kernel per parameter tensor updating the parameter (f32 or
 * f16 storage, math in f32) and its f32 momentum buffer in place. Per element, at step t:
 *
 * ```
 * g = grad + weightDecay·p
 * b = t == 1 ? g : momentum·b + (1 − dampening)·g          (only when momentum > 0)
 * g = nesterov ? g + momentum·b : b
 * p = p − lr·g
 * ```
 *
 * @example
 * ```ts
 * import { SGD, Tensor } from "@flash-bla/flash-bla";
 * using w = await Tensor.fromArray([1, 2, 3], [3]);
 * using gw = await Tensor.fromArray([0.5, 0.5, 0.5], [3]);
 * using opt = new SGD(new Map([["w", w]]), { lr: 0.1, momentum: 0.9 });
 * opt.step(new Map([["w", gw]])); // w = [0.95, 1.95, 2.95]
 * console.log(await w.read());
 * ```
 */
export class SGD extends Optimizer {
  /** Momentum factor. */
  readonly momentum: number;
  /** Dampening of the momentum. */
  readonly dampening: number;
  /** L2 weight decay. */
  readonly weightDecay: number;
  /** Whether the momentum is Nesterov's. */
  readonly nesterov: boolean;

  /**
   * Validates the options (as PyTorch does) and holds `params`; momentum buffers are made
   * at the first step.
   *
   * @param params the tensors to train, by name (e.g. `layer.trainableParameters()`)
   * @param options learning rate, momentum, dampening, weight decay, nesterov
   */
  constructor(params: NamedTensors, options: SGDOptions = {}) {
    const momentum = checkAtLeast(checkOptionsObject(options).momentum ?? 0, 0, "momentum");
    super(params, momentum > 0 ? "sgd_momentum" : "sgd", options.lr ?? 1e-3);
    this.momentum = momentum;
    this.dampening = checkFinite(options.dampening ?? 0, "dampening");
    this.weightDecay = checkAtLeast(options.weightDecay ?? 0, 0, "weightDecay");
    this.nesterov = options.nesterov ?? false;
    if (typeof this.nesterov !== "boolean") {
      throw new TypeError(`nesterov must be a boolean, got ${String(options.nesterov)}`);
    }
    if (this.nesterov && (momentum <= 0 || this.dampening !== 0)) {
      throw new RangeError(
        `nesterov needs momentum > 0 and dampening 0, got momentum ${momentum}, dampening ${this.dampening}`,
      );
    }
  }

  /** SGD uniforms. */
  protected uniforms(step: number): Record<string, number> {
    return {
      lr: this.lr,
      weight_decay: this.weightDecay,
      momentum: this.momentum,
      one_minus_dampening: 1 - this.dampening,
      first_step: step === 1 ? 1 : 0,
      nesterov: this.nesterov ? 1 : 0,
    };
  }
}
