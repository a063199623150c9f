/**
 * LayerNorm over the last axis (docs/math.md §0.2): `(x − μ) / sqrt(var + eps) · weight + bias`, biased
 * variance, default eps 1e-5; forward and vjp (dx, dweight, dbias).
 * @module
 */
import type { Vjp } from "../_runtime/autodiff.ts";
import { checkFinite } from "../_runtime/checks.ts";
import { launch } from "../_runtime/kernel.ts";
import { Tensor } from "../_runtime/tensor.ts";
import {
  layerNormParams,
  type LayerNormPass,
  layerNormStorage,
  layerNormWgsl,
} from "../../shaders/nn/layer_norm.ts";
import { CHANNEL_CHUNK } from "../../shaders/nn/common.ts";
import {
  channelChunkGroups,
  checkShapeIs,
  checkTensors,
  emptyInBinding,
  makeVjp,
  sumPartials,
} from "./_common.ts";

/** Options of {@linkcode layerNorm}. */
export interface LayerNormOptions {
  /** Added to the variance inside the square root; default 1e-5 (PyTorch). */
  eps?: number;
}

/** Gradients of {@linkcode layerNorm}. */
export interface LayerNormGrads {
  /** `[..., C]`, like x. */
  dx: Tensor;
  /** `[C]`. */
  dweight: Tensor;
  /** `[C]`. */
  dbias: Tensor;
}

function run(
  pass: LayerNormPass,
  x: Tensor,
  storage: Record<string, Tensor>,
  groups: number,
  eps: number,
) {
  const c = x.shape[x.shape.length - 1];
  launch(x.device, {
    name: `nn_layer_norm_${pass}`,
    constants: { dtype: x.dtype },
    storage: layerNormStorage(pass, x.dtype),
    uniforms: layerNormParams,
    wgsl: () => layerNormWgsl(pass, x.dtype),
  }, {
    storage,
    uniforms: {
      rows: x.size / c,
      c,
      eps,
      chunk: CHANNEL_CHUNK,
      chunks: Math.ceil(x.size / c / CHANNEL_CHUNK),
    },
    groups,
  });
}

function forward(x: Tensor, weight: Tensor, bias: Tensor, options: LayerNormOptions) {
  checkTensors({ x, weight, bias });
  const eps = checkFinite(options.eps ?? 1e-5, "options.eps");
  if (eps < 0) throw new RangeError(`options.eps must be ≥ 0, got ${eps}`);
  const c = x.shape[x.shape.length - 1];
  if (c === 0) throw new RangeError(`x must have a non-empty last axis, got shape [${x.shape}]`);
  checkShapeIs(weight, [c], "weight");
  checkShapeIs(bias, [c], "bias");
  const rows = x.size / c;
  const y = Tensor.empty(x.device, x.shape, x.dtype);
  const stats = emptyInBinding(x.device, [rows, 2], "f32", "layerNorm: the row statistics");
  run("forward", x, { x, w: weight, b: bias, y, stats }, rows, eps);
  return { y, stats, eps };
}

/**
 * LayerNorm over the last axis of `x` `[..., C]` with `weight` and `bias` `[C]` (same dtype
 * as x). Returns `[..., C]`.
 *
 * @example
 * ```ts
 * import { nn, Tensor } from "@flash-bla/flash-bla";
 * const { layerNorm } = nn;
 * using x = await Tensor.fromArray([1, 2, 3, 4, 6, 8], [2, 3]);
 * using w = await Tensor.fromArray([1, 1, 1], [3]);
 * using b = await Tensor.fromArray([0, 0, 0], [3]);
 * using y = layerNorm(x, w, b); // each row ≈ [-1.2247, 0, 1.2247]
 * console.log(await y.read());
 * ```
 */
export function layerNorm(
  x: Tensor,
  weight: Tensor,
  bias: Tensor,
  options: LayerNormOptions = {},
): Tensor {
  const { y, stats } = forward(x, weight, bias, options);
  stats.destroy();
  return y;
}

/**
 * Forward plus pullback of {@linkcode layerNorm}. Keeps references to `x` and `weight` and
 * the per-row mean and 1/std (8 bytes per row).
 *
 * @example
 * ```ts
 * import { nn, Tensor } from "@flash-bla/flash-bla";
 * const { layerNorm } = nn;
 * using x = await Tensor.fromArray([1, 2, 3, 4, 6, 8], [2, 3]);
 * using w = await Tensor.fromArray([1, 2, 3], [3]);
 * using b = await Tensor.fromArray([0, 0, 0], [3]);
 * using v = layerNorm.vjp(x, w, b);
 * using dy = await Tensor.fromArray([1, 0, 0, 0, 0, 1], [2, 3]);
 * const { dx, dweight, dbias } = v.pullback(dy);
 * console.log(await dx.read(), await dweight.read(), await dbias.read());
 * ```
 */
layerNorm.vjp = (
  x: Tensor,
  weight: Tensor,
  bias: Tensor,
  options: LayerNormOptions = {},
): Vjp<Tensor, Tensor, LayerNormGrads> => {
  const { y, stats, eps } = forward(x, weight, bias, options);
  const c = x.shape[x.shape.length - 1];
  return makeVjp(y, (dy) => {
    const dx = Tensor.empty(x.device, x.shape, x.dtype);
    const dweight = Tensor.empty(x.device, [c], x.dtype);
    const dbias = Tensor.empty(x.device, [c], x.dtype);
    run("grad_x", x, { x, w: weight, dy, stats, dx }, x.size / c, eps);
    const chunks = Math.ceil(x.size / c / CHANNEL_CHUNK);
    const partial = Tensor.empty(x.device, [2, c, chunks], "f32");
    run("grad_params", x, { x, dy, stats, partial }, channelChunkGroups(c, chunks), eps);
    sumPartials(partial, dweight, 0);
    sumPartials(partial, dbias, c);
    partial.destroy();
    return { dx, dweight, dbias };
  }, { saved: { x, weight }, release: () => stats.destroy() });
};
