/**
 * Depthwise conv2d `DW_k` (docs/math.md §0.2) on tokens: `x` `[B, H·W, C]` seen as the image
 * `(B, C, H, W)` with token n = r·W + c, odd kernel size k, padding k//2, stride 1, bias;
 * output tokens `[B, H·W, C]`. Forward and vjp (dx, dweight, dbias).
 * @module
 */
import type { Vjp } from "../_runtime/autodiff.ts";
import { launch } from "../_runtime/kernel.ts";
import { Tensor } from "../_runtime/tensor.ts";
import {
  dwconvParams,
  type DwconvPass,
  dwconvStorage,
  dwconvWgsl,
} from "../../shaders/nn/dwconv.ts";
import { CHANNEL_CHUNK } from "../../shaders/nn/common.ts";
import {
  channelChunkGroups,
  checkImageTokens,
  checkShapeIs,
  checkTensors,
  elementGroups,
  fmtShape,
  makeVjp,
  sumPartials,
} from "./_common.ts";

/** Options of {@linkcode depthwiseConv2d}: the image size of the token grid. */
export interface ImageSizeOptions {
  /** Image height H (rows). */
  height: number;
  /** Image width W (columns); `H·W` must equal the token count. */
  width: number;
}

/** Gradients of {@linkcode depthwiseConv2d}. */
export interface DepthwiseConv2dGrads {
  /** `[B, H·W, C]`. */
  dx: Tensor;
  /** `[cw, 1, k, k]`, like the weight. */
  dweight: Tensor;
  /** `[cw]`. */
  dbias: Tensor;
}

function check(x: Tensor, weight: Tensor, bias: Tensor, options: ImageSizeOptions) {
  checkTensors({ x, weight, bias });
  const { batch, n, c, h, w } = checkImageTokens(x, options);
  const [cw, one, k, k2] = weight.shape;
  if (weight.shape.length !== 4 || one !== 1 || k !== k2 || k % 2 !== 1 || c % cw !== 0) {
    throw new RangeError(
      `weight must have shape [cw, 1, k, k] with odd k and cw dividing C = ${c}, got ${
        fmtShape(weight.shape)
      }`,
    );
  }
  checkShapeIs(bias, [cw], "bias");
  // The parameter gradient sums each channel's tokens (over the batch) in chunks.
  const chunks = Math.ceil((batch * n) / CHANNEL_CHUNK);
  return { batch, h, w, c, cw, k, chunk: CHANNEL_CHUNK, chunks };
}

function run(
  pass: DwconvPass,
  dims: ReturnType<typeof check>,
  storage: Record<string, Tensor>,
  groups: number,
): void {
  const t = Object.values(storage)[0]; // every tensor has the op's dtype
  launch(t.device, {
    name: `nn_dwconv_${pass}`,
    constants: { dtype: t.dtype, k: dims.k },
    storage: dwconvStorage(pass, t.dtype),
    uniforms: dwconvParams,
    wgsl: () => dwconvWgsl(pass, t.dtype, dims.k),
  }, { storage, uniforms: dims, groups });
}

/**
 * Depthwise conv2d on tokens. `weight` `[cw, 1, k, k]` (k odd) and `bias` `[cw]`: channel ch of
 * `x` uses weight channel `ch % cw`, so cw = C is PyTorch's `Conv2d(C, C, k, padding=k//2,
 * groups=C)` (MLLA/RALA `lepe`), and cw = hd with `x` the merged heads `[B, N, heads·hd]` is
 * Focused/Pola's `dwc` shared by all heads (docs/math.md §6.3). Returns `[B, H·W, C]`.
 *
 * @example
 * ```ts
 * import { nn, Tensor } from "@flash-bla/flash-bla";
 * const { depthwiseConv2d } = nn;
 * const [B, H, W, C] = [1, 2, 3, 4];
 * using x = await Tensor.fromArray(new Float32Array(B * H * W * C).fill(1), [B, H * W, C]);
 * using w = await Tensor.fromArray(new Float32Array(C * 9).fill(1), [C, 1, 3, 3]);
 * using b = await Tensor.fromArray(new Float32Array(C), [C]);
 * using y = depthwiseConv2d(x, w, b, { height: H, width: W }); // corner tokens: 4
 * console.log(await y.read());
 * ```
 */
export function depthwiseConv2d(
  x: Tensor,
  weight: Tensor,
  bias: Tensor,
  options: ImageSizeOptions,
): Tensor {
  const dims = check(x, weight, bias, options);
  const y = Tensor.empty(x.device, x.shape, x.dtype);
  run("forward", dims, { x, weight, bias, y }, elementGroups(x.size));
  return y;
}

/**
 * Forward plus pullback of {@linkcode depthwiseConv2d}. Keeps references to `x` and `weight`.
 *
 * @example
 * ```ts
 * import { nn, Tensor } from "@flash-bla/flash-bla";
 * const { depthwiseConv2d } = nn;
 * using x = await Tensor.fromArray(new Float32Array(12).fill(1), [1, 6, 2]);
 * using w = await Tensor.fromArray(new Float32Array(9).fill(1), [1, 1, 3, 3]);
 * using b = await Tensor.fromArray([0], [1]);
 * using v = depthwiseConv2d.vjp(x, w, b, { height: 2, width: 3 });
 * const { dx, dweight, dbias } = v.pullback(v.output);
 * console.log(await dweight.read(), await dbias.read());
 * ```
 */
depthwiseConv2d.vjp = (
  x: Tensor,
  weight: Tensor,
  bias: Tensor,
  options: ImageSizeOptions,
): Vjp<Tensor, Tensor, DepthwiseConv2dGrads> => {
  const dims = check(x, weight, bias, options);
  const output = depthwiseConv2d(x, weight, bias, options);
  return makeVjp(output, (dy) => {
    const dx = Tensor.empty(x.device, x.shape, x.dtype);
    const dweight = Tensor.empty(x.device, weight.shape, x.dtype);
    const dbias = Tensor.empty(x.device, bias.shape, x.dtype);
    run("grad_x", dims, { dy, weight, dx }, elementGroups(x.size));
    const taps = dims.k * dims.k;
    const cols = dims.chunks * (dims.c / dims.cw);
    const partial = Tensor.empty(x.device, [dims.cw * (taps + 1), cols], "f32");
    run("grad_params", dims, { x, dy, partial }, channelChunkGroups(dims.c, dims.chunks));
    sumPartials(partial, dweight, 0);
    sumPartials(partial, dbias, dims.cw * taps);
    partial.destroy();
    return { dx, dweight, dbias };
  }, { saved: { x, weight } });
};
