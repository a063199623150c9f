/**
 * Launchers of the strided copy and zero fill (shaders/nn_copy.ts), used by the layout blocks.
 * @module
 */
import { launch } from "../_runtime/kernel.ts";
import type { DType, Tensor } from "../_runtime/tensor.ts";
import {
  MAX_RANK,
  padRank,
  setRankFields,
  simplifyDims,
  stridesOf,
} from "../../shaders/nn/common.ts";
import { copyParams, copyStorage, copyWgsl } from "../../shaders/nn/copy.ts";
import { elementwiseGroups } from "./_common.ts";

/** One side of a strided copy: a tensor, an element offset and a stride per copy dimension. */
export interface StridedView {
  tensor: Tensor;
  offset: number;
  strides: readonly number[];
}

function copyKernel(dtype: DType, fill: boolean, rank = 1) {
  return {
    name: fill ? "nn_fill_zero" : "nn_strided_copy",
    constants: { dtype, rank: fill ? 0 : rank },
    storage: copyStorage(dtype, fill),
    uniforms: copyParams,
    wgsl: () => copyWgsl(dtype, fill, rank),
  };
}

/** Records `dst[view] = src[view]` over every coordinate of `shape` (rank ≤ 6). */
export function stridedCopy(shape: readonly number[], src: StridedView, dst: StridedView): void {
  if (shape.length > MAX_RANK) throw new RangeError(`copy rank ${shape.length} > ${MAX_RANK}`);
  const n = shape.reduce((a, b) => a * b, 1);
  // Size-1 dims dropped and dims contiguous in both views merged: fewer divisions per element.
  const simple = simplifyDims(shape, [src.strides, dst.strides]);
  const dims = padRank(simple.shape, 1);
  const [ss, ds] = simple.strides.map((s) => padRank(s, 0));
  const fields: Record<string, number> = { n, src_off: src.offset, dst_off: dst.offset };
  setRankFields(fields, { dim: dims, ss, ds });
  launch(src.tensor.device, copyKernel(src.tensor.dtype, false, simple.shape.length), {
    storage: { src: src.tensor, dst: dst.tensor },
    uniforms: fields,
    groups: elementwiseGroups(n),
  });
}

const ONES: readonly number[] = Array(MAX_RANK).fill(1);
const ZEROS: readonly number[] = Array(MAX_RANK).fill(0);

/** Records a zero fill of all of `t`. */
export function fillZero(t: Tensor): void {
  const fields: Record<string, number> = { n: t.size, src_off: 0, dst_off: 0 };
  setRankFields(fields, { dim: ONES, ss: ZEROS, ds: ZEROS });
  launch(t.device, copyKernel(t.dtype, true), {
    storage: { dst: t },
    uniforms: fields,
    groups: elementwiseGroups(t.size),
  });
}

/** Contiguous strides of `shape` (a convenience for {@linkcode StridedView}). */
export const contiguous = stridesOf;
