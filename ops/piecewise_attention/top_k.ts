/**
 * The number of key chunks PISA attends exactly per query block, shared by the kernels' plan
 * and the float64 reference.
 * @module
 */

/** `top_k = max(1, trunc(density · NT))`, the product in IEEE double as in the original. */
export function pisaTopK(density: number, chunks: number): number {
  return Math.max(1, Math.trunc(density * chunks));
}
