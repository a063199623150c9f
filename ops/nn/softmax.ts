/**
 * Softmax along one axis (docs/math.md §0.2), e.g. RALA's weights over the key tokens
 * `e_j = softmax_j(hd^{-1/2} · q̄·k_j)` (docs/math.md §6.5) on logits `[B, heads, N, 1]` along axis 2.
 * Forward and vjp.
 * @module
 */
import type { Vjp } from "../_runtime/autodiff.ts";
import { checkOptionsObject } from "../_runtime/checks.ts";
import { launch } from "../_runtime/kernel.ts";
import { Tensor } from "../_runtime/tensor.ts";
import { softmaxParams, softmaxStorage, softmaxWgsl } from "../../shaders/nn/softmax.ts";
import { checkTensors, makeVjp } from "./_common.ts";

/** Options of {@linkcode softmax}. */
export interface SoftmaxOptions {
  /** The axis to normalise along; negative counts from the end. Default −1. */
  axis?: number;
}

function plan(x: Tensor, options: SoftmaxOptions | undefined) {
  const rank = x.shape.length;
  const given = checkOptionsObject(options).axis ?? -1;
  const axis = given < 0 ? given + rank : given;
  if (!Number.isInteger(given) || axis < 0 || axis >= rank) {
    throw new RangeError(
      `options.axis must be an integer in [${-rank}, ${rank - 1}], got ${given}`,
    );
  }
  const prod = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);
  const outer = prod(x.shape.slice(0, axis)), inner = prod(x.shape.slice(axis + 1));
  return { outer, n: x.shape[axis], inner };
}

function run(
  x: Tensor,
  storage: Record<string, Tensor>,
  dims: ReturnType<typeof plan>,
  backward: boolean,
) {
  launch(x.device, {
    name: `nn_softmax_${backward ? "bwd" : "fwd"}`,
    constants: { dtype: x.dtype },
    storage: softmaxStorage(x.dtype, backward),
    uniforms: softmaxParams,
    wgsl: () => softmaxWgsl(x.dtype, backward),
  }, { storage, uniforms: dims, groups: dims.outer * dims.inner });
}

/**
 * Softmax of `x` (any shape) along `options.axis` (default −1), computed in f32 with the row
 * maximum subtracted. Returns x's shape.
 *
 * @example
 * ```ts
 * import { nn, Tensor } from "@flash-bla/flash-bla";
 * const { softmax } = nn;
 * using logits = await Tensor.fromArray([0, 1, 2, 0, 0, 0], [1, 3, 2]);
 * using e = softmax(logits, { axis: 1 }); // columns sum to 1
 * console.log(await e.read());
 * ```
 */
export function softmax(x: Tensor, options: SoftmaxOptions = {}): Tensor {
  checkTensors({ x });
  const dims = plan(x, options);
  const y = Tensor.empty(x.device, x.shape, x.dtype);
  run(x, { x, y }, dims, false);
  return y;
}

/**
 * Forward plus pullback of {@linkcode softmax}: `dx = y ⊙ (dy − Σ_axis y ⊙ dy)`. Keeps a
 * reference to the output (do not destroy it before the pullback).
 *
 * @example
 * ```ts
 * import { nn, Tensor } from "@flash-bla/flash-bla";
 * const { softmax } = nn;
 * using x = await Tensor.fromArray([0, 1, 2], [3]);
 * using v = softmax.vjp(x);
 * using dy = await Tensor.fromArray([1, 0, 0], [3]);
 * const { dx } = v.pullback(dy);
 * console.log(await dx.read());
 * ```
 */
softmax.vjp = (x: Tensor, options: SoftmaxOptions = {}): Vjp<Tensor, Tensor, { dx: Tensor }> => {
  const output = softmax(x, options);
  const dims = plan(x, options);
  return makeVjp(output, (dy) => {
    const dx = Tensor.empty(x.device, x.shape, x.dtype);
    run(x, { y: output, dy, dx }, dims, true);
    return { dx };
  }, { saved: { output } });
};
