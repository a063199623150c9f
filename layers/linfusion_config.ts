/**
 * Options of `GeneralizedLinearAttention` (LinFusion, docs/math.md §6.1) and their resolution to the
 * diffusers `Attention` dimensions and state_dict entries. Pure CPU code.
 * @module
 */
import {
  checkBoolean,
  checkPositiveInt,
  layerNormSpecs,
  linearSpecs,
  type ParamSpec,
} from "./_params.ts";

/**
 * Constructor options, named like diffusers `Attention`'s arguments in camelCase:
 * `queryDim` = query_dim, `crossAttentionDim` = cross_attention_dim, `heads` = heads,
 * `dimHead` = dim_head, `bias` = bias, `outBias` = out_bias, `outDim` = out_dim,
 * `projectionMidDim` = projection_mid_dim. Dropout is not supported (the original's default
 * is 0, and LinFusion never sets it).
 */
export interface GeneralizedLinearAttentionOptions {
  /** Channels of the query input X (query_dim). */
  queryDim: number;
  /** Channels of `encoderHiddenStates` (cross_attention_dim); defaults to `queryDim`. */
  crossAttentionDim?: number | null;
  /** Heads; default 8. Ignored when `outDim` is set (then heads = outDim / dimHead). */
  heads?: number;
  /** Features per head (dim_head); default 64. */
  dimHead?: number;
  /** Biases on to_q, to_k, to_v; default false. */
  bias?: boolean;
  /** Bias on to_out.0; default true. */
  outBias?: boolean;
  /** Output channels and inner width (out_dim); default `queryDim` / `heads·dimHead`. */
  outDim?: number | null;
  /**
   * Hidden width M of the to_q_/to_k_ MLPs; default (null) = the inner width. `-1` makes them
   * Identity, so the projection input is `X + X = 2X`, as in the original (docs/math.md §11.9).
   */
  projectionMidDim?: number | null;
}

/** Resolved dimensions of a `GeneralizedLinearAttention`. */
export interface GeneralizedLinearAttentionConfig {
  /** Channels of X. */
  queryDim: number;
  /** Channels of the encoder states (= queryDim in self-attention). */
  kvDim: number;
  /** Heads. */
  heads: number;
  /** Features per head of the attention: inner / heads. */
  headDim: number;
  /** Width of Q, K, V (heads · headDim). */
  inner: number;
  /** Output channels. */
  outDim: number;
  /** Whether to_q/to_k/to_v have biases. */
  bias: boolean;
  /** Whether to_out.0 has a bias. */
  outBias: boolean;
  /** Hidden width of the projection MLPs, or null when they are Identity. */
  mid: number | null;
  /** Denominator ε of the attention (1e-4 in LinFusion). */
  eps: number;
  /** Every state_dict entry, in the original's order. */
  specs: ParamSpec[];
}

/** Resolves options the way diffusers `Attention` and `add_non_linear_model` do (docs/math.md §6.1). */
export function resolveGeneralizedLinearAttention(
  options: GeneralizedLinearAttentionOptions,
): GeneralizedLinearAttentionConfig {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("GeneralizedLinearAttention: options must be an object");
  }
  const queryDim = checkPositiveInt(options.queryDim, "queryDim");
  const kvDim = checkPositiveInt(options.crossAttentionDim ?? queryDim, "crossAttentionDim");
  const dimHead = checkPositiveInt(options.dimHead ?? 64, "dimHead");
  const outDimOpt = options.outDim ?? null;
  if (outDimOpt !== null) checkPositiveInt(outDimOpt, "outDim");
  if (outDimOpt !== null && outDimOpt % dimHead !== 0) {
    // diffusers takes heads = out_dim // dim_head and silently changes the head width.
    throw new RangeError(
      `outDim (${outDimOpt}) must be a multiple of dimHead (${dimHead}): heads = outDim / ` +
        `dimHead, where diffusers' integer division would silently change the head width`,
    );
  }
  const headsOpt = checkPositiveInt(options.heads ?? 8, "heads");
  const inner = outDimOpt ?? dimHead * headsOpt;
  const heads = inner / dimHead;
  const outDim = outDimOpt ?? queryDim;
  const midOpt = options.projectionMidDim ?? null;
  if (midOpt !== null && midOpt !== -1) checkPositiveInt(midOpt, "projectionMidDim");
  const mid = midOpt === -1 ? null : midOpt ?? inner;
  if (mid !== null && (queryDim !== inner || kvDim !== inner)) {
    throw new RangeError(
      `the to_q_/to_k_ projections need queryDim = crossAttentionDim = inner width, got ` +
        `queryDim ${queryDim}, crossAttentionDim ${kvDim}, inner ${inner} (docs/math.md §6.1)`,
    );
  }
  const bias = checkBoolean(options.bias, false, "bias");
  const outBias = checkBoolean(options.outBias, true, "outBias");
  const specs = [
    ...linearSpecs("to_q", queryDim, inner, bias),
    ...linearSpecs("to_k", kvDim, inner, bias),
    ...linearSpecs("to_v", kvDim, inner, bias),
    ...linearSpecs("to_out.0", inner, outDim, outBias),
  ];
  if (mid !== null) {
    for (const p of ["to_q_", "to_k_"]) {
      specs.push(
        ...linearSpecs(`${p}.0`, inner, mid, true),
        ...layerNormSpecs(`${p}.1`, mid),
        ...linearSpecs(`${p}.3`, mid, inner, true),
      );
    }
  }
  return {
    queryDim,
    kvDim,
    heads,
    headDim: inner / heads,
    inner,
    outDim,
    bias,
    outBias,
    mid,
    eps: 1e-4,
    specs,
  };
}
