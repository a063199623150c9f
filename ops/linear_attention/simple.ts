/**
 * `simpleLinearAttention`: linear attention without the normaliser (docs/math.md §4), optionally
 * returning the state `S = σ·KᵀV`, with a backward that takes the state's gradient too.
 * @module
 */
import { checkRank, checkTensor, type Tensor, type Vjp } from "../_runtime/mod.ts";
import {
  checkAttention,
  checkCotangent,
  checkLayout,
  checkLive,
  checkOptions,
  type Layout,
  numberOption,
} from "../_attention_args.ts";
import { LA_MAX_DIM } from "../../shaders/linear_attention/kernels.ts";
import { denseProblem, type KernelOptions, kernelOptions } from "./args.ts";
import { backward, forward } from "./engine.ts";
import type { LinearAttentionGrads } from "./fused.ts";

/** Options of {@linkcode simpleLinearAttention}. */
export interface SimpleLinearAttentionOptions extends KernelOptions {
  /** σ in `S = σ·KᵀV`; default d_k^-1/2. */
  scale?: number;
  /** `"BHTD"` (`[B, H, T, D]`, default) or `"BTHD"` (`[B, T, H, D]`). */
  layout?: Layout;
  /** Also return the state S (`[B, H, d_k, d_v]`, f32); default false. */
  returnState?: boolean;
}

/** Output and state, when `returnState` is set. */
export interface SimpleLinearAttentionResult {
  /** O = Q S, like q but with d_v features. */
  output: Tensor;
  /** S = σ·KᵀV, `[B, H, d_k, d_v]`, always f32. */
  state: Tensor;
}

/** Upstream gradients: of the output, and (with `returnState`) optionally of the state. */
export type SimpleLinearAttentionCotangent = Tensor | { output: Tensor; state?: Tensor };

const OP = "simpleLinearAttention";

function setup(q: Tensor, k: Tensor, v: Tensor, options?: SimpleLinearAttentionOptions) {
  const opts = checkOptions(options, OP);
  if (opts.returnState !== undefined && typeof opts.returnState !== "boolean") {
    throw new TypeError(`${OP}: returnState must be a boolean, got ${String(opts.returnState)}`);
  }
  const shape = checkAttention(OP, { q }, { k }, v, checkLayout(opts.layout, OP), LA_MAX_DIM);
  const variant = { dtype: q.dtype, normalised: false, decoupled: false, varlen: false };
  const scale = numberOption(opts.scale, 1 / Math.sqrt(shape.dk), `${OP}: scale`);
  const kernel = kernelOptions(opts, OP, q.device);
  return { p: denseProblem(OP, shape, variant, scale, 0, kernel), returnState: !!opts.returnState };
}

/** Checks the state gradient: `[B, H, d_k, d_v]`, f32, on the state's device. */
function checkStateGrad(g: unknown, state: Tensor): Tensor {
  const t = checkTensor(g, `${OP} pullback: state gradient`);
  checkRank(t, 4, `${OP} pullback: state gradient`, "[B, H, d_k, d_v]");
  if (
    t.device !== state.device || t.dtype !== "f32" || t.shape.some((d, i) => d !== state.shape[i])
  ) {
    throw new TypeError(
      `${OP} pullback: state gradient must be an f32 tensor of shape [${state.shape.join(", ")}] ` +
        `on the same device, got ${t}`,
    );
  }
  return t;
}

function simpleVjp(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options?: SimpleLinearAttentionOptions,
): Vjp<Tensor | SimpleLinearAttentionResult, SimpleLinearAttentionCotangent, LinearAttentionGrads> {
  const { p, returnState } = setup(q, k, v, options);
  const { output, state } = forward(p, { q, k, v });
  // With returnState the caller owns the state (and must keep it for the pullback).
  const dispose = () => returnState || state.destroy();
  return {
    output: returnState ? { output, state } : output,
    pullback(cotangent: SimpleLinearAttentionCotangent): LinearAttentionGrads {
      checkLive(OP, !returnState && state.destroyed, { q, k, v, state });
      const isPair = typeof cotangent === "object" && cotangent !== null &&
        !("buffer" in cotangent) && "output" in cotangent;
      const dO = checkCotangent(OP, "dO", isPair ? cotangent.output : cotangent, output);
      const gs = isPair && cotangent.state !== undefined
        ? checkStateGrad(cotangent.state, state)
        : undefined;
      if (gs && !returnState) {
        throw new TypeError(`${OP} pullback: a state gradient needs returnState: true`);
      }
      const g = backward(p, { q, k, v }, { output, state }, dO, gs);
      return { dq: g.dq, dk: g.dk, dv: g.dv };
    },
    dispose,
    [Symbol.dispose]: dispose,
  };
}

/**
 * Linear attention without the normaliser (docs/math.md §4), per (b, h): `S = σ·KᵀV`, `O = Q S`.
 *
 * - q: `[B, H, L_q, d_k]`, k: `[B, H, L_k, d_k]`, v: `[B, H, L_k, d_v]` (or `[B, L, H, D]` with
 *   `layout: "BTHD"`); returns O: `[B, H, L_q, d_v]` in the same layout and dtype, or
 *   `{ output, state }` with `returnState: true` (state `[B, H, d_k, d_v]`, f32).
 * - Default σ = d_k^-1/2. Any L ≥ 1, d_k, d_v in 1..256, f32 or f16 storage.
 * - `simpleLinearAttention.vjp(...)`: `pullback(dO)`, or `pullback({ output: dO, state: gS })`
 *   with `returnState`, for the loss `Σ O⊙dO + Σ S⊙gS`; returns `{ dq, dk, dv }`.
 *
 * @example
 * ```ts
 * import { simpleLinearAttention, Tensor } from "@flash-bla/flash-bla";
 * const x = Float32Array.from({ length: 2 * 8 * 4 }, () => Math.random());
 * using q = await Tensor.fromArray(x, [1, 2, 8, 4]);
 * const { output, state } = simpleLinearAttention(q, q, q, { returnState: true });
 * console.log(state.shape, await output.read()); // [1, 2, 4, 4]
 * using f = simpleLinearAttention.vjp(q, q, q, { returnState: true });
 * const { dq } = f.pullback({ output: output, state: state });
 * ```
 */
export const simpleLinearAttention: {
  (
    q: Tensor,
    k: Tensor,
    v: Tensor,
    options?: SimpleLinearAttentionOptions & {
      returnState?: false;
    },
  ): Tensor;
  (
    q: Tensor,
    k: Tensor,
    v: Tensor,
    options: SimpleLinearAttentionOptions & {
      returnState: true;
    },
  ): SimpleLinearAttentionResult;
  (
    q: Tensor,
    k: Tensor,
    v: Tensor,
    options?: SimpleLinearAttentionOptions,
  ): Tensor | SimpleLinearAttentionResult;
  /**
   * Forward plus pullback (see {@linkcode simpleLinearAttention}). Keeps the f32 state until
   * `dispose()` (with `returnState` the state is the caller's and must stay alive).
   */
  vjp(
    q: Tensor,
    k: Tensor,
    v: Tensor,
    options?: SimpleLinearAttentionOptions,
  ): Vjp<
    Tensor | SimpleLinearAttentionResult,
    SimpleLinearAttentionCotangent,
    LinearAttentionGrads
  >;
} = Object.assign(
  function simpleLinearAttention(
    q: Tensor,
    k: Tensor,
    v: Tensor,
    options?: SimpleLinearAttentionOptions,
  ): any {
    const { p, returnState } = setup(q, k, v, options);
    const { output, state } = forward(p, { q, k, v });
    if (returnState) return { output, state };
    state.destroy();
    return output;
  },
  { vjp: simpleVjp },
);
