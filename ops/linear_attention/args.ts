/**
 * Problem set-up shared by the dense linear-attention ops (their arguments are checked by
 * ops/_attention_args.ts).
 * @module
 */
import type { Tensor } from "../_runtime/mod.ts";
import { LA_MAX_DIM, type LaVariant } from "../../shaders/linear_attention/kernels.ts";
import {
  type AttentionShape,
  checkAttention,
  checkLayout,
  checkOptions,
  type Layout,
  numberOption,
} from "../_attention_args.ts";
import type { Problem } from "./engine.ts";

/** The engine's view of a dense problem. */
export function denseProblem(
  op: string,
  s: AttentionShape,
  variant: LaVariant,
  sigma: number,
  eps: number,
): Problem {
  const bhtd = s.layout === "BHTD";
  return {
    op,
    variant,
    items: bhtd ? s.B * s.H : s.B,
    segsPerItem: bhtd ? 1 : s.H,
    he: bhtd ? 1 : s.H,
    lq: s.lq,
    lk: s.lk,
    dk: s.dk,
    dv: s.dv,
    statePrefix: [s.B, s.H],
    sigma,
    sigmaDefault: false,
    eps,
  };
}

/**
 * Checks the options and tensors of a normalised dense op (`linearAttention`, and
 * `decoupledLinearAttention` with `decoupled`) and returns its problem: σ = 1/L_k and ε = 1e-6
 * by default.
 */
export function normalisedProblem(
  op: string,
  queries: Record<string, unknown>,
  keys: Record<string, unknown>,
  v: unknown,
  options: { scale?: number; eps?: number; layout?: Layout } | undefined,
  decoupled: boolean,
): Problem {
  const opts = checkOptions(options, op);
  const shape = checkAttention(op, queries, keys, v, checkLayout(opts.layout, op), LA_MAX_DIM);
  const variant = { dtype: (v as Tensor).dtype, normalised: true, decoupled, varlen: false };
  const sigma = numberOption(opts.scale, 1 / shape.lk, `${op}: scale`);
  return denseProblem(op, shape, variant, sigma, numberOption(opts.eps, 1e-6, `${op}: eps`));
}
