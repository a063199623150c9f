/**
 * Forward and forward-plus-pullback on the fused kernels of {@linkcode forward} and
 * {@linkcode backward}, as the normalised ops (`linearAttention`, `decoupledLinearAttention`,
 * `varlenLinearAttention`) share them.
 * @module
 */
import type { Tensor, Vjp } from "../_runtime/mod.ts";
import { checkCotangent, checkLive } from "../_attention_args.ts";
import { backward, forward, type Grads, type Inputs, type Problem, release } from "./engine.ts";

/** Records the forward of `p` on `x` and frees the state: the output alone. */
export function forwardOutput(p: Problem, x: Inputs): Tensor {
  const saved = forward(p, x);
  release(saved);
  return saved.output;
}

/**
 * Records the forward and returns it with its pullback, which keeps the f32 state until
 * `dispose()`. `pullback(dO)` checks that the state was not disposed, that the `inputs` (by
 * name, for the message) were not destroyed, and `dO` against the output, then
 * records the backward and returns `pick` of its gradients (the backward does not read the
 * output: it may be destroyed).
 */
export function fusedVjp<G>(
  p: Problem,
  x: Inputs,
  inputs: Record<string, Tensor>,
  pick: (g: Grads) => G,
): Vjp<Tensor, Tensor, G> {
  const saved = forward(p, x);
  const { output } = saved;
  const dispose = () => release(saved);
  return {
    output,
    pullback(dO: Tensor): G {
      checkLive(p.op, saved.state.destroyed, inputs);
      return pick(backward(p, x, saved, checkCotangent(p.op, "dO", dO, output)));
    },
    dispose,
    [Symbol.dispose]: dispose,
  };
}

/** Gradients returned by the pullback of `linearAttention.vjp` (and of the other ops with inputs q, k, v). */
export interface LinearAttentionGrads {
  /** Gradient of q, shaped like q. */
  dq: Tensor;
  /** Gradient of k, shaped like k. */
  dk: Tensor;
  /** Gradient of v, shaped like v. */
  dv: Tensor;
}

/** `{ dq, dk, dv }` of the backward's gradients (the ops with inputs q, k, v). */
export function qkvGrads(g: Grads): LinearAttentionGrads {
  return { dq: g.dq, dk: g.dk, dv: g.dv };
}
