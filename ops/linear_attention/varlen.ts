/**
 * `varlenLinearAttention`: normalised linear attention over packed sequences of different
 * lengths (docs/math.md §3), fused forward and backward.
 * @module
 */
import { checkRank, checkTensor, type Tensor, type Vjp } from "../_runtime/mod.ts";
import {
  checkFeatures,
  checkOptions,
  numberOption,
  sameDeviceAndDtype,
} from "../_attention_args.ts";
import { LA_MAX_DIM } from "../../shaders/linear_attention/kernels.ts";
import { type KernelOptions, kernelOptions } from "./args.ts";
import type { Problem } from "./engine.ts";
import { forwardOutput, fusedVjp, qkvGrads } from "./fused.ts";
import type { LinearAttentionGrads } from "./fused.ts";

/** Options of {@linkcode varlenLinearAttention}. */
export interface VarlenLinearAttentionOptions extends KernelOptions {
  /** σ for every sequence; default 1/n_s for sequence s of length n_s. */
  scale?: number;
  /** ε, added to the denominator; default 1e-6. */
  eps?: number;
}

const OP = "varlenLinearAttention";

function checkCuSeqlens(cu: unknown, total: number): Int32Array {
  if (!(cu instanceof Int32Array)) {
    throw new TypeError(`${OP}: cuSeqlens must be an Int32Array, got ${String(cu)}`);
  }
  if (cu.length < 2) {
    throw new RangeError(`${OP}: cuSeqlens needs at least 2 entries, got ${cu.length}`);
  }
  if (cu[0] !== 0) throw new RangeError(`${OP}: cuSeqlens[0] must be 0, got ${cu[0]}`);
  for (let s = 1; s < cu.length; s++) {
    if (cu[s] < cu[s - 1]) {
      throw new RangeError(
        `${OP}: cuSeqlens must be non-decreasing, got cuSeqlens[${s - 1}] = ${cu[s - 1]} > ` +
          `cuSeqlens[${s}] = ${cu[s]}`,
      );
    }
  }
  if (cu[cu.length - 1] !== total) {
    throw new RangeError(
      `${OP}: cuSeqlens must end at T_total = ${total} (q.shape[0]), got ${cu[cu.length - 1]}`,
    );
  }
  return Int32Array.from(cu);
}

function setup(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  cuSeqlens: Int32Array,
  options?: VarlenLinearAttentionOptions,
): Problem {
  const opts = checkOptions(options, OP);
  const all = { q: checkTensor(q, `${OP}: q`), k: checkTensor(k, `${OP}: k`) };
  const tensors = { ...all, v: checkTensor(v, `${OP}: v`) };
  for (const [name, t] of Object.entries(tensors)) {
    checkRank(t, 3, `${OP}: ${name}`, "[T_total, H, D]");
  }
  sameDeviceAndDtype(OP, tensors);
  const [total, H, dk] = q.shape;
  if (k.shape.some((d, i) => d !== q.shape[i])) {
    throw new RangeError(
      `${OP}: k has shape [${k.shape.join(", ")}], expected q's [${q.shape.join(", ")}]`,
    );
  }
  if (v.shape[0] !== total || v.shape[1] !== H) {
    throw new RangeError(
      `${OP}: v has shape [${v.shape.join(", ")}]: T_total × H must match q's ${total}×${H}`,
    );
  }
  if (total < 1 || H < 1) {
    throw new RangeError(`${OP}: q needs T_total, H ≥ 1, got [${q.shape.join(", ")}]`);
  }
  checkFeatures(dk, LA_MAX_DIM, `${OP}: d_k of q`, q.shape);
  checkFeatures(v.shape[2], LA_MAX_DIM, `${OP}: d_v of v`, v.shape);
  const cu = checkCuSeqlens(cuSeqlens, total);
  return {
    op: OP,
    variant: { dtype: q.dtype, normalised: true, decoupled: false, varlen: true },
    items: 1,
    segsPerItem: (cu.length - 1) * H,
    he: H,
    lq: total,
    lk: total,
    dk,
    dv: v.shape[2],
    statePrefix: [cu.length - 1, H],
    scale: numberOption(opts.scale, 0, `${OP}: scale`),
    scaleDefault: opts.scale === undefined,
    eps: numberOption(opts.eps, 1e-6, `${OP}: eps`),
    cu,
    ...kernelOptions(opts, OP, q.device),
  };
}

function varlenVjp(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  cuSeqlens: Int32Array,
  options?: VarlenLinearAttentionOptions,
): Vjp<Tensor, Tensor, LinearAttentionGrads> {
  return fusedVjp(setup(q, k, v, cuSeqlens, options), { q, k, v }, { q, k, v }, qkvGrads);
}

/**
 * Normalised linear attention over packed variable-length sequences (docs/math.md §3): sequence s
 * holds rows `[cuSeqlens[s], cuSeqlens[s+1])` and is attended on its own, exactly like
 * {@linkcode linearAttention} on that segment with L = n_s.
 *
 * - q, k: `[T_total, H, d_k]`; v: `[T_total, H, d_v]`; returns o: `[T_total, H, d_v]`.
 * - cuSeqlens: `Int32Array` of N + 1 offsets, starting at 0, non-decreasing, ending at
 *   T_total (empty sequences are allowed).
 * - Defaults σ_s = 1/n_s per sequence, ε = 1e-6; d_k, d_v in 1..256; f32 or f16 storage.
 * - `varlenLinearAttention.vjp(...)`: `pullback(dO)` returns `{ dq, dk, dv }`.
 *
 * @example
 * ```ts
 * import { Tensor, varlenLinearAttention } from "@flash-bla/flash-bla";
 * const x = Float32Array.from({ length: 10 * 2 * 4 }, () => Math.random());
 * using q = await Tensor.fromArray(x, [10, 2, 4]);
 * using o = varlenLinearAttention(q, q, q, new Int32Array([0, 3, 3, 10]));
 * console.log(await o.read());
 * ```
 */
export const varlenLinearAttention: {
  (
    q: Tensor,
    k: Tensor,
    v: Tensor,
    cuSeqlens: Int32Array,
    options?: VarlenLinearAttentionOptions,
  ): Tensor;
  /** Forward plus pullback; keeps the f32 states (N·H·d_k·(d_v+1)) and z (T_total·H) until `dispose()`. */
  vjp(
    q: Tensor,
    k: Tensor,
    v: Tensor,
    cuSeqlens: Int32Array,
    options?: VarlenLinearAttentionOptions,
  ): Vjp<Tensor, Tensor, LinearAttentionGrads>;
} = Object.assign(
  function varlenLinearAttention(
    q: Tensor,
    k: Tensor,
    v: Tensor,
    cuSeqlens: Int32Array,
    options?: VarlenLinearAttentionOptions,
  ): Tensor {
    return forwardOutput(setup(q, k, v, cuSeqlens, options), { q, k, v });
  },
  { vjp: varlenVjp },
);
