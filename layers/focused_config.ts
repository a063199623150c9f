/**
 * Options of `FocusedLinearAttention` (docs/math.md §6.3) and `PolaLinearAttention` (docs/math.md §6.4), which
 * share the key/value path (optional spatial reduction), and their state_dict entries.
 * @module
 */
import {
  checkBoolean,
  checkDivisible,
  checkPositiveInt,
  convSpecs,
  layerNormSpecs,
  linearSpecs,
  type ParamSpec,
} from "./_params.ts";

/**
 * Constructor options, named like the original's arguments in camelCase: `dim` = dim,
 * `numPatches` = num_patches, `numHeads` = num_heads, `qkvBias` = qkv_bias, `srRatio` =
 * sr_ratio, `focusingFactor` = focusing_factor, `kernelSize` = kernel_size, `alpha` = alpha.
 * qk_scale and attn_drop are unused in the original and absent here; proj_drop (dropout) is
 * not supported.
 */
export interface FocusedLayerOptions {
  /** Channels C. */
  dim: number;
  /** Tokens N of the image the layer is built for; `positional_encoding` has `numPatches / srRatio²` rows (or 1). */
  numPatches: number;
  /** Heads; default 8; must divide `dim`. */
  numHeads?: number;
  /** Biases on the q (qg) and kv projections; default false. */
  qkvBias?: boolean;
  /** Spatial-reduction ratio of keys and values; default 1. */
  srRatio?: number;
  /** Depthwise conv kernel on the values (odd); default 5. */
  kernelSize?: number;
}

/** Focused linear attention options: adds the focusing power (default 3). */
export interface FocusedLinearAttentionOptions extends FocusedLayerOptions {
  /** Focusing factor f (a number ≥ 1, used as a power); default 3. */
  focusingFactor?: number;
}

/** PolaFormer options: adds alpha (default 4), the range of the learned power. */
export interface PolaLinearAttentionOptions extends FocusedLayerOptions {
  /** The power is `1 + alpha·sigmoid(power)`; default 4. */
  alpha?: number;
}

/** Resolved dimensions of a Focused or Pola layer. */
export interface FocusedLayerConfig {
  /** Channels C. */
  dim: number;
  /** Heads. */
  heads: number;
  /** C / heads. */
  headDim: number;
  /** Biases on the q/qg and kv projections. */
  qkvBias: boolean;
  /** Spatial-reduction ratio. */
  srRatio: number;
  /** Kernel of `dwc`. */
  kernelSize: number;
  /** Rows of `positional_encoding`. */
  posRows: number;
  /** Focusing factor (Focused) or alpha (Pola). */
  power: number;
  /** Attention ε (1e-6). */
  eps: number;
  /** Every state_dict entry, parameters on the module first, then children. */
  specs: ParamSpec[];
}

function resolveShared(options: FocusedLayerOptions, layer: string, firstProj: string) {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${layer}: options must be an object`);
  }
  const dim = checkPositiveInt(options.dim, "dim");
  const numPatches = checkPositiveInt(options.numPatches, "numPatches");
  const heads = checkPositiveInt(options.numHeads ?? 8, "numHeads");
  checkDivisible(dim, heads, "dim must be divisible by numHeads");
  const sr = checkPositiveInt(options.srRatio ?? 1, "srRatio");
  const ks = checkPositiveInt(options.kernelSize ?? 5, "kernelSize");
  if (ks % 2 === 0) throw new RangeError(`kernelSize must be odd, got ${ks}`);
  const posRows = Math.floor(numPatches / (sr * sr));
  if (posRows < 1) {
    throw new RangeError(`numPatches (${numPatches}) must be ≥ srRatio² (${sr * sr})`);
  }
  const qkvBias = checkBoolean(options.qkvBias, false, "qkvBias");
  const headDim = dim / heads;
  const qOut = firstProj === "qg" ? 2 * dim : dim;
  const own: ParamSpec[] = [
    { name: "scale", shape: [1, 1, dim], role: "free" },
    { name: "positional_encoding", shape: [1, posRows, dim], role: "free" },
  ];
  const children: ParamSpec[] = [
    ...linearSpecs(firstProj, dim, qOut, qkvBias),
    ...linearSpecs("kv", dim, 2 * dim, qkvBias),
    ...linearSpecs("proj", dim, dim, true),
    ...(sr > 1 ? [...convSpecs("sr", dim, dim, sr), ...layerNormSpecs("norm", dim)] : []),
    ...convSpecs("dwc", headDim, 1, ks),
  ];
  return { dim, heads, headDim, qkvBias, srRatio: sr, kernelSize: ks, posRows, own, children };
}

/** Resolves `FocusedLinearAttention` options (docs/math.md §6.3). */
export function resolveFocusedLinearAttention(
  options: FocusedLinearAttentionOptions,
): FocusedLayerConfig {
  const s = resolveShared(options, "FocusedLinearAttention", "q");
  const f = options.focusingFactor ?? 3;
  if (typeof f !== "number" || !(f >= 1) || !Number.isFinite(f)) {
    throw new RangeError(`focusingFactor must be a finite number ≥ 1, got ${String(f)}`);
  }
  const { own, children, ...rest } = s;
  return { ...rest, power: f, eps: 1e-6, specs: [...own, ...children] };
}

/** Resolves `PolaLinearAttention` options (docs/math.md §6.4). */
export function resolvePolaLinearAttention(
  options: PolaLinearAttentionOptions,
): FocusedLayerConfig {
  const s = resolveShared(options, "PolaLinearAttention", "qg");
  const alpha = options.alpha ?? 4;
  if (typeof alpha !== "number" || !(alpha >= 0) || !Number.isFinite(alpha)) {
    throw new RangeError(`alpha must be a finite number ≥ 0, got ${String(alpha)}`);
  }
  if (s.headDim < 2) {
    throw new RangeError(
      `dim / numHeads must be ≥ 2 (values split in two halves), got ${s.headDim}`,
    );
  }
  const { own, children, ...rest } = s;
  const power: ParamSpec = { name: "power", shape: [1, s.heads, 1, s.headDim], role: "free" };
  return { ...rest, power: alpha, eps: 1e-6, specs: [power, ...own, ...children] };
}
