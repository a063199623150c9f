/**
 * `scaledDotProductAttention`: non-causal softmax attention in the flash-attention style
 * (online softmax, log-sum-exp saved, nothing of size Lq×Lk in memory), forward and backward.
 * @module
 */
import {
  bufferBytes,
  checkOneOf,
  deviceContext,
  type DType,
  type Tensor,
  type Vjp,
} from "../_runtime/mod.ts";
import { SDPA_MAX_DIM } from "../../shaders/sdpa/kernels.ts";
import {
  checkAttention,
  checkCotangent,
  checkLayout,
  checkLive,
  checkOptions,
  numberOption,
} from "../_attention_args.ts";
import { backward, type SdpaGrads } from "./bwd.ts";
import { forward, OP, type SdpaTuning } from "./fwd.ts";

export type { SdpaGrads, SdpaTuning };

/** Options of {@linkcode scaledDotProductAttention}. */
export interface SdpaOptions {
  /** Factor on the scores q·k; default 1/√d_k. */
  scale?: number;
  /** `"BHTD"` (default, `[B, H, T, D]`) or `"BTHD"` (`[B, T, H, D]`). */
  layout?: "BHTD" | "BTHD";
  /**
   * Arithmetic precision: `"f32"` (default) or `"f16"`. Both run f32 products, f32
   * accumulation and f32 softmax statistics today, so they give the same results: on the GPUs
   * measured (NVIDIA H100, H200 through WebGPU) f16 FMAs issue at the f32 rate, so f16 products
   * would only add conversions (bench/NOTES.md). The option is validated so that code written
   * for a faster f16 path later runs unchanged.
   */
  precision?: "f32" | "f16";
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
  const shape = checkAttention(OP, { q }, { k }, v, layout, SDPA_MAX_DIM);
  const scale = numberOption(opts.scale, 1 / Math.sqrt(shape.dk), `${OP}: scale`);
  checkOneOf(opts.precision ?? "f32", ["f32", "f16"] as const, `${OP}: precision`);
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
 * output). f32 or f16 storage with f32 arithmetic; query and key lengths may differ. Uses
 * subgroup operations where the device has them (see `requestDevice`), else a portable path.
 *
 * @param q `[B, H, Lq, dk]` (or `[B, Lq, H, dk]` with `layout: "BTHD"`), 1 ≤ dk ≤ 256
 * @param k `[B, H, Lk, dk]`, same dtype
 * @param v `[B, H, Lk, dv]`, 1 ≤ dv ≤ 256
 * @param options `scale` (default 1/√dk), `layout` (default `"BHTD"`), `precision` (default
 * `"f32"`; `"f16"` gives the same results on the GPUs measured, see {@linkcode SdpaOptions})
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
  return run(q, k, v, options, {});
}

function run(q: Tensor, k: Tensor, v: Tensor, options: SdpaOptions, tuning: SdpaTuning): Tensor {
  const { shape, scale } = prepare(q, k, v, options);
  const { output, lse } = forward(q, k, v, shape, scale, tuning);
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
): Vjp<Tensor, Tensor, SdpaGrads> => runVjp(q, k, v, options, {});

function runVjp(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options: SdpaOptions,
  tuning: SdpaTuning,
): Vjp<Tensor, Tensor, SdpaGrads> {
  const { shape, scale } = prepare(q, k, v, options);
  const { output, lse } = forward(q, k, v, shape, scale, tuning);
  let disposed = false;
  const dispose = () => {
    if (!disposed) lse.destroy();
    disposed = true;
  };
  return {
    output,
    pullback(dO: Tensor): SdpaGrads {
      checkLive(OP, disposed, { q, k, v, output });
      checkCotangent(OP, "dO", dO, output);
      return backward({ q, k, v, output, lse }, dO, shape, scale, tuning);
    },
    dispose,
    [Symbol.dispose]: dispose,
  };
}

/**
 * {@linkcode scaledDotProductAttention} (and its `vjp`) with the path and tilings of
 * `tuning`: for the tile sweep (bench/sdpa_sweep.ts) and the tests of every tiling.
 */
export function scaledDotProductAttentionWith(tuning: SdpaTuning): {
  (q: Tensor, k: Tensor, v: Tensor, options?: SdpaOptions): Tensor;
  vjp(q: Tensor, k: Tensor, v: Tensor, options?: SdpaOptions): Vjp<Tensor, Tensor, SdpaGrads>;
} {
  const op = (q: Tensor, k: Tensor, v: Tensor, options: SdpaOptions = {}) =>
    run(q, k, v, options, tuning);
  op.vjp = (q: Tensor, k: Tensor, v: Tensor, options: SdpaOptions = {}) =>
    runVjp(q, k, v, options, tuning);
  return op;
}
