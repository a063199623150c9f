/**
 * 2-D rotary position embedding (docs/math.md §6.2) in both layouts: over the full channels (MLLA) and
 * per head (RALA), plus the rotation table `rope.rotations` computed in f32 as the original
 * does. Forward and vjp (`dx` = dy rotated back by −φ).
 * @module
 */
import type { Vjp } from "../_runtime/autodiff.ts";
import { checkTensor } from "../_runtime/checks.ts";
import { launch } from "../_runtime/kernel.ts";
import { checkDtype, type DType, Tensor } from "../_runtime/tensor.ts";
import { bufferBytes, checkBufferBytes, checkDevice } from "../_runtime/device_checks.ts";
import { rope2dParams, rope2dStorage, rope2dWgsl } from "../../shaders/nn/rope2d.ts";
import { checkInt, checkTensors, elementGroups, fmtShape, makeVjp } from "./_common.ts";

function checkGrid(h: number, w: number, f: number): void {
  checkInt(h, 1, "height");
  checkInt(w, 1, "width");
  checkInt(f, 4, "features");
  if (f % 4 !== 0) throw new RangeError(`features must be a multiple of 4, got ${f}`);
}

/**
 * The RoPE table for an `H × W` grid and rotated width F (F % 4 = 0): `[H, W, F/2, 2]` of
 * (cos φ, sin φ), with `θ_m = 1/10000^{m/(F/4)}` and φ = r·θ_p for pairs p < F/4 (rows), else
 * c·θ_{p−F/4} (columns), every step rounded to f32 as PyTorch computes it (docs/math.md §6.2). The
 * original's assert allows F % 4 ≠ 0, which breaks its RoPE (docs/math.md §11.11); here it is a
 * RangeError.
 */
export function rope2dRotationsData(h: number, w: number, f: number): Float32Array<ArrayBuffer> {
  checkGrid(h, w, f);
  const kMax = f / 4, fr = Math.fround;
  const theta = Array.from({ length: kMax }, (_, m) => fr(1 / fr(10000 ** fr(m / kMax))));
  const out = new Float32Array(h * w * f);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      for (let p = 0; p < 2 * kMax; p++) {
        const angle = p < kMax ? fr(r * theta[p]) : fr(c * theta[p - kMax]);
        const o = ((r * w + c) * 2 * kMax + p) * 2;
        out[o] = Math.cos(angle);
        out[o + 1] = Math.sin(angle);
      }
    }
  }
  return out;
}

/**
 * {@linkcode rope2dRotationsData} as a tensor `[H, W, F/2, 2]` on `device` (default f32), the
 * `rope.rotations` buffer of MLLA (F = C) and RALA (F = head dim).
 *
 * @example
 * ```ts
 * import { getDefaultDevice } from "@flash-bla/flash-bla";
 * import { nn } from "@flash-bla/flash-bla";
 * const { rope2dRotations } = nn;
 * using rot = rope2dRotations(await getDefaultDevice(), 4, 6, 8); // [4, 6, 4, 2]
 * console.log(rot.shape);
 * ```
 */
export function rope2dRotations(
  device: GPUDevice,
  height: number,
  width: number,
  features: number,
  dtype: DType = "f32",
): Tensor {
  checkDevice(device, "device");
  checkGrid(height, width, features);
  const shape = [height, width, features / 2, 2];
  checkDtype(device, dtype, "dtype");
  checkBufferBytes(device, bufferBytes(shape, dtype), `rope2dRotations [${shape.join(", ")}]`);
  const data = rope2dRotationsData(height, width, features);
  return Tensor.fromArraySync(device, data, shape, dtype);
}

function check(x: Tensor, rotations: Tensor) {
  checkTensors({ x });
  checkTensor(rotations, "rotations");
  if (rotations.device !== x.device) throw new TypeError("rotations is on another device than x");
  const [h, w, half, two] = rotations.shape;
  if (rotations.shape.length !== 4 || two !== 2) {
    throw new RangeError(
      `rotations must have shape [H, W, F/2, 2], got ${fmtShape(rotations.shape)}`,
    );
  }
  const rank = x.shape.length, f = 2 * half;
  const [n, l] = x.shape.slice(rank - 2);
  if (rank < 2 || n !== h * w || l % f !== 0) {
    throw new RangeError(
      `x must have shape [..., H·W = ${h * w}, L] with L a multiple of F = ${f} (rotations ` +
        `${fmtShape(rotations.shape)}), got ${fmtShape(x.shape)}`,
    );
  }
  return { n, l, f };
}

function rotate(x: Tensor, rotations: Tensor, inverse: boolean): Tensor {
  const dims = check(x, rotations);
  const y = Tensor.empty(x.device, x.shape, x.dtype);
  launch(x.device, {
    name: `nn_rope2d_${inverse ? "inverse" : "forward"}`,
    constants: { dtype: x.dtype, table: rotations.dtype },
    storage: rope2dStorage(x.dtype, rotations.dtype),
    uniforms: rope2dParams,
    wgsl: () => rope2dWgsl(x.dtype, rotations.dtype, inverse),
  }, {
    storage: { x, rot: rotations, y },
    uniforms: { pairs: x.size / 2, ...dims },
    groups: elementGroups(x.size / 2),
  });
  return y;
}

/**
 * 2-D RoPE of `x` `[..., N, L]` (N = H·W tokens, token n = r·W + c) with `rotations`
 * `[H, W, F/2, 2]` (f32 or f16; see {@linkcode rope2dRotations}): pair (2p, 2p+1) of each
 * F-channel group turns by φ(r, c, p). Layouts:
 * - MLLA, full channels: `x` `[B, N, C]`, table F = C (heads then see only rows or only columns).
 * - RALA, per head: `x` `[B, heads, N, hd]` or `[B, N, heads·hd]`, table F = hd.
 * The output keeps x's dtype (the original forces f32, docs/math.md §11.11).
 *
 * @example
 * ```ts
 * import { nn, Tensor } from "@flash-bla/flash-bla";
 * const { rope2d, rope2dRotations } = nn;
 * using x = await Tensor.fromArray(new Float32Array(6 * 8).fill(1), [1, 6, 8]);
 * using rot = rope2dRotations(x.device, 2, 3, 8);
 * using y = rope2d(x, rot);
 * console.log(await y.read());
 * ```
 */
export function rope2d(x: Tensor, rotations: Tensor): Tensor {
  return rotate(x, rotations, false);
}

/**
 * Forward plus pullback of {@linkcode rope2d}; `dx` is `dy` rotated by −φ. Keeps a reference
 * to `rotations`.
 *
 * @example
 * ```ts
 * import { nn, Tensor } from "@flash-bla/flash-bla";
 * const { rope2d, rope2dRotations } = nn;
 * using x = await Tensor.fromArray(new Float32Array(4 * 4).fill(1), [1, 1, 4, 4]);
 * using rot = rope2dRotations(x.device, 2, 2, 4);
 * using v = rope2d.vjp(x, rot);
 * const { dx } = v.pullback(v.output); // equals x
 * console.log(await dx.read());
 * ```
 */
rope2d.vjp = (x: Tensor, rotations: Tensor): Vjp<Tensor, Tensor, { dx: Tensor }> =>
  makeVjp(rotate(x, rotations, false), (dy) => ({ dx: rotate(dy, rotations, true) }), {
    saved: { rotations },
  });
