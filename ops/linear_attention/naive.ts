/**
 * `naiveLinearAttention`: docs/math.md §1 computed unfused from the generic ops (matmul, mean,
 * elementwise), forward and backward — what a JavaScript user would write without fused
 * kernels, kept as the benchmark baseline for `linearAttention`.
 * @module
 */
import type { Tensor, Vjp } from "../_runtime/mod.ts";
import { add, div, mul } from "../nn/binary.ts";
import { addScalar, scale as times } from "../nn/elementwise.ts";
import { matmul } from "../nn/matmul.ts";
import { mean, sum } from "../nn/reduce.ts";
import { checkAttention, checkLayout, checkOptions, numberOption } from "../_attention_args.ts";
import { naiveVjp } from "./naive_layout.ts";

const OP = "naiveLinearAttention";

/** Options of {@linkcode naiveLinearAttention} (the same as `linearAttention`'s). */
export interface NaiveLinearAttentionOptions {
  /** σ, the numerator scale (docs/math.md §1.2); default 1/L with L the key length. */
  scale?: number;
  /** ε, added to the denominator; default 1e-6. */
  eps?: number;
  /** `"BHTD"` (default, `[B, H, T, D]`) or `"BTHD"` (`[B, T, H, D]`). */
  layout?: "BHTD" | "BTHD";
}

/** Gradients of {@linkcode naiveLinearAttention}, each in its input's shape. */
export interface NaiveLinearAttentionGrads extends Record<string, Tensor> {
  /** Gradient of q, shaped like q. */
  dq: Tensor;
  /** Gradient of k, shaped like k. */
  dk: Tensor;
  /** Gradient of v, shaped like v. */
  dv: Tensor;
}

/** Intermediates of the forward, all `[B, H, ·, ·]`. */
interface Saved {
  q: Tensor; // [B, H, T, dk]
  k: Tensor; // [B, H, L, dk]
  sv: Tensor; // σ·v [B, H, L, dv]
  m: Tensor; // mean of k [B, H, 1, dk]
  z: Tensor; // q·m + ε [B, H, T, 1]
  s: Tensor; // S = kᵀ(σv) [B, H, dk, dv]
  o: Tensor; // output [B, H, T, dv]
}

function prepare(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  given: NaiveLinearAttentionOptions | undefined,
) {
  const options = checkOptions(given, OP);
  const layout = checkLayout(options.layout, OP);
  const shape = checkAttention(OP, { q }, { k }, v, layout, Infinity);
  const scale = numberOption(options.scale, 1 / shape.lk, `${OP}: scale`);
  const eps = numberOption(options.eps, 1e-6, `${OP}: eps`);
  return { layout, shape, scale, eps };
}

/** docs/math.md §1.2 on BHTD tensors: z = q·mean(k) + ε, S = kᵀ(σv), o = qS / z. */
function forwardBhtd(q: Tensor, k: Tensor, v: Tensor, scale: number, eps: number): Saved {
  const m = mean(k, { axis: 2 });
  const qm = matmul(q, m, { transposeB: true });
  const z = addScalar(qm, eps);
  const sv = times(v, scale);
  const s = matmul(k, sv, { transposeA: true });
  const num = matmul(q, s);
  const o = div(num, z);
  qm.destroy();
  num.destroy();
  return { q, k, sv, m, z, s, o };
}

/** docs/math.md §1.3 from the same generic ops. */
function backwardBhtd(x: Saved, dO: Tensor, scale: number, lk: number): NaiveLinearAttentionGrads {
  const temps: Tensor[] = [];
  const keep = (t: Tensor) => (temps.push(t), t);
  const g = keep(div(dO, x.z)); // dO_i / z_i
  const dz = keep(div(keep(sum(keep(mul(dO, x.o)), { axis: -1 })), x.z, { alpha: -1 }));
  const dq = add(keep(matmul(g, x.s, { transposeB: true })), keep(mul(dz, x.m)));
  const ds = keep(matmul(x.q, g, { transposeA: true })); // Σ_i q_iᵀ g_i
  const dm = keep(matmul(dz, x.q, { transposeA: true })); // Σ_i dz_i q_i  [B, H, 1, dk]
  const dk = add(keep(matmul(x.sv, ds, { transposeB: true })), keep(times(dm, 1 / lk)));
  const dv = times(keep(matmul(x.k, ds)), scale);
  for (const t of temps) t.destroy();
  return { dq, dk, dv };
}

/**
 * Normalised bidirectional linear attention (docs/math.md §1), computed unfused with generic GPU ops:
 * `o = (q S) ⊘ (q·mean(k) + ε)` with `S = kᵀ(σ v)`. Same result as `linearAttention`, at the
 * cost of a dozen kernels and `[B, H, T, ·]` intermediates; the benchmark baseline.
 *
 * @param q `[B, H, T, dk]` (or `[B, T, H, dk]` with `layout: "BTHD"`), f32 or f16
 * @param k `[B, H, L, dk]`, same dtype
 * @param v `[B, H, L, dv]`, same dtype
 * @param options `scale` (σ, default 1/L), `eps` (ε, default 1e-6), `layout` (default BHTD)
 * @returns o, `[B, H, T, dv]` (or `[B, T, H, dv]`)
 * @example
 * ```ts
 * import { naiveLinearAttention, Tensor } from "@flash-bla/flash-bla";
 * const data = Float32Array.from({ length: 2 * 16 * 8 }, () => Math.random());
 * using q = await Tensor.fromArray(data, [1, 2, 16, 8]);
 * using o = naiveLinearAttention(q, q, q);
 * const { output, pullback } = naiveLinearAttention.vjp(q, q, q);
 * const { dq, dk, dv } = pullback(output);
 * ```
 */
export function naiveLinearAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options: NaiveLinearAttentionOptions = {},
): Tensor {
  // No `using` in library code: engines without explicit resource management must parse it.
  const run = naiveLinearAttention.vjp(q, k, v, options);
  run.dispose(); // frees what was kept for the backward; the output stays the caller's
  return run.output;
}

/**
 * Differentiable {@linkcode naiveLinearAttention}: `{ output, pullback(dO) → { dq, dk, dv },
 * dispose() }`. Keeps σv, mean(k), z and S (plus references to q, k and the output, which must
 * stay alive until the last pullback).
 */
naiveLinearAttention.vjp = (
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options: NaiveLinearAttentionOptions = {},
): Vjp<Tensor, Tensor, NaiveLinearAttentionGrads> => {
  const { layout, shape, scale, eps } = prepare(q, k, v, options);
  return naiveVjp(OP, layout, { q, k, v }, ([qb, kb, vb]) => {
    const x = forwardBhtd(qb, kb, vb, scale, eps);
    return {
      output: x.o,
      saved: [x.q, x.k, x.sv, x.m, x.z, x.s, x.o],
      backward: (dO) => backwardBhtd(x, dO, scale, shape.lk),
    };
  });
};
