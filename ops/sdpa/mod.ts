/**
 * `scaledDotProductAttention`: non-causal softmax attention in the flash-attention style
 * (online softmax, log-sum-exp saved, nothing of size Lq×Lk in memory), forward and backward.
 * @module
 */
import {
  bufferBytes,
  checkFinite,
  deviceContext,
  type DType,
  type Tensor,
  type Vjp,
} from "../_runtime/mod.ts";
import { SDPA_MAX_DIM } from "../../shaders/sdpa/kernels.ts";
import { checkAlive, checkAttention, checkCotangent, checkLayout, checkOptions } from "./args.ts";
import { backward, type SdpaGrads } from "./bwd.ts";
import { forward, OP } from "./fwd.ts";

export type { SdpaGrads };

/** Options of {@linkcode scaledDotProductAttention}. */
export interface SdpaOptions {
  /** Factor on the scores q·k; default 1/√d_k. */
  scale?: number;
  /** `"BHTD"` (default, `[B, H, T, D]`) or `"BTHD"` (`[B, T, H, D]`). */
  layout?: "BHTD" | "BTHD";
}

/**
 * Every tensor the kernels bind whole (inputs, output, the f32 log-sum-exp and delta rows)
 * must fit one storage binding: a `RangeError` naming the first that does not.
 */
function checkBindings(device: GPUDevice, tensors: Record<string, [number[], DType]>): void {
  const max = deviceContext(device).maxBindingBytes;
  for (const [name, [shape, dtype]] of Object.entries(tensors)) {
    const bytes = bufferBytes(shape, dtype);
    if (bytes > max) {
      throw new RangeError(
        `${OP}: ${name} ${dtype} [${shape.join(", ")}] (${bytes} bytes) exceeds the device's ` +
          `largest storage binding (${max} bytes)`,
      );
    }
  }
}

function prepare(q: Tensor, k: Tensor, v: Tensor, options: SdpaOptions | undefined) {
  const opts = checkOptions(options, OP);
  const layout = checkLayout(opts.layout, OP);
  const shape = checkAttention(OP, q, k, v, layout, SDPA_MAX_DIM);
  const scale = opts.scale === undefined
    ? 1 / Math.sqrt(shape.dk)
    : checkFinite(opts.scale, `${OP}: scale`);
  const spec = (t: Tensor): [number[], DType] => [[...t.shape], t.dtype];
  const { B, H, lq, dv } = shape;
  checkBindings(q.device, {
    q: spec(q),
    k: spec(k),
    v: spec(v),
    "the output": [layout === "BHTD" ? [B, H, lq, dv] : [B, lq, H, dv], q.dtype],
    "the log-sum-exp rows": [[B, H, lq], "f32"],
  });
  return { shape, scale };
}

/**
 * Softmax attention, non-causal: `o_i = Σ_j softmax_j(scale · q_i·k_j) v_j`, computed
 * flash-attention style (register-tiled online softmax; memory O(B·H·Lq) beyond inputs and
 * output). f32 or f16 storage with f32 arithmetic; query and key lengths may differ.
 *
 * @param q `[B, H, Lq, dk]` (or `[B, Lq, H, dk]` with `layout: "BTHD"`), 1 ≤ dk ≤ 256
 * @param k `[B, H, Lk, dk]`, same dtype
 * @param v `[B, H, Lk, dv]`, 1 ≤ dv ≤ 256
 * @param options `scale` (default 1/√dk), `layout` (default `"BHTD"`)
 * @returns o, `[B, H, Lq, dv]` (or `[B, Lq, H, dv]`)
 * @example
 * ```ts
 * import { scaledDotProductAttention, Tensor } from "@flash-bla/flash-bla";
 * const data = Float32Array.from({ length: 2 * 16 * 8 }, () => Math.random());
 * using q = await Tensor.fromArray(data, [1, 2, 16, 8]);
 * using o = scaledDotProductAttention(q, q, q);
 * const { output, pullback } = scaledDotProductAttention.vjp(q, q, q);
 * const { dq, dk, dv } = pullback(output);
 * ```
 */
export function scaledDotProductAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options: SdpaOptions = {},
): Tensor {
  const { shape, scale } = prepare(q, k, v, options);
  const { output, lse } = forward(q, k, v, shape, scale);
  lse.destroy();
  return output;
}

/**
 * Differentiable {@linkcode scaledDotProductAttention}: `{ output, pullback(dO) → { dq, dk,
 * dv }, dispose() }`. Keeps the log-sum-exp of each query row (`[B, H, Lq]` f32) and
 * references to q, k, v and the output (keep them alive until the last pullback). The
 * backward computes `D_i = rowsum(dO ∘ o)`, then dq and dk/dv in two passes.
 */
scaledDotProductAttention.vjp = (
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options: SdpaOptions = {},
): Vjp<Tensor, Tensor, SdpaGrads> => {
  const { shape, scale } = prepare(q, k, v, options);
  const { output, lse } = forward(q, k, v, shape, scale);
  let disposed = false;
  const dispose = () => {
    if (!disposed) lse.destroy();
    disposed = true;
  };
  return {
    output,
    pullback(dO: Tensor): SdpaGrads {
      if (disposed) throw new TypeError(`${OP} pullback called after dispose()`);
      checkCotangent(OP, dO, output);
      checkAlive(OP, { q, k, v, output });
      return backward({ q, k, v, output, lse }, dO, shape, scale);
    },
    dispose,
    [Symbol.dispose]: dispose,
  };
};
