/**
 * `linearAttention`: bidirectional normalised linear attention (docs/math.md §1), fused forward and
 * backward.
 * @module
 */
import type { Tensor, Vjp } from "../_runtime/mod.ts";
import type { Layout } from "../_attention_args.ts";
import { type KernelOptions, normalisedProblem } from "./args.ts";
import type { Problem } from "./engine.ts";
import { forwardOutput, fusedVjp, type LinearAttentionGrads, qkvGrads } from "./fused.ts";

export type { LinearAttentionGrads };

/** Options of {@linkcode linearAttention}. */
export interface LinearAttentionOptions extends KernelOptions {
  /** σ, which scales the numerator state only (docs/math.md §1.2); default 1/L_k. */
  scale?: number;
  /** ε, added to the denominator q·m; default 1e-6. */
  eps?: number;
  /** `"BHTD"` (`[B, H, T, D]`, default) or `"BTHD"` (`[B, T, H, D]`). */
  layout?: Layout;
}

const OP = "linearAttention";

function setup(q: Tensor, k: Tensor, v: Tensor, options?: LinearAttentionOptions): Problem {
  return normalisedProblem(OP, { q }, { k }, v, options, false);
}

function linearAttentionVjp(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options?: LinearAttentionOptions,
): Vjp<Tensor, Tensor, LinearAttentionGrads> {
  return fusedVjp(setup(q, k, v, options), { q, k, v }, { q, k, v }, qkvGrads);
}

/**
 * Bidirectional normalised linear attention (docs/math.md §1), per (b, h):
 * `S = σ·KᵀV`, `m = mean of the rows of K`, `o_i = (q_i S) / (q_i·m + ε)`.
 *
 * - q: `[B, H, L_q, d_k]`, k: `[B, H, L_k, d_k]`, v: `[B, H, L_k, d_v]` (or `[B, L, H, D]` with
 *   `layout: "BTHD"`); returns o: `[B, H, L_q, d_v]` in the same layout and dtype.
 * - Any L_q, L_k ≥ 1 (queries and keys may differ in length), d_k, d_v in 1..256, f32 or f16
 *   storage (f32 accumulation). Features are used as given (apply φ, e.g. elu+1, first).
 * - Defaults: σ = 1/L_k, ε = 1e-6. σ scales only the numerator: with σ ≠ 1/L_k the output is
 *   the standard normalised attention times σ·L_k.
 *
 * Runs a state pass split over chunks of keys (partial states kept in the not-yet-written
 * output, summed in a fixed order by a reduce pass) and an output pass, with the f32 state
 * `[S | m]` as the only temporary.
 * `linearAttention.vjp(q, k, v, options)` also returns a pullback (see {@linkcode Vjp}).
 *
 * @example
 * ```ts
 * import { linearAttention, Tensor } from "@flash-bla/flash-bla";
 * const [B, H, T, D] = [1, 2, 16, 8];
 * const data = Float32Array.from({ length: B * H * T * D }, () => Math.random());
 * using q = await Tensor.fromArray(data, [B, H, T, D]);
 * using k = await Tensor.fromArray(data, [B, H, T, D]);
 * using v = await Tensor.fromArray(data, [B, H, T, D]);
 * using o = linearAttention(q, k, v, { eps: 1e-6 });
 * console.log(await o.read());
 * ```
 */
export const linearAttention: {
  (q: Tensor, k: Tensor, v: Tensor, options?: LinearAttentionOptions): Tensor;
  /**
   * Forward plus pullback: `pullback(dO)` returns `{ dq, dk, dv }` (new tensors). Keeps the
   * f32 state (B·H·d_k·(d_v+1) floats) and z (B·H·L_q floats) until `dispose()`; q, k, v must
   * stay alive until the last pullback. The backward's temporaries are a second state-sized
   * buffer and dz (B·H·L_q floats); it is deterministic (no atomics, fixed summation order).
   *
   * @example
   * ```ts
   * import { linearAttention, Tensor } from "@flash-bla/flash-bla";
   * const x = Float32Array.from({ length: 2 * 8 * 4 }, () => Math.random());
   * using q = await Tensor.fromArray(x, [1, 2, 8, 4]);
   * using f = linearAttention.vjp(q, q, q);
   * const { dq, dk, dv } = f.pullback(f.output);
   * console.log(await dq.read(), await dk.read(), await dv.read());
   * ```
   */
  vjp(
    q: Tensor,
    k: Tensor,
    v: Tensor,
    options?: LinearAttentionOptions,
  ): Vjp<Tensor, Tensor, LinearAttentionGrads>;
} = Object.assign(
  function linearAttention(
    q: Tensor,
    k: Tensor,
    v: Tensor,
    options?: LinearAttentionOptions,
  ): Tensor {
    return forwardOutput(setup(q, k, v, options), { q, k, v });
  },
  { vjp: linearAttentionVjp },
);
