/**
 * flash-bla: bidirectional (non-causal) linear attention for WebGPU, with fused forward and
 * backward kernels in WGSL, and the vision/diffusion attention layers built on them.
 *
 * @example
 * ```ts
 * import { linearAttention, Tensor } from "./mod.ts";
 * const [B, H, T, D] = [1, 2, 16, 8];
 * const data = Float32Array.from({ length: B * H * T * D }, () => Math.random());
 * using q = await Tensor.fromArray(data, [B, H, T, D]);
 * using k = await Tensor.fromArray(data, [B, H, T, D]);
 * using v = await Tensor.fromArray(data, [B, H, T, D]);
 * using o = linearAttention(q, k, v);
 * console.log(await o.read());
 * ```
 * @module
 */
export {
  flush,
  getDefaultDevice,
  type MemoryInfo,
  memoryInfo,
  releasePool,
  requestDevice,
  type RequestDeviceOptions,
  setDefaultDevice,
  setPoolCapacity,
} from "./ops/_runtime/device.ts";
export { type DType, Tensor, type TensorData, type TensorOptions } from "./ops/_runtime/tensor.ts";
export type { Vjp } from "./ops/_runtime/autodiff.ts";
export { type KernelTime, quantiles, timeGpu, timeKernels } from "./ops/_runtime/timing.ts";
export * from "./ops/linear_attention/mod.ts";
export * from "./layers/mod.ts";
export * from "./ops/optim/mod.ts";
/** Building blocks of the layers (activations, LayerNorm, convs, RoPE, layouts, …): see ops/nn. */
export * as nn from "./ops/nn/mod.ts";
export * from "./ops/safetensors.ts";
export { scaledDotProductAttention, type SdpaGrads, type SdpaOptions } from "./ops/sdpa/mod.ts";
export {
  piecewiseSparseAttention,
  type PiecewiseSparseAttentionOptions,
  type PisaGrads,
  type PisaLayout,
} from "./ops/piecewise_attention/mod.ts";
