/**
 * The linear-attention op family (SPEC §1–4): fused WGSL forward and backward kernels.
 * @module
 */
export {
  linearAttention,
  type LinearAttentionGrads,
  type LinearAttentionOptions,
} from "./linear.ts";
export type { Layout } from "./args.ts";
