/**
 * `piecewiseSparseAttention`: PISA, piecewise sparse softmax attention (docs/math.md §5), forward and
 * backward on the GPU.
 * @module
 */
import { checkFinite, checkOneOf, type Tensor, type Vjp } from "../_runtime/mod.ts";
import {
  checkAttention,
  checkCotangent,
  checkLayout,
  checkLive,
  checkOptions,
  numberOption,
} from "../_attention_args.ts";
import type { PisaLayout } from "../../shaders/piecewise_attention/stats.ts";
import { pisaBackward, type PisaGrads } from "./bwd.ts";
import { pisaForward } from "./fwd.ts";
import { type PisaPlan, type PisaShape, planPisa } from "./plan.ts";

export type { PisaGrads, PisaLayout };

/** Options of {@linkcode piecewiseSparseAttention}. */
export interface PiecewiseSparseAttentionOptions {
  /**
   * Fraction of key chunks each query block attends exactly, in (0, 1]; default 0.1.
   * top_k = max(1, trunc(density · NT)) with NT = ⌈T / blockSize⌉.
   */
  density?: number;
  /** Chunk length BT: a power of two from 16 to 128; default 64. */
  blockSize?: number;
  /** Softmax scale σ; default `dk ** -0.5`. */
  scale?: number;
  /** Add ln(‖hc_n‖_F + 1e-5) to the block scores before the top-k; default false. */
  useBias?: boolean;
  /** `"BHTD"` (default): `[B, H, T, D]`; `"BTHD"`: `[B, T, H, D]`. */
  layout?: PisaLayout;
  /**
   * Arithmetic precision: `"f32"` (default) or `"f16"`. Both run f32 products, f32
   * accumulation and f32 softmax statistics today, so they give the same results: on the GPUs
   * measured (NVIDIA H100, H200 through WebGPU) f16 FMAs issue at the f32 rate, so f16 products
   * would only add conversions (bench/NOTES.md). The option is validated so that code written
   * for a faster f16 path later runs unchanged.
   */
  precision?: "f32" | "f16";
}

/** Internal tuning of {@linkcode piecewiseSparseAttentionWith}: kernel path and tilings. */
export type PisaTuning = Pick<PisaShape, "tiles" | "subgroups">;

const OP = "piecewiseSparseAttention";
const MAX_FEATURES = 256;

function validate(
  q: unknown,
  k: unknown,
  v: unknown,
  options: PiecewiseSparseAttentionOptions,
  tuning: PisaTuning,
): PisaPlan {
  const opts = checkOptions(options, OP);
  const layout = checkLayout(opts.layout, OP);
  const s = checkAttention(OP, { q }, { k }, v, layout, MAX_FEATURES);
  if (s.lk !== s.lq) {
    throw new RangeError(
      `${OP}: k has shape [${(k as Tensor).shape.join(", ")}]: its length must equal q's ` +
        `${s.lq} (PISA attends a sequence to itself)`,
    );
  }
  const density = checkFinite(opts.density ?? 0.1, `${OP}: density`);
  if (!(density > 0 && density <= 1)) {
    throw new RangeError(`${OP}: density must be in (0, 1], got ${density}`);
  }
  const blockSize = opts.blockSize ?? 64;
  if (typeof blockSize !== "number") {
    throw new TypeError(`${OP}: blockSize must be a number, got ${typeof blockSize}`);
  }
  if (![16, 32, 64, 128].includes(blockSize)) {
    throw new RangeError(
      `${OP}: blockSize must be a power of two from 16 to 128, got ${blockSize}`,
    );
  }
  const useBias = opts.useBias ?? false;
  if (typeof useBias !== "boolean") {
    throw new TypeError(`${OP}: useBias must be a boolean, got ${typeof useBias}`);
  }
  checkOneOf(opts.precision ?? "f32", ["f32", "f16"] as const, `${OP}: precision`);
  const { device, dtype } = q as Tensor;
  return planPisa({
    ...tuning,
    device,
    dtype,
    layout,
    B: s.B,
    H: s.H,
    T: s.lq,
    dk: s.dk,
    dv: s.dv,
    density,
    blockSize,
    scale: numberOption(opts.scale, 1 / Math.sqrt(s.dk), `${OP}: scale`),
    useBias,
  });
}

/**
 * PISA, piecewise sparse attention (docs/math.md §5, intended formula of §5.4). For each query block of
 * `blockSize` rows, the top_k key chunks by block score σ·mean(q)·mean(k) (+ ln(‖hc_n‖_F + 1e-5)
 * with `useBias`; ties to the lower chunk index) get exact softmax attention; every other chunk
 * n counts as one pseudo-key mean(k_n) with value Σ v_n and weight len_n; a global first-order
 * term σ·(G/T)·q_t h is added to the numerator:
 *
 * `o_t = [Σ_E e^{x_j} v_j + Σ_U e^{μ_n} vc_n + σ(G/T) q_t h] / [Σ_E e^{x_j} + G]`.
 *
 * Inputs `q, k: [B, H, T, dk]`, `v: [B, H, T, dv]` (or `[B, T, H, D]` with `layout: "BTHD"`),
 * any T ≥ 1, dk and dv from 1 to 256, f32 or f16 (f32 accumulation). Returns
 * `o: [B, H, T, dv]` in the same dtype and layout. Recorded without awaiting the GPU.
 *
 * @example
 * ```ts
 * import { piecewiseSparseAttention, Tensor } from "@flash-bla/flash-bla";
 * const [B, H, T, D] = [1, 2, 200, 32];
 * const data = () => Float32Array.from({ length: B * H * T * D }, () => Math.random() - 0.5);
 * using q = await Tensor.fromArray(data(), [B, H, T, D]);
 * using k = await Tensor.fromArray(data(), [B, H, T, D]);
 * using v = await Tensor.fromArray(data(), [B, H, T, D]);
 * using o = piecewiseSparseAttention(q, k, v, { density: 0.3, blockSize: 16 });
 * console.log(o.shape, (await o.read())[0]); // [1, 2, 200, 32] …
 * ```
 */
export function piecewiseSparseAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options: PiecewiseSparseAttentionOptions = {},
): Tensor {
  return run(q, k, v, options, {});
}

function run(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options: PiecewiseSparseAttentionOptions,
  tuning: PisaTuning,
): Tensor {
  const plan = validate(q, k, v, options, tuning);
  const { o, saved } = pisaForward(plan, q, k, v, false);
  for (const t of Object.values(saved)) t.destroy();
  return o;
}

/**
 * Forward plus pullback of {@linkcode piecewiseSparseAttention}, with the block selection held
 * fixed: gradients flow through the exact blocks, the zeroth-order terms, the first-order term
 * and the chunk statistics mean(k), Σ v and hc (derivation in `bwd.ts`). Keeps the chunk
 * statistics, the selection and 4 + d_k + d_v f32 values per query (log-sum-exp, first-order
 * weight, an f32 copy of the output, so that f16 gradients do not inherit its rounding); `q`,
 * `k` and `v` must stay alive until the last pullback (the output need not).
 *
 * @example
 * ```ts
 * import { piecewiseSparseAttention, Tensor } from "@flash-bla/flash-bla";
 * const shape = [1, 1, 100, 16];
 * const data = () => Float32Array.from({ length: 1600 }, () => Math.random() - 0.5);
 * using q = await Tensor.fromArray(data(), shape);
 * using k = await Tensor.fromArray(data(), shape);
 * using v = await Tensor.fromArray(data(), shape);
 * using dO = await Tensor.fromArray(data(), shape);
 * using step = piecewiseSparseAttention.vjp(q, k, v, { blockSize: 16, density: 0.5 });
 * const { dq, dk, dv } = step.pullback(dO);
 * console.log(await dq.read(), await dk.read(), await dv.read());
 * step.output.destroy();
 * ```
 */
piecewiseSparseAttention.vjp = function piecewiseSparseAttentionVjp(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options: PiecewiseSparseAttentionOptions = {},
): Vjp<Tensor, Tensor, PisaGrads> {
  return runVjp(q, k, v, options, {});
};

function runVjp(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options: PiecewiseSparseAttentionOptions,
  tuning: PisaTuning,
): Vjp<Tensor, Tensor, PisaGrads> {
  const plan = validate(q, k, v, options, tuning);
  const { o, saved } = pisaForward(plan, q, k, v, true);
  let disposed = false;
  const dispose = () => {
    if (disposed) return;
    disposed = true;
    for (const t of Object.values(saved)) t.destroy();
  };
  return {
    output: o,
    pullback(dO: Tensor): PisaGrads {
      checkLive(OP, disposed, { q, k, v });
      const g = checkCotangent(OP, "dO", dO, o);
      return pisaBackward(plan, q, k, v, g, saved);
    },
    dispose,
    [Symbol.dispose]: dispose,
  };
}

/**
 * {@linkcode piecewiseSparseAttention} (and its `vjp`) with the kernel path and tilings of
 * `tuning`: for the tile sweep (bench/sdpa_sweep.ts).
 */
export function piecewiseSparseAttentionWith(tuning: PisaTuning): {
  (q: Tensor, k: Tensor, v: Tensor, options?: PiecewiseSparseAttentionOptions): Tensor;
  vjp(
    q: Tensor,
    k: Tensor,
    v: Tensor,
    options?: PiecewiseSparseAttentionOptions,
  ): Vjp<Tensor, Tensor, PisaGrads>;
} {
  const op = (q: Tensor, k: Tensor, v: Tensor, options: PiecewiseSparseAttentionOptions = {}) =>
    run(q, k, v, options, tuning);
  op.vjp = (q: Tensor, k: Tensor, v: Tensor, options: PiecewiseSparseAttentionOptions = {}) =>
    runVjp(q, k, v, options, tuning);
  return op;
}
