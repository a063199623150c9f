/**
 * Decoupled linear attention (SPEC §2) recorded on a {@linkcode Graph} from generic ops
 * (matmul, mean, mul, sum, div), for MLLA and RALA: the fused `decoupledLinearAttention` of
 * ops/linear_attention was not available when the layers were written. Swap this for the
 * fused op (same math, one call) once it is exported.
 * @module
 */
import type { Tensor } from "../ops/_runtime/mod.ts";
import { addScalar, div, matmul, mean, mul, sum } from "../ops/nn/mod.ts";
import type { Graph } from "./_graph.ts";

/**
 * `o_i = (qRope_i · σ Σ_j kRope_jᵀ v_j) / (q_i · mean_j k_j + ε)` with σ = 1/n, per
 * (batch, head): q, qRope `[B, H, N, d]`; k, kRope `[B, H, n, d]`; v `[B, H, n, dv]` →
 * `[B, H, N, dv]`. Keeps the `[B, H, d, dv]` state, the numerator and the denominator.
 */
export function decoupledAttention(
  g: Graph,
  q: Tensor,
  k: Tensor,
  qRope: Tensor,
  kRope: Tensor,
  v: Tensor,
  eps: number,
): Tensor {
  const n = k.shape[2];
  const state = g.call(matmul, [kRope, v, { transposeA: true }], { da: kRope, db: v });
  const numerator = g.call(matmul, [qRope, state], { da: qRope, db: state });
  const keyMean = g.call(mean, [k, { axis: 2 }], { dx: k }); // [B, H, 1, d]
  const products = g.call(mul, [q, keyMean], { da: q, db: keyMean });
  const dots = g.call(sum, [products, { axis: -1 }], { dx: products }); // [B, H, N, 1]
  const z = g.call(addScalar, [dots, eps], { dx: dots });
  return g.call(div, [numerator, z, { alpha: 1 / n }], { da: numerator, db: z });
}
