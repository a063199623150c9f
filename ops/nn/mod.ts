/**
 * Building blocks of the paper layers (docs/math.md §0.2, §6), each `block(x, ..., options)` plus
 * `block.vjp(x, ..., options)` → `{ output, pullback(dy), dispose() }`, f32 or f16 storage
 * with f32 arithmetic.
 *
 * @example
 * ```ts
 * import { nn, Tensor } from "@flash-bla/flash-bla";
 * const { eluPlusOne, mul } = nn;
 * using x = await Tensor.fromArray([-1, 0, 1, 2], [1, 2, 2]);
 * using g = await Tensor.fromArray([1, 2], [2]);
 * using y = mul(eluPlusOne(x), g);
 * console.log(await y.read());
 * ```
 * @module
 */
export { Tensor } from "../_runtime/tensor.ts";
export type { Vjp } from "../_runtime/autodiff.ts";
export type { DType } from "../_runtime/tensor.ts";
export * from "./activations.ts";
export * from "./binary.ts";
export * from "./layout.ts";
export * from "./matmul.ts";
export * from "./reduce.ts";
export * from "./elementwise.ts";
export * from "./layer_norm.ts";
export * from "./dwconv.ts";
export * from "./rope2d.ts";
export * from "./softmax.ts";
export * from "./interp1d.ts";
export * from "./sr_conv.ts";
