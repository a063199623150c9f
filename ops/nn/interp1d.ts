/**
 * 1-D linear interpolation along the token axis (docs/math.md §0.2 `interp1d_linear`,
 * align_corners=False), as Focused/Pola upsample values from n key tokens to N query tokens
 * when `sr_ratio > 1` (docs/math.md §6.3: over the flattened token order, not bilinear). Forward and
 * vjp.
 * @module
 */
import type { Vjp } from "../_runtime/autodiff.ts";
import { launch } from "../_runtime/kernel.ts";
import { Tensor } from "../_runtime/tensor.ts";
import { interp1dParams, interp1dStorage, interp1dWgsl } from "../../shaders/nn/interp1d.ts";
import {
  checkInt,
  checkTensors,
  elementGroups,
  emptyInBinding,
  fmtShape,
  makeVjp,
} from "./_common.ts";

function plan(x: Tensor, size: number) {
  checkTensors({ x });
  if (x.shape.length < 2) {
    throw new RangeError(`x must have shape [..., n, C], got ${fmtShape(x.shape)}`);
  }
  checkInt(size, 1, "size");
  const [n, c] = x.shape.slice(-2);
  if (n === 0 || c === 0) throw new RangeError(`x must be non-empty, got ${fmtShape(x.shape)}`);
  const outer = x.size / (n * c);
  // PyTorch's scale n/N, in f32.
  return { outer, n, big_n: size, c, scale: Math.fround(n / size) };
}

function run(src: Tensor, dst: Tensor, dims: ReturnType<typeof plan>, backward: boolean) {
  launch(src.device, {
    name: `nn_interp1d_${backward ? "bwd" : "fwd"}`,
    constants: { dtype: src.dtype },
    storage: interp1dStorage(src.dtype, backward),
    uniforms: interp1dParams,
    wgsl: () => interp1dWgsl(src.dtype, backward),
  }, {
    storage: backward ? { dy: src, dx: dst } : { x: src, y: dst },
    uniforms: dims,
    groups: elementGroups(dst.size),
  });
}

/**
 * Resamples `x` `[..., n, C]` along axis −2 to `size` tokens: output t reads source
 * `src = max((t + 0.5)·n/size − 0.5, 0)` between ⌊src⌋ and min(⌊src⌋ + 1, n − 1). Works for
 * token (`[B, n, C]`) and head (`[B, heads, n, hd]`) layouts alike. Returns `[..., size, C]`.
 *
 * @example
 * ```ts
 * import { nn, Tensor } from "@flash-bla/flash-bla";
 * const { interpolateTokens } = nn;
 * using x = await Tensor.fromArray([0, 10], [1, 2, 1]);
 * using y = interpolateTokens(x, 4); // [0, 2.5, 7.5, 10]
 * console.log(await y.read());
 * ```
 */
export function interpolateTokens(x: Tensor, size: number): Tensor {
  const dims = plan(x, size);
  const shape = [...x.shape.slice(0, -2), size, dims.c];
  const y = emptyInBinding(x.device, shape, x.dtype, `interpolateTokens: size ${size} gives`);
  run(x, y, dims, false);
  return y;
}

/**
 * Forward plus pullback of {@linkcode interpolateTokens} (`dx` `[..., n, C]`). Keeps nothing.
 *
 * @example
 * ```ts
 * import { nn, Tensor } from "@flash-bla/flash-bla";
 * const { interpolateTokens } = nn;
 * using x = await Tensor.fromArray([0, 10], [1, 2, 1]);
 * using v = interpolateTokens.vjp(x, 4);
 * using dy = await Tensor.fromArray([1, 1, 1, 1], [1, 4, 1]);
 * const { dx } = v.pullback(dy); // [2, 2]
 * console.log(await dx.read());
 * ```
 */
interpolateTokens.vjp = (x: Tensor, size: number): Vjp<Tensor, Tensor, { dx: Tensor }> => {
  const dims = plan(x, size);
  return makeVjp(interpolateTokens(x, size), (dy) => {
    const dx = Tensor.empty(x.device, x.shape, x.dtype);
    run(dy, dx, dims, true);
    return { dx };
  });
};
