/**
 * `naiveDecoupledLinearAttention`: decoupled linear attention (docs/math.md §2) computed unfused from
 * the generic ops (matmul, mean, elementwise), forward and backward — the benchmark baseline
 * of the fused `decoupledLinearAttention`.
 * @module
 */
import type { Tensor, Vjp } from "../_runtime/mod.ts";
import { div, mul } from "../nn/binary.ts";
import { addScalar, broadcastTo, scale as times } from "../nn/elementwise.ts";
import { matmul } from "../nn/matmul.ts";
import { mean, sum } from "../nn/reduce.ts";
import { checkAttention, checkLayout, checkOptions, numberOption } from "../_attention_args.ts";
import type { NaiveLinearAttentionOptions } from "./naive.ts";
import { type BhtdRun, naiveVjp } from "./naive_layout.ts";

const OP = "naiveDecoupledLinearAttention";

/** Gradients of {@linkcode naiveDecoupledLinearAttention}, each in its input's shape. */
export interface NaiveDecoupledGrads extends Record<string, Tensor> {
  /** Gradient of q (denominator path only: dz·m). */
  dq: Tensor;
  /** Gradient of k (every row dm/L). */
  dk: Tensor;
  /** Gradient of qRope: (dO Sᵀ) / z. */
  dqRope: Tensor;
  /** Gradient of kRope: σ·V dSᵀ. */
  dkRope: Tensor;
  /** Gradient of v: σ·kRope dS. */
  dv: Tensor;
}

/** docs/math.md §2 on BHTD tensors: m = mean(k), z = q·m + ε, S = kRopeᵀ(σv), o = qRope S / z. */
function forwardBhtd(
  [q, k, qRope, kRope, v]: Tensor[],
  scale: number,
  eps: number,
): BhtdRun<NaiveDecoupledGrads> {
  const m = mean(k, { axis: 2 }); // [B, H, 1, dk]
  const qm = matmul(q, m, { transposeB: true });
  const z = addScalar(qm, eps); // [B, H, T, 1]
  const sv = times(v, scale);
  const s = matmul(kRope, sv, { transposeA: true }); // [B, H, dk, dv]
  const num = matmul(qRope, s);
  const o = div(num, z);
  qm.destroy();
  num.destroy();
  const [B, H, L, dk] = k.shape;
  return {
    output: o,
    saved: [q, qRope, kRope, sv, m, z, s, o],
    backward(dO: Tensor): NaiveDecoupledGrads {
      const temps: Tensor[] = [];
      const keep = (t: Tensor) => (temps.push(t), t);
      const g = keep(div(dO, z)); // dO_i / z_i
      const dz = keep(div(keep(sum(keep(mul(dO, o)), { axis: -1 })), z, { alpha: -1 }));
      const dqRope = matmul(g, s, { transposeB: true });
      const dq = mul(dz, m); // [B, H, T, 1] ⊙ [B, H, 1, dk]
      const ds = keep(matmul(qRope, g, { transposeA: true })); // Σ_i qRope_iᵀ g_i
      const dm = keep(matmul(dz, q, { transposeA: true })); // Σ_i dz_i q_i  [B, H, 1, dk]
      const dk_ = broadcastTo(keep(times(dm, 1 / L)), [B, H, 1, dk], [B, H, L, dk]);
      const dkRope = matmul(sv, ds, { transposeB: true });
      const dv = times(keep(matmul(kRope, ds)), scale);
      for (const t of temps) t.destroy();
      return { dq, dk: dk_, dqRope, dkRope, dv };
    },
  };
}

function prepare(
  q: Tensor,
  k: Tensor,
  qRope: Tensor,
  kRope: Tensor,
  v: Tensor,
  given: NaiveLinearAttentionOptions | undefined,
) {
  const options = checkOptions(given, OP);
  const layout = checkLayout(options.layout, OP);
  const shape = checkAttention(OP, { q, qRope }, { k, kRope }, v, layout, Infinity);
  const scale = numberOption(options.scale, 1 / shape.lk, `${OP}: scale`);
  const eps = numberOption(options.eps, 1e-6, `${OP}: eps`);
  return { layout, scale, eps };
}

/**
 * Decoupled linear attention (docs/math.md §2) computed unfused with generic GPU ops:
 * `o = (qRope S) ⊘ (q·mean(k) + ε)` with `S = kRopeᵀ(σ v)`. Same result as
 * `decoupledLinearAttention`, at the cost of a dozen kernels and `[B, H, T, ·]`
 * intermediates; the benchmark baseline.
 *
 * @param q `[B, H, T, dk]` (or `[B, T, H, dk]` with `layout: "BTHD"`), f32 or f16
 * @param k `[B, H, L, dk]`, same dtype
 * @param qRope rotary features of q, q's shape
 * @param kRope rotary features of k, k's shape
 * @param v `[B, H, L, dv]`, same dtype
 * @param options `scale` (σ, default 1/L), `eps` (ε, default 1e-6), `layout` (default BHTD)
 * @returns o, `[B, H, T, dv]` (or `[B, T, H, dv]`)
 * @example
 * ```ts
 * import { naiveDecoupledLinearAttention, Tensor } from "@flash-bla/flash-bla";
 * const data = Float32Array.from({ length: 2 * 16 * 8 }, () => Math.random());
 * using q = await Tensor.fromArray(data, [1, 2, 16, 8]);
 * using o = naiveDecoupledLinearAttention(q, q, q, q, q);
 * using run = naiveDecoupledLinearAttention.vjp(q, q, q, q, q);
 * const { dq, dk, dqRope, dkRope, dv } = run.pullback(run.output);
 * ```
 */
export function naiveDecoupledLinearAttention(
  q: Tensor,
  k: Tensor,
  qRope: Tensor,
  kRope: Tensor,
  v: Tensor,
  options: NaiveLinearAttentionOptions = {},
): Tensor {
  // No `using` in library code: engines without explicit resource management must parse it.
  const run = naiveDecoupledLinearAttention.vjp(q, k, qRope, kRope, v, options);
  run.dispose(); // frees what was kept for the backward; the output stays the caller's
  return run.output;
}

/**
 * Differentiable {@linkcode naiveDecoupledLinearAttention}: `{ output, pullback(dO) → { dq,
 * dk, dqRope, dkRope, dv }, dispose() }`. Keeps σv, mean(k), z and S (plus references to q,
 * qRope, kRope and the output, which must stay alive until the last pullback).
 */
naiveDecoupledLinearAttention.vjp = (
  q: Tensor,
  k: Tensor,
  qRope: Tensor,
  kRope: Tensor,
  v: Tensor,
  options: NaiveLinearAttentionOptions = {},
): Vjp<Tensor, Tensor, NaiveDecoupledGrads> => {
  const { layout, scale, eps } = prepare(q, k, qRope, kRope, v, options);
  return naiveVjp(OP, layout, { q, k, qRope, kRope, v }, (x) => forwardBhtd(x, scale, eps));
};
