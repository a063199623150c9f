/**
 * WGSL generator for the scalar affine map `y = alpha·x + beta` (scale, shift, negate), one
 * element per thread, math in f32.
 * @module
 */
import { FLAT_GROUP_WGSL, read, readWrite, type StorageBinding, UniformBlock } from "../common.ts";
import type { DType } from "../common.ts";
import { enableFor, MAIN_WGSL, NN_WORKGROUP } from "./common.ts";

/** Uniforms of the affine kernel. */
export const affineParams = new UniformBlock({ n: "u32", alpha: "f32", beta: "f32" });

/** Storage of the affine kernel. */
export function affineStorage(dtype: DType): StorageBinding[] {
  return [read("x", dtype), readWrite("y", dtype)];
}

/** WGSL of the affine kernel. */
export function affineWgsl(dtype: DType): string {
  return `${enableFor(dtype)}
${FLAT_GROUP_WGSL}
${MAIN_WGSL}
  let i = g * ${NN_WORKGROUP}u + lid;
  if (i >= u.n) { return; }
  y[i] = ${dtype}(u.alpha * f32(x[i]) + u.beta);
}`;
}
