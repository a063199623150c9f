/**
 * The linear-attention op family (docs/math.md §1–4): fused WGSL forward and backward kernels, and
 * the naive compositions of `nn` ops they are measured against.
 * @module
 */
export {
  linearAttention,
  type LinearAttentionGrads,
  type LinearAttentionOptions,
} from "./linear.ts";
export {
  simpleLinearAttention,
  type SimpleLinearAttentionCotangent,
  type SimpleLinearAttentionOptions,
  type SimpleLinearAttentionResult,
} from "./simple.ts";
export { decoupledLinearAttention, type DecoupledLinearAttentionGrads } from "./decoupled.ts";
export { varlenLinearAttention, type VarlenLinearAttentionOptions } from "./varlen.ts";
export {
  naiveLinearAttention,
  type NaiveLinearAttentionGrads,
  type NaiveLinearAttentionOptions,
} from "./naive.ts";
export { type NaiveDecoupledGrads, naiveDecoupledLinearAttention } from "./naive_decoupled.ts";
export type { Layout } from "../_attention_args.ts";
export type { KernelOptions } from "./args.ts";
export type { LaTiling, LaTilingOverrides } from "./engine.ts";
export type { LaPrecision, RowRole } from "../../shaders/linear_attention/kernels.ts";
