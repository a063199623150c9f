/**
 * Activations of docs/math.md §0.2 (PyTorch defaults): ELU (α = 1), ReLU, LeakyReLU (slope 0.01),
 * softplus (β = 1, threshold 20) and sigmoid, each `f(x) + shift`, with a vjp.
 * @module
 */
import type { Vjp } from "../_runtime/autodiff.ts";
import { checkFinite, checkOptionsObject } from "../_runtime/checks.ts";
import { launch } from "../_runtime/kernel.ts";
import { Tensor } from "../_runtime/tensor.ts";
import {
  type ActivationKind,
  activationParams,
  activationStorage,
  activationWgsl,
} from "../../shaders/nn/elementwise.ts";
import { checkTensors, elementwiseGroups, makeVjp } from "./_common.ts";

/** Options of the activations. */
export interface ActivationOptions {
  /** Constant added to the result, e.g. 1 for "elu+1" or 1e-6 for Focused's `relu + 1e-6`. Default 0. */
  shift?: number;
  /** Negative slope of {@linkcode leakyRelu}; default 0.01. Ignored by the others. */
  slope?: number;
}

/** Gradient of an activation: `dx = dy · f'(x)`. */
export interface ActivationGrads {
  /** Gradient of the input, shape of `x`. */
  dx: Tensor;
}

/** An activation: `f(x) + shift` elementwise, any shape, f32 or f16 (f32 arithmetic). */
export interface Activation {
  (x: Tensor, options?: ActivationOptions): Tensor;
  /** Forward plus pullback; keeps a reference to `x` (do not destroy it before the pullback). */
  vjp(x: Tensor, options?: ActivationOptions): Vjp<Tensor, Tensor, ActivationGrads>;
}

function kernel(kind: ActivationKind, dtype: Tensor["dtype"], backward: boolean) {
  return {
    name: `nn_${kind}_${backward ? "bwd" : "fwd"}`,
    constants: { dtype },
    storage: activationStorage(dtype, backward),
    uniforms: activationParams,
    wgsl: () => activationWgsl(kind, dtype, backward),
  };
}

function makeActivation(kind: ActivationKind): Activation {
  const params = (x: Tensor, given: ActivationOptions | undefined) => {
    const options = checkOptionsObject(given);
    return {
      n: x.size,
      shift: checkFinite(options.shift ?? 0, "options.shift"),
      slope: checkFinite(options.slope ?? 0.01, "options.slope"),
    };
  };
  const forward = (x: Tensor, options: ActivationOptions = {}): Tensor => {
    checkTensors({ x });
    const uniforms = params(x, options);
    const y = Tensor.empty(x.device, x.shape, x.dtype);
    launch(x.device, kernel(kind, x.dtype, false), {
      storage: { x, y },
      uniforms,
      groups: elementwiseGroups(x.size),
    });
    return y;
  };
  const vjp = (x: Tensor, options: ActivationOptions = {}) => {
    const output = forward(x, options);
    return makeVjp(output, (dy) => {
      const dx = Tensor.empty(x.device, x.shape, x.dtype);
      launch(x.device, kernel(kind, x.dtype, true), {
        storage: { x, dy, dx },
        uniforms: params(x, options),
        groups: elementwiseGroups(x.size),
      });
      return { dx };
    }, { saved: { x } });
  };
  return Object.assign(forward, { vjp });
}

/**
 * `elu(x) + shift` with α = 1: `x` for x > 0, else `exp(x) − 1`. Use `shift: 1` for the
 * "elu+1" feature map (or {@linkcode eluPlusOne}).
 *
 * @example
 * ```ts
 * import { nn, Tensor } from "@flash-bla/flash-bla";
 * const { elu } = nn;
 * using x = await Tensor.fromArray([-1, 0, 2], [3]);
 * using y = elu(x, { shift: 1 }); // [e^-1, 1, 3]
 * console.log(await y.read());
 * ```
 */
export const elu: Activation = makeActivation("elu");

/**
 * `elu(x) + 1` (> 0): the positive feature map of LinFusion, MLLA and RALA (docs/math.md §6).
 *
 * @example
 * ```ts
 * import { nn, Tensor } from "@flash-bla/flash-bla";
 * const { eluPlusOne } = nn;
 * using x = await Tensor.fromArray([-1, 0, 2], [3]);
 * const { output, pullback } = eluPlusOne.vjp(x);
 * using dy = await Tensor.fromArray([1, 1, 1], [3]);
 * const { dx } = pullback(dy); // [e^-1, 1, 1]
 * console.log(await output.read(), await dx.read());
 * ```
 */
export const eluPlusOne: Activation = Object.assign(
  (x: Tensor, options: ActivationOptions = {}) => elu(x, { shift: 1, ...options }),
  { vjp: (x: Tensor, options: ActivationOptions = {}) => elu.vjp(x, { shift: 1, ...options }) },
);

/**
 * `max(x, 0) + shift` (Focused: `relu(x) + 1e-6` with `shift: 1e-6`).
 *
 * @example
 * ```ts
 * import { nn, Tensor } from "@flash-bla/flash-bla";
 * const { relu } = nn;
 * using x = await Tensor.fromArray([-1, 0.5], [2]);
 * using y = relu(x, { shift: 1e-6 });
 * console.log(await y.read()); // [1e-6, 0.500001]
 * ```
 */
export const relu: Activation = makeActivation("relu");

/**
 * LeakyReLU: `x` for x ≥ 0, else `slope · x` (default slope 0.01), plus `shift`.
 *
 * @example
 * ```ts
 * import { nn, Tensor } from "@flash-bla/flash-bla";
 * const { leakyRelu } = nn;
 * using x = await Tensor.fromArray([-2, 3], [2]);
 * using y = leakyRelu(x);
 * console.log(await y.read()); // [-0.02, 3]
 * ```
 */
export const leakyRelu: Activation = makeActivation("leaky_relu");

/**
 * softplus: `log(1 + exp(x))`, or `x` where x > 20 (PyTorch β = 1, threshold = 20), plus `shift`.
 *
 * @example
 * ```ts
 * import { nn, Tensor } from "@flash-bla/flash-bla";
 * const { softplus } = nn;
 * using x = await Tensor.fromArray([0, 30], [2]);
 * using y = softplus(x);
 * console.log(await y.read()); // [0.6931, 30]
 * ```
 */
export const softplus: Activation = makeActivation("softplus");

/**
 * sigmoid: `1 / (1 + exp(−x))`, plus `shift`.
 *
 * @example
 * ```ts
 * import { nn, Tensor } from "@flash-bla/flash-bla";
 * const { sigmoid } = nn;
 * using x = await Tensor.fromArray([0], [1]);
 * using y = sigmoid(x);
 * console.log(await y.read()); // [0.5]
 * ```
 */
export const sigmoid: Activation = makeActivation("sigmoid");
