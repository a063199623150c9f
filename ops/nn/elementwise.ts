/**
 * Scalar ops (`scale`, `addScalar`) and layout copies (`transpose`, `broadcastTo`), each with a
 * vjp. Broadcasting binary ops (`add`, `mul`, `div`) live in binary.ts.
 * @module
 */
import { checkFinite, checkShapeArray, launch, Tensor, type Vjp } from "../_runtime/mod.ts";
import { affineParams, affineStorage, affineWgsl } from "../../shaders/nn/affine.ts";
import { MAX_RANK } from "../../shaders/nn/common.ts";
import { checkTensors, elementGroups, emptyInBinding, makeVjp } from "./_common.ts";
import { contiguous, stridedCopy } from "./_copy.ts";

function affine(x: Tensor, alpha: number, beta: number): Tensor {
  checkTensors({ x });
  const y = Tensor.empty(x.device, x.shape, x.dtype);
  launch(x.device, {
    name: "nn_affine",
    constants: { dtype: x.dtype },
    storage: affineStorage(x.dtype),
    uniforms: affineParams,
    wgsl: () => affineWgsl(x.dtype),
  }, {
    storage: { x, y },
    uniforms: { n: x.size, alpha, beta },
    groups: elementGroups(x.size),
  });
  return y;
}

/**
 * `factor · x`, any shape, f32 or f16.
 *
 * @param x any shape
 * @param factor a finite number
 * @returns `x`'s shape
 * @example
 * ```ts
 * import { Tensor } from "@flash-bla/flash-bla";
 * import { nn } from "@flash-bla/flash-bla";
 * const { scale } = nn;
 * using x = await Tensor.fromArray([1, 2], [2]);
 * using y = scale(x, 0.5); // [0.5, 1]
 * ```
 */
export function scale(x: Tensor, factor: number): Tensor {
  return affine(x, checkFinite(factor, "factor"), 0);
}

/** Differentiable {@linkcode scale}: `pullback(dy) → { dx: factor · dy }`. */
scale.vjp = (x: Tensor, factor: number): Vjp<Tensor, Tensor, { dx: Tensor }> =>
  makeVjp(scale(x, factor), (dy) => ({ dx: scale(dy, factor) }));

/**
 * `x + value`, any shape, f32 or f16.
 *
 * @param x any shape
 * @param value a finite number
 * @returns `x`'s shape
 * @example
 * ```ts
 * import { Tensor } from "@flash-bla/flash-bla";
 * import { nn } from "@flash-bla/flash-bla";
 * const { addScalar } = nn;
 * using x = await Tensor.fromArray([1, 2], [2]);
 * using y = addScalar(x, 1e-6);
 * ```
 */
export function addScalar(x: Tensor, value: number): Tensor {
  return affine(x, 1, checkFinite(value, "value"));
}

/** Differentiable {@linkcode addScalar}: `pullback(dy) → { dx: dy }` (a copy). */
addScalar.vjp = (x: Tensor, value: number): Vjp<Tensor, Tensor, { dx: Tensor }> =>
  makeVjp(addScalar(x, value), (dy) => ({ dx: scale(dy, 1) }));

/**
 * Permutes the axes of `x` (a copy): output axis i is input axis `perm[i]`.
 *
 * @param x any shape of rank ≤ 6
 * @param perm a permutation of `0..rank-1`
 * @returns shape `perm.map((p) => x.shape[p])`
 * @example
 * ```ts
 * import { Tensor } from "@flash-bla/flash-bla";
 * import { nn } from "@flash-bla/flash-bla";
 * const { transpose } = nn;
 * using x = await Tensor.fromArray(new Float32Array(24), [2, 3, 4]);
 * using y = transpose(x, [0, 2, 1]); // [2, 4, 3]
 * ```
 */
export function transpose(x: Tensor, perm: readonly number[]): Tensor {
  checkTensors({ x });
  checkShapeArray(perm, "perm");
  const rank = x.shape.length;
  const sorted = [...perm].sort((p, q) => p - q);
  if (rank > MAX_RANK || perm.length !== rank || sorted.some((p, i) => p !== i)) {
    throw new RangeError(
      `perm must be a permutation of 0..${rank - 1} (rank ≤ ${MAX_RANK}), got [${perm.join(", ")}]`,
    );
  }
  const shape = perm.map((p) => x.shape[p]);
  const y = Tensor.empty(x.device, shape, x.dtype);
  const own = contiguous(x.shape);
  stridedCopy(shape, { tensor: x, offset: 0, strides: perm.map((p) => own[p]) }, {
    tensor: y,
    offset: 0,
    strides: contiguous(shape),
  });
  return y;
}

/** Differentiable {@linkcode transpose}: the pullback applies the inverse permutation. */
transpose.vjp = (x: Tensor, perm: readonly number[]): Vjp<Tensor, Tensor, { dx: Tensor }> => {
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return makeVjp(transpose(x, perm), (dy) => ({ dx: transpose(dy, inverse) }));
};

/**
 * Copies `x`, read as `viewShape` (same element count), broadcast to `outShape` (size-1 axes
 * of `viewShape` repeat). With `viewShape = outShape` it is a reshape (a copy).
 *
 * @param x a tensor with as many elements as `viewShape`
 * @param viewShape the shape `x` is read as (same rank as `outShape`, ≤ 6)
 * @param outShape the result's shape
 * @example
 * ```ts
 * import { Tensor } from "@flash-bla/flash-bla";
 * import { nn } from "@flash-bla/flash-bla";
 * const { broadcastTo } = nn;
 * using x = await Tensor.fromArray([1, 2], [2]);
 * using y = broadcastTo(x, [2, 1], [2, 3]); // [[1, 1, 1], [2, 2, 2]]
 * ```
 */
export function broadcastTo(
  x: Tensor,
  viewShape: readonly number[],
  outShape: readonly number[],
): Tensor {
  checkTensors({ x });
  checkShapeArray(viewShape, "viewShape");
  checkShapeArray(outShape, "outShape");
  const n = viewShape.reduce((p, d) => p * d, 1);
  const fits = viewShape.length === outShape.length && outShape.length <= MAX_RANK &&
    viewShape.every((d, i) => d === outShape[i] || d === 1);
  if (n !== x.size || !fits) {
    throw new RangeError(
      `cannot read ${x} as [${viewShape.join(", ")}] broadcast to [${outShape.join(", ")}]`,
    );
  }
  const own = contiguous(viewShape);
  const y = emptyInBinding(x.device, outShape, x.dtype, "broadcastTo: outShape");
  stridedCopy(outShape, {
    tensor: x,
    offset: 0,
    strides: viewShape.map((d, i) => (d === 1 ? 0 : own[i])),
  }, { tensor: y, offset: 0, strides: contiguous(outShape) });
  return y;
}
