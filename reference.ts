/**
 * Float64 CPU references of flash-bla's ops (the math of docs/math.md, evaluated
 * directly), for validating GPU results on your own data.
 *
 * @example
 * ```ts
 * import { linearAttentionReference } from "@flash-bla/flash-bla/reference";
 * const x = { data: [1, 2, 3, 4], shape: [1, 1, 2, 2] };
 * console.log(linearAttentionReference(x, x, x));
 * ```
 * @module
 */
export * from "./ops/linear_attention/reference.ts";
/** Float64 references of the `nn` building blocks. */
export * as nn from "./ops/nn/reference.ts";
export {
  sdpaReference,
  type SdpaRefOptions,
  type SdpaRefResult,
  type SdpaRefTensor,
} from "./ops/sdpa/reference.ts";
export {
  piecewiseSparseAttentionBackwardReference,
  piecewiseSparseAttentionReference,
  piecewiseSparseAttentionSelectionReference,
  type PisaDims,
  type PisaGradsReference,
  type PisaReferenceOptions,
  pisaTopK,
} from "./ops/piecewise_attention/reference.ts";
/** Float64 references of the paper layers (docs/math.md §6), with their option resolution. */
export * as layers from "./layers/reference/mod.ts";
/** Float64 references of the optimizers (SGD, Adam, AdamW) and the MSE loss. */
export * as optim from "./ops/optim/reference.ts";
