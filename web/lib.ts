/**
 * Entry of the browser build `web/dist/flash-bla.js`: the package (mod.ts), its float64
 * references (reference.ts) as the namespace `reference`, and the test aid
 * `setPoisonOutputs` (new outputs filled with NaN, so unwritten elements show).
 *
 * @example
 * ```ts
 * // In a page, after `deno run -A web/build.ts`:
 * // const { linearAttention, reference, Tensor } = await import("./dist/flash-bla.js");
 * import { linearAttention, reference } from "./lib.ts";
 * console.log(typeof linearAttention, typeof reference.linearAttentionReference);
 * ```
 * @module
 */
export * from "../mod.ts";
export * as reference from "../reference.ts";
export { setPoisonOutputs } from "../ops/_runtime/tensor.ts";
