/**
 * The strided "spatial reduction" conv `SR` of Focused/Pola (docs/math.md §0.2: Conv2d(C, C,
 * kernel = stride = sr, no padding, bias)) on tokens: `[B, H·W, C]` → `[B, ⌊H/sr⌋·⌊W/sr⌋, C]`.
 * Its patches do not overlap, so it is a gather of each sr×sr patch (channel-major, as the
 * weight `[C_out, C, sr, sr]` is laid out) followed by {@linkcode linear}; the gradient is the
 * linear's gradient scattered back (pixels past ⌊H/sr⌋·sr or ⌊W/sr⌋·sr get 0).
 * @module
 */
import type { Vjp } from "../_runtime/autodiff.ts";
import { Tensor } from "../_runtime/tensor.ts";
import { checkImageTokens, checkInt, checkShapeIs, checkTensors } from "./_common.ts";
import { contiguous, fillZero, stridedCopy } from "./_copy.ts";
import type { ImageSizeOptions } from "./dwconv.ts";
import { linear } from "./matmul.ts";

/** Options of {@linkcode spatialReductionConv}: the token grid and the ratio. */
export interface SpatialReductionOptions extends ImageSizeOptions {
  /** Kernel size and stride `sr` (≥ 1). */
  ratio: number;
}

/** Gradients of {@linkcode spatialReductionConv}. */
export interface SpatialReductionGrads {
  /** `[B, H·W, C]`. */
  dx: Tensor;
  /** `[C_out, C, sr, sr]`. */
  dweight: Tensor;
  /** `[C_out]`. */
  dbias: Tensor;
}

function plan(x: Tensor, weight: Tensor, bias: Tensor, options: SpatialReductionOptions) {
  checkTensors({ x, weight, bias });
  const { batch, n, c, h, w } = checkImageTokens(x, options);
  const sr = checkInt(options?.ratio, 1, "options.ratio");
  if (sr > h || sr > w) {
    throw new RangeError(`options.ratio (${sr}) must not exceed the image size ${h}×${w}`);
  }
  const cOut = weight.shape[0];
  checkShapeIs(weight, [cOut, c, sr, sr], "weight");
  checkShapeIs(bias, [cOut], "bias");
  const ho = Math.floor(h / sr), wo = Math.floor(w / sr);
  // Patch element (b, r, s, ch, a, e) reads pixel (r·sr + a, s·sr + e) of channel ch.
  const shape = [batch, ho, wo, c, sr, sr];
  const strides = [n * c, sr * w * c, sr * c, 1, w * c, c];
  return { batch, h, w, c, sr, cOut, ho, wo, shape, strides };
}

// A copy of `t` with another shape of the same size (tensors cannot share buffers).
function reshaped(t: Tensor, shape: number[]): Tensor {
  const out = Tensor.empty(t.device, shape, t.dtype);
  stridedCopy([t.size], { tensor: t, offset: 0, strides: [1] }, {
    tensor: out,
    offset: 0,
    strides: [1],
  });
  return out;
}

function patchesOf(x: Tensor, p: ReturnType<typeof plan>): Tensor {
  const patches = Tensor.empty(x.device, [p.batch, p.ho * p.wo, p.c * p.sr * p.sr], x.dtype);
  stridedCopy(p.shape, { tensor: x, offset: 0, strides: p.strides }, {
    tensor: patches,
    offset: 0,
    strides: contiguous(p.shape),
  });
  return patches;
}

/**
 * Spatial-reduction conv on tokens: `x` `[B, H·W, C]`, `weight` `[C_out, C, sr, sr]`, `bias`
 * `[C_out]` → `[B, ⌊H/sr⌋·⌊W/sr⌋, C_out]`, output token `r·⌊W/sr⌋ + s`.
 *
 * @example
 * ```ts
 * import { nn, Tensor } from "@flash-bla/flash-bla";
 * const { spatialReductionConv } = nn;
 * const [B, H, W, C, sr] = [1, 5, 4, 3, 2];
 * using x = await Tensor.fromArray(new Float32Array(B * H * W * C).fill(1), [B, H * W, C]);
 * using w = await Tensor.fromArray(new Float32Array(C * C * sr * sr).fill(0.5), [C, C, sr, sr]);
 * using b = await Tensor.fromArray(new Float32Array(C), [C]);
 * using y = spatialReductionConv(x, w, b, { height: H, width: W, ratio: sr }); // [1, 4, 3]: 6
 * console.log(y.shape, await y.read());
 * ```
 */
export function spatialReductionConv(
  x: Tensor,
  weight: Tensor,
  bias: Tensor,
  options: SpatialReductionOptions,
): Tensor {
  const p = plan(x, weight, bias, options);
  const patches = patchesOf(x, p);
  const w2 = reshaped(weight, [p.cOut, p.c * p.sr * p.sr]);
  const y = linear(patches, w2, bias);
  patches.destroy();
  w2.destroy();
  return y;
}

/**
 * Forward plus pullback of {@linkcode spatialReductionConv}. Keeps the gathered patches
 * (`B·⌊H/sr⌋·⌊W/sr⌋·C·sr²` elements, at most the size of x) and a flat copy of the weight,
 * freed by `dispose()`.
 *
 * @example
 * ```ts
 * import { nn, Tensor } from "@flash-bla/flash-bla";
 * const { spatialReductionConv } = nn;
 * using x = await Tensor.fromArray(new Float32Array(2 * 2 * 2).fill(1), [1, 4, 2]);
 * using w = await Tensor.fromArray(new Float32Array(2 * 2 * 4).fill(1), [2, 2, 2, 2]);
 * using b = await Tensor.fromArray([0, 0], [2]);
 * using v = spatialReductionConv.vjp(x, w, b, { height: 2, width: 2, ratio: 2 });
 * const { dx, dweight, dbias } = v.pullback(v.output);
 * console.log(await dx.read(), dweight.shape, await dbias.read());
 * ```
 */
spatialReductionConv.vjp = (
  x: Tensor,
  weight: Tensor,
  bias: Tensor,
  options: SpatialReductionOptions,
): Vjp<Tensor, Tensor, SpatialReductionGrads> => {
  const p = plan(x, weight, bias, options);
  const patches = patchesOf(x, p);
  const w2 = reshaped(weight, [p.cOut, p.c * p.sr * p.sr]);
  const lin = linear.vjp(patches, w2, bias);
  const release = () => {
    lin.dispose();
    patches.destroy();
    w2.destroy();
  };
  return {
    output: lin.output,
    pullback(dy: Tensor): SpatialReductionGrads {
      const g = lin.pullback(dy);
      const dx = Tensor.empty(x.device, x.shape, x.dtype);
      if (p.h % p.sr !== 0 || p.w % p.sr !== 0) fillZero(dx);
      stridedCopy(p.shape, { tensor: g.dx, offset: 0, strides: contiguous(p.shape) }, {
        tensor: dx,
        offset: 0,
        strides: p.strides,
      });
      const dweight = reshaped(g.dweight, [...weight.shape]);
      g.dx.destroy();
      g.dweight.destroy();
      return { dx, dweight, dbias: g.dbias! };
    },
    dispose: release,
    [Symbol.dispose]: release,
  };
};
