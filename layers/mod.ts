/**
 * The paper layers (docs/math.md §6) and LinFusion (docs/math.md §7), with parameters named like the PyTorch
 * state_dicts, safetensors loading and gradients.
 * @module
 */
export {
  type ImageForwardOptions,
  Layer,
  type LayerGrads,
  type LayerInit,
  type LayerVjp,
} from "./_layer.ts";
export type { HostTensor, ParamRole, ParamSpec, StateDict } from "./_params.ts";
export {
  type DifferentiableOp,
  Graph,
  type ListInputOp,
  type MultiOutputOp,
  type Routes,
} from "./_graph.ts";
export {
  GeneralizedLinearAttention,
  type GeneralizedLinearAttentionForward,
  type GeneralizedLinearAttentionOptions,
} from "./linfusion.ts";
export type { GeneralizedLinearAttentionConfig } from "./linfusion_config.ts";
export {
  LinFusion,
  type LinFusionConfig,
  type LinFusionModuleEntry,
  type LinFusionOptions,
} from "./linfusion_model.ts";
export {
  FocusedLayer,
  FocusedLinearAttention,
  type FocusedLinearAttentionOptions,
  PolaLinearAttention,
  type PolaLinearAttentionOptions,
} from "./focused.ts";
export type { FocusedLayerConfig, FocusedLayerOptions } from "./focused_config.ts";
export {
  MambaLikeLinearAttention,
  RALALinearAttention,
  RopeLayer,
  type RopeLayerOptions,
} from "./rope_layers.ts";
export type { RopeLayerConfig } from "./rope_layers_config.ts";
