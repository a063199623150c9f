/**
 * `piecewiseSparseAttention`: PISA, piecewise sparse softmax attention (SPEC §5), forward and
 * backward on the GPU.
 * @module
 */
import {
  checkFinite,
  checkOneOf,
  checkRank,
  checkSameDeviceAndDtype,
  checkTensor,
  type Tensor,
  type Vjp,
} from "../_runtime/mod.ts";
import type { PisaLayout } from "../../shaders/piecewise_attention/stats.ts";
import { pisaBackward, type PisaGrads } from "./bwd.ts";
import { pisaForward } from "./fwd.ts";
import { type PisaPlan, planPisa } from "./plan.ts";

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
}

const MAX_FEATURES = 256;

function validate(
  q: unknown,
  k: unknown,
  v: unknown,
  options: PiecewiseSparseAttentionOptions,
): PisaPlan {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `options must be an object, got ${options === null ? "null" : typeof options}`,
    );
  }
  const tq = checkTensor(q, "q"), tk = checkTensor(k, "k"), tv = checkTensor(v, "v");
  checkSameDeviceAndDtype({ q: tq, k: tk, v: tv });
  const layout = checkOneOf(options.layout ?? "BHTD", ["BHTD", "BTHD"] as const, "options.layout");
  const names = layout === "BHTD" ? "[B, H, T, D]" : "[B, T, H, D]";
  for (const [t, name] of [[tq, "q"], [tk, "k"], [tv, "v"]] as const) checkRank(t, 4, name, names);
  const [B, a, b, dk] = tq.shape;
  const [H, T] = layout === "BHTD" ? [a, b] : [b, a];
  const same = (t: Tensor, name: string, last: number | undefined) => {
    const s = t.shape;
    if (
      s[0] !== tq.shape[0] || s[1] !== tq.shape[1] || s[2] !== tq.shape[2] ||
      (last !== undefined && s[3] !== last)
    ) {
      throw new RangeError(
        `${name} must match q's batch, heads and length ${names}: q is [${tq.shape.join(", ")}], ` +
          `${name} is [${s.join(", ")}]`,
      );
    }
  };
  same(tk, "k", dk);
  same(tv, "v", undefined);
  const dv = tv.shape[3];
  if (B < 1 || H < 1 || T < 1) {
    throw new RangeError(`q must have B, H, T ≥ 1, got [${tq.shape.join(", ")}]`);
  }
  for (const [d, name] of [[dk, "q/k features"], [dv, "v features"]] as const) {
    if (d < 1 || d > MAX_FEATURES) {
      throw new RangeError(`${name} must be in [1, ${MAX_FEATURES}], got ${d}`);
    }
  }
  const density = checkFinite(options.density ?? 0.1, "options.density");
  if (!(density > 0 && density <= 1)) {
    throw new RangeError(`options.density must be in (0, 1], got ${density}`);
  }
  const blockSize = options.blockSize ?? 64;
  if (typeof blockSize !== "number") {
    throw new TypeError(`options.blockSize must be a number, got ${typeof blockSize}`);
  }
  if (![16, 32, 64, 128].includes(blockSize)) {
    throw new RangeError(
      `options.blockSize must be a power of two from 16 to 128, got ${blockSize}`,
    );
  }
  const scale = checkFinite(options.scale ?? 1 / Math.sqrt(dk), "options.scale");
  const useBias = options.useBias ?? false;
  if (typeof useBias !== "boolean") {
    throw new TypeError(`options.useBias must be a boolean, got ${typeof useBias}`);
  }
  return planPisa({
    device: tq.device,
    dtype: tq.dtype,
    layout,
    B,
    H,
    T,
    dk,
    dv,
    density,
    blockSize,
    scale,
    useBias,
  });
}

/**
 * PISA, piecewise sparse attention (SPEC §5, intended formula of §5.4). For each query block of
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
  const plan = validate(q, k, v, options);
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
  const plan = validate(q, k, v, options);
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
      if (disposed) throw new TypeError("pullback called after dispose()");
      const g = checkTensor(dO, "dO");
      for (const [t, name] of [[q, "q"], [k, "k"], [v, "v"]] as const) {
        if (t.destroyed) throw new TypeError(`${name} was destroyed before the pullback`);
      }
      checkSameDeviceAndDtype({ output: o, dO: g });
      if (g.shape.length !== 4 || g.shape.some((d, i) => d !== o.shape[i])) {
        throw new RangeError(
          `dO must have the output's shape [${o.shape.join(", ")}], got [${g.shape.join(", ")}]`,
        );
      }
      return pisaBackward(plan, q, k, v, g, saved);
    },
    dispose,
    [Symbol.dispose]: dispose,
  };
};
