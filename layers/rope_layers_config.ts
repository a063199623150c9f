/**
 * Options of the two RoPE layers, `MambaLikeLinearAttention` (MLLA, docs/math.md §6.2) and
 * `RALALinearAttention` (docs/math.md §6.5), and their state_dict entries. Pure CPU code.
 * @module
 */
import {
  checkBoolean,
  checkDivisible,
  checkPositiveInt,
  convSpecs,
  linearSpecs,
  type ParamSpec,
} from "./_params.ts";

/**
 * Constructor options shared by MLLA and RALA, named like the original's arguments in
 * camelCase: `dim` = dim, `inputResolution` = input_resolution, `numHeads` = num_heads,
 * `qkvBias` = qkv_bias.
 */
export interface RopeLayerOptions {
  /** Channels C. */
  dim: number;
  /** Token grid `[height, width]`; the RoPE buffer is built for it. Non-square is fine. */
  inputResolution: readonly [number, number];
  /** Heads; must divide `dim`. */
  numHeads: number;
  /** Bias on the input projection; default true. */
  qkvBias?: boolean;
}

/** Resolved dimensions of an MLLA or RALA layer. */
export interface RopeLayerConfig {
  /** Channels C. */
  dim: number;
  /** Grid rows (inputResolution[0]). */
  height: number;
  /** Grid columns (inputResolution[1]). */
  width: number;
  /** Heads. */
  heads: number;
  /** C / heads. */
  headDim: number;
  /** Bias on the input projection. */
  qkvBias: boolean;
  /** Attention ε (1e-6). */
  eps: number;
  /** Every state_dict entry. */
  specs: ParamSpec[];
}

function resolveCommon(options: RopeLayerOptions, layer: string) {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${layer}: options must be an object`);
  }
  const dim = checkPositiveInt(options.dim, "dim");
  const heads = checkPositiveInt(options.numHeads, "numHeads");
  const res = options.inputResolution;
  if (!Array.isArray(res) || res.length !== 2) {
    throw new TypeError(`inputResolution must be [height, width], got ${String(res)}`);
  }
  const height = checkPositiveInt(res[0], "inputResolution[0]");
  const width = checkPositiveInt(res[1], "inputResolution[1]");
  checkDivisible(dim, heads, "dim must be divisible by numHeads");
  const qkvBias = checkBoolean(options.qkvBias, true, "qkvBias");
  return { dim, heads, headDim: dim / heads, height, width, qkvBias };
}

/** MLLA (docs/math.md §6.2): RoPE over all C channels, so C must be a multiple of 4 (docs/math.md §11.11). */
export function resolveMambaLikeLinearAttention(options: RopeLayerOptions): RopeLayerConfig {
  const c = resolveCommon(options, "MambaLikeLinearAttention");
  checkDivisible(c.dim, 4, "dim (the RoPE width of MLLA) must be a multiple of 4");
  const specs: ParamSpec[] = [
    ...linearSpecs("qk", c.dim, 2 * c.dim, c.qkvBias),
    ...convSpecs("lepe", c.dim, 1, 3),
    {
      name: "rope.rotations",
      shape: [c.height, c.width, c.dim / 2, 2],
      role: "rotations",
      rope: [c.height, c.width, c.dim],
    },
  ];
  return { ...c, eps: 1e-6, specs };
}

/** RALA (docs/math.md §6.5): RoPE per head, so the head width must be a multiple of 4. */
export function resolveRALALinearAttention(options: RopeLayerOptions): RopeLayerConfig {
  const c = resolveCommon(options, "RALALinearAttention");
  checkDivisible(c.headDim, 4, "dim / numHeads (the RoPE width of RALA) must be a multiple of 4");
  const specs: ParamSpec[] = [
    ...linearSpecs("qkvo", c.dim, 4 * c.dim, c.qkvBias),
    ...convSpecs("lepe", c.dim, 1, 5),
    ...linearSpecs("proj", c.dim, c.dim, true),
    {
      name: "rope.rotations",
      shape: [c.height, c.width, c.headDim / 2, 2],
      role: "rotations",
      rope: [c.height, c.width, c.headDim],
    },
  ];
  return { ...c, eps: 1e-6, specs };
}
