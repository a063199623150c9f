/**
 * The backward launchers of `scaledDotProductAttention`: `D_i = rowsum(dO ∘ o)`, then dq and
 * dk/dv in two passes.
 * @module
 */
import { launch, Tensor } from "../_runtime/mod.ts";
import { deltaParams, deltaStorage, deltaWgsl } from "../../shaders/sdpa/kernels.ts";
import type { AttentionShape } from "../_attention_args.ts";
import { kernelFor, type SdpaTuning, uniforms } from "./fwd.ts";

/** Gradients of `scaledDotProductAttention`, each in its input's shape. */
export interface SdpaGrads {
  /** Gradient of q, shaped like q. */
  dq: Tensor;
  /** Gradient of k, shaped like k. */
  dk: Tensor;
  /** Gradient of v, shaped like v. */
  dv: Tensor;
}

/** Records the backward for upstream gradient `dO`, given the forward's saved tensors. */
export function backward(
  x: { q: Tensor; k: Tensor; v: Tensor; output: Tensor; lse: Tensor },
  dO: Tensor,
  s: AttentionShape,
  scale: number,
  tuning: SdpaTuning,
): SdpaGrads {
  const device = dO.device;
  const delta = Tensor.empty(device, [s.B, s.H, s.lq], "f32");
  const rows = s.B * s.H * s.lq;
  launch(device, {
    name: "sdpa_delta",
    constants: { dtype: dO.dtype, layout: s.layout, dv: s.dv },
    storage: deltaStorage(dO.dtype),
    uniforms: deltaParams,
    wgsl: () => deltaWgsl(dO.dtype, s.layout, s.dv),
  }, {
    storage: { o: x.output, d_o: dO, delta },
    uniforms: { rows, heads: s.H, lq: s.lq },
    groups: Math.ceil(rows / 64),
  });
  const dq = Tensor.empty(device, x.q.shape, dO.dtype);
  const dk = Tensor.empty(device, x.k.shape, dO.dtype);
  const dv = Tensor.empty(device, x.v.shape, dO.dtype);
  const inputs = { q: x.q, k: x.k, v: x.v, d_o: dO, lse: x.lse, delta };
  const dqKernel = kernelFor(dO, "dq", s, tuning);
  launch(device, dqKernel, { storage: { ...inputs, dq }, ...uniforms(s, dqKernel, s.lq, scale) });
  const dkdvKernel = kernelFor(dO, "dkdv", s, tuning);
  launch(device, dkdvKernel, {
    storage: { ...inputs, dk, dv },
    ...uniforms(s, dkdvKernel, s.lk, scale),
  });
  delta.destroy();
  return { dq, dk, dv };
}
