/**
 * Training on GPU tensors: optimizers with fused update kernels (`SGD`, `Adam`, `AdamW`, as in
 * `torch.optim`) and the MSE loss with its gradient.
 *
 * @example
 * ```ts
 * import { Adam, mseLoss, Tensor } from "@flash-bla/flash-bla";
 * using w = await Tensor.fromArray([0, 0, 0], [3]);
 * using target = await Tensor.fromArray([1, 2, 3], [3]);
 * using opt = new Adam({ w }, { lr: 0.1 });
 * for (let step = 0; step < 100; step++) {
 *   const { loss, grad } = mseLoss(w, target); // here the prediction is w itself
 *   opt.step({ w: grad });
 *   loss.destroy();
 *   grad.destroy();
 * }
 * console.log(await w.read()); // ≈ [1, 2, 3]
 * ```
 * @module
 */
export { type NamedTensors, Optimizer } from "./optimizer.ts";
export { SGD, type SGDOptions } from "./sgd.ts";
export { Adam, type AdamOptions, AdamW } from "./adam.ts";
export { type MseLoss, mseLoss } from "./loss.ts";
