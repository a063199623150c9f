/**
 * Float64 CPU references of the paper layers (docs/math.md §6) and of the building blocks they use,
 * with the option resolution (dimensions, state_dict specs) the GPU layers share.
 *
 * @example
 * ```ts
 * import { layers } from "@flash-bla/flash-bla/reference";
 * const cfg = layers.resolveMambaLikeLinearAttention({ dim: 8, inputResolution: [2, 2], numHeads: 2 });
 * const params = layers.toFloat64(layers.randomParameters(cfg.specs, 1));
 * const y = layers.mambaLikeLinearAttentionRef(cfg, params, new Float64Array(4 * 8).fill(0.5), 1);
 * console.log(y.length); // 32
 * ```
 * @module
 */
export * from "./primitives.ts";
export * from "./linfusion.ts";
export * from "./rope_layers.ts";
export * from "./focused.ts";
export * from "../linfusion_config.ts";
export * from "../rope_layers_config.ts";
export * from "../focused_config.ts";
export {
  type HostTensor,
  type ParamRole,
  type ParamSpec,
  randomParameters,
  type StateDict,
  toFloat64,
} from "../_params.ts";
