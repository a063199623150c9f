/**
 * The differentiation pattern every op and layer follows:
 *
 * ```text
 * const { output, pullback } = op.vjp(inputs..., options);
 * const grads = pullback(dOutput);   // one gradient tensor per differentiable input
 * ```
 *
 * `vjp` runs the forward and keeps what the backward needs (documented per op); `pullback`
 * records the backward kernels and can be called more than once (e.g. for several upstream
 * gradients). `dispose()` (or `using`) frees what was kept; the output tensor is the caller's.
 * @module
 */

/** Result of an op's `vjp`: the forward output and its pullback. */
export interface Vjp<Output, Cotangent, Grads> extends Disposable {
  /** The forward result, owned by the caller. */
  output: Output;
  /** Gradients of the inputs for the upstream gradient `cotangent` (new tensors). */
  pullback(cotangent: Cotangent): Grads;
  /** Frees the tensors kept for the backward. */
  dispose(): void;
}
