/**
 * `decoupledLinearAttention`: the numerator from rotary features, the denominator from the
 * plain ones (docs/math.md §2), fused forward and backward.
 * @module
 */
import type { Tensor, Vjp } from "../_runtime/mod.ts";
import { normalisedProblem } from "./args.ts";
import type { Inputs, Problem } from "./engine.ts";
import { forwardOutput, fusedVjp } from "./fused.ts";
import type { LinearAttentionOptions } from "./linear.ts";

/** Gradients of the five inputs of {@linkcode decoupledLinearAttention}. */
export interface DecoupledLinearAttentionGrads {
  /** Gradient of q (denominator path only: dz·m). */
  dq: Tensor;
  /** Gradient of k (every row dm/L_k). */
  dk: Tensor;
  /** Gradient of qRope: (dO Sᵀ) / z. */
  dqRope: Tensor;
  /** Gradient of kRope: σ·V dSᵀ. */
  dkRope: Tensor;
  /** Gradient of v: σ·kRope dS. */
  dv: Tensor;
}

const OP = "decoupledLinearAttention";

function setup(x: Required<Inputs>, options?: LinearAttentionOptions): Problem {
  return normalisedProblem(
    OP,
    { q: x.q, qRope: x.qr },
    { k: x.k, kRope: x.kr },
    x.v,
    options,
    true,
  );
}

function decoupledVjp(
  q: Tensor,
  k: Tensor,
  qRope: Tensor,
  kRope: Tensor,
  v: Tensor,
  options?: LinearAttentionOptions,
): Vjp<Tensor, Tensor, DecoupledLinearAttentionGrads> {
  const x = { q, k, v, qr: qRope, kr: kRope };
  return fusedVjp(setup(x, options), x, { q, k, qRope, kRope, v }, (g) => ({
    dq: g.dq,
    dk: g.dk,
    dqRope: g.dqr!,
    dkRope: g.dkr!,
    dv: g.dv,
  }));
}

/**
 * Decoupled linear attention (docs/math.md §2), per (b, h): `S = σ·kRopeᵀV`, `m = mean of the rows of
 * k`, `o_i = (qRope_i S) / (q_i·m + ε)`: rotary features in the numerator, plain ones in the
 * denominator.
 *
 * - q, qRope: `[B, H, L_q, d_k]`; k, kRope: `[B, H, L_k, d_k]`; v: `[B, H, L_k, d_v]` (or
 *   `[B, L, H, D]` with `layout: "BTHD"`); returns o: `[B, H, L_q, d_v]`.
 * - Defaults σ = 1/L_k, ε = 1e-6; d_k, d_v in 1..256; f32 or f16 storage.
 * - `decoupledLinearAttention.vjp(...)`: `pullback(dO)` returns
 *   `{ dq, dk, dqRope, dkRope, dv }`.
 *
 * @example
 * ```ts
 * import { decoupledLinearAttention, Tensor } from "@flash-bla/flash-bla";
 * const x = Float32Array.from({ length: 2 * 8 * 4 }, () => Math.random());
 * using q = await Tensor.fromArray(x, [1, 2, 8, 4]);
 * using o = decoupledLinearAttention(q, q, q, q, q);
 * using f = decoupledLinearAttention.vjp(q, q, q, q, q);
 * const { dqRope, dkRope } = f.pullback(o);
 * ```
 */
export const decoupledLinearAttention: {
  (
    q: Tensor,
    k: Tensor,
    qRope: Tensor,
    kRope: Tensor,
    v: Tensor,
    options?: LinearAttentionOptions,
  ): Tensor;
  /** Forward plus pullback; keeps the f32 state and z per query row until `dispose()`. */
  vjp(
    q: Tensor,
    k: Tensor,
    qRope: Tensor,
    kRope: Tensor,
    v: Tensor,
    options?: LinearAttentionOptions,
  ): Vjp<Tensor, Tensor, DecoupledLinearAttentionGrads>;
} = Object.assign(
  function decoupledLinearAttention(
    q: Tensor,
    k: Tensor,
    qRope: Tensor,
    kRope: Tensor,
    v: Tensor,
    options?: LinearAttentionOptions,
  ): Tensor {
    const x = { q, k, v, qr: qRope, kr: kRope };
    return forwardOutput(setup(x, options), x);
  },
  { vjp: decoupledVjp },
);
