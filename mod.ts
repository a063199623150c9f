/**
 * flash-bla: bidirectional (non-causal) linear attention for WebGPU. Fused forward and
 * backward kernels in WGSL, softmax attention (SDPA) and piecewise sparse attention (PISA)
 * beside it, and the vision/diffusion attention layers built on them (LinFusion, MLLA,
 * Focused, PolaFormer, RALA), with Adam/SGD and safetensors. Runs in Deno ≥ 2, in browsers with
 * WebGPU, and in Node with the npm `webgpu` package (see `docs/node.md`).
 *
 * Tensors live on the GPU; every op has a `vjp` that returns its output and a `pullback` for
 * the gradients. f32 everywhere, f16 storage where the adapter has `shader-f16`.
 *
 * @example Linear attention, forward and backward
 * ```ts
 * import { linearAttention, Tensor } from "@flash-bla/flash-bla";
 *
 * const [B, H, T, D] = [1, 2, 128, 16]; // batch, heads, tokens, head dim
 * const random = () => Float32Array.from({ length: B * H * T * D }, Math.random);
 * using q = await Tensor.fromArray(random(), [B, H, T, D]);
 * using k = await Tensor.fromArray(random(), [B, H, T, D]);
 * using v = await Tensor.fromArray(random(), [B, H, T, D]);
 *
 * using o = linearAttention(q, k, v); // [B, H, T, D]
 * console.log(await o.read());
 *
 * using run = linearAttention.vjp(q, k, v);
 * using dO = await Tensor.fromArray(random(), [B, H, T, D]);
 * const { dq, dk, dv } = run.pullback(dO);
 * console.log(await dq.read(), await dk.read(), await dv.read());
 * ```
 *
 * The float64 references of every op are in `@flash-bla/flash-bla/reference`.
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
