/**
 * WGSL generator of the fused optimizer updates (PyTorch semantics, `torch.optim`): one kernel
 * per parameter tensor reads the gradient and updates the parameter and its f32 state in
 * place, one element per thread, math in f32.
 *
 * - `sgd`: `g = grad + wd·p;  p -= lr·g`
 * - `sgd_momentum`: `g = grad + wd·p;  b = first ? g : μ·b + (1 − τ)·g;
 *   g = nesterov ? g + μ·b : b;  p -= lr·g`
 * - `adam` (Adam and AdamW): `p ← p·decay (AdamW: 1 − lr·wd);  g = grad + l2·p (Adam: wd);
 *   m ← m + (1 − β₁)(g − m);  v ← β₂v + (1 − β₂)g²;  p -= stepSize · m / (√v / √bc₂ + ε)`
 *   with `stepSize = lr / (1 − β₁ᵗ)` and `bc₂ = 1 − β₂ᵗ` computed on the host.
 *
 * Factors such as `1 − β₂` are computed on the host in f64 and passed rounded to f32, as
 * PyTorch passes Python scalars (`1 − f32(β₂)` would be off by up to 1e-5 relative).
 * @module
 */
import { FLAT_GROUP_WGSL, read, readWrite, type StorageBinding, UniformBlock } from "../common.ts";
import type { DType } from "../common.ts";

/** The update rules: plain SGD, SGD with a momentum buffer, Adam/AdamW. */
export type UpdateRule = "sgd" | "sgd_momentum" | "adam";

/** Threads per workgroup of the optimizer kernels (one element each). */
export const OPTIM_WORKGROUP = 256;

/** Uniforms of each rule. */
export const optimParams = {
  sgd: new UniformBlock({ n: "u32", lr: "f32", weight_decay: "f32" }),
  sgd_momentum: new UniformBlock({
    n: "u32",
    lr: "f32",
    weight_decay: "f32",
    momentum: "f32",
    one_minus_dampening: "f32",
    first_step: "u32",
    nesterov: "u32",
  }),
  adam: new UniformBlock({
    n: "u32",
    decay: "f32",
    l2: "f32",
    one_minus_beta1: "f32",
    beta2: "f32",
    one_minus_beta2: "f32",
    step_size: "f32",
    bc2_sqrt: "f32",
    eps: "f32",
  }),
} as const;

/** The f32 state tensors of each rule, bound after `param` and `grad`. */
export const STATE_NAMES: Record<UpdateRule, readonly string[]> = {
  sgd: [],
  sgd_momentum: ["momentum_buffer"],
  adam: ["exp_avg", "exp_avg_sq"],
};

const UPDATE_BODY: Record<UpdateRule, string> = {
  sgd: `
  let g = f32(grad[i]) + u.weight_decay * p;
  p = p - u.lr * g;`,
  sgd_momentum: `
  var g = f32(grad[i]) + u.weight_decay * p;
  var b = g;
  if (u.first_step == 0u) { b = u.momentum * momentum_buffer[i] + u.one_minus_dampening * g; }
  momentum_buffer[i] = b;
  if (u.nesterov != 0u) { g = g + u.momentum * b; } else { g = b; }
  p = p - u.lr * g;`,
  adam: `
  p = p * u.decay;
  let g = f32(grad[i]) + u.l2 * p;
  let m = exp_avg[i] + u.one_minus_beta1 * (g - exp_avg[i]);
  let v = u.beta2 * exp_avg_sq[i] + u.one_minus_beta2 * g * g;
  exp_avg[i] = m;
  exp_avg_sq[i] = v;
  p = p - u.step_size * m / (sqrt(v) / u.bc2_sqrt + u.eps);`,
};

/**
 * Storage of the `rule` update for parameters stored as `dtype`: param, grad (same dtype), then
 * the rule's f32 state ({@linkcode STATE_NAMES}).
 */
export function optimizerStorage(rule: UpdateRule, dtype: DType): StorageBinding[] {
  const state = STATE_NAMES[rule].map((name) => readWrite(name, "f32"));
  return [readWrite("param", dtype), read("grad", dtype), ...state];
}

/** WGSL of the `rule` update (math in f32). */
export function optimizerWgsl(rule: UpdateRule, dtype: DType): string {
  return `${dtype === "f16" ? "enable f16;\n" : ""}
${FLAT_GROUP_WGSL}
@compute @workgroup_size(${OPTIM_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = flat_group(wid, nwg) * ${OPTIM_WORKGROUP}u + lid;
  if (i >= u.n) { return; }
  var p = f32(param[i]);${UPDATE_BODY[rule]}
  param[i] = ${dtype}(p);
}
`;
}
