/**
 * The mean squared error and its gradient, on the GPU (a training loss for the demo and for
 * users' own loops).
 * @module
 */
import { checkTensor, type Tensor } from "../_runtime/mod.ts";
import { add, mean, mul, scale } from "../nn/mod.ts";

/** Result of {@linkcode mseLoss}: both tensors are the caller's. */
export interface MseLoss {
  /** `mean((prediction − target)²)`, shape `[1]`, the prediction's dtype. */
  loss: Tensor;
  /** `∂loss/∂prediction = 2·(prediction − target)/n`, the prediction's shape and dtype. */
  grad: Tensor;
}

/**
 * Mean squared error over every element (PyTorch's `F.mse_loss`, reduction `"mean"`) and its
 * gradient, recorded on the GPU (nothing is read back: read `loss` only when you need it).
 *
 * @param prediction any shape, f32 or f16
 * @param target the prediction's shape, dtype and device
 * @example
 * ```ts
 * import { mseLoss, Tensor } from "@flash-bla/flash-bla";
 * using y = await Tensor.fromArray([1, 2, 3], [3]);
 * using t = await Tensor.fromArray([1, 2, 5], [3]);
 * const { loss, grad } = mseLoss(y, t); // loss 4/3, grad [0, 0, -4/3]
 * console.log(await loss.read(), await grad.read());
 * loss.destroy();
 * grad.destroy();
 * ```
 */
export function mseLoss(prediction: Tensor, target: Tensor): MseLoss {
  checkTensor(prediction, "prediction");
  checkTensor(target, "target");
  if (target.device !== prediction.device || target.dtype !== prediction.dtype) {
    throw new TypeError(
      `target must be a ${prediction.dtype} tensor on the prediction's device, got ${target}`,
    );
  }
  if (target.shape.join() !== prediction.shape.join()) {
    throw new RangeError(
      `target has shape [${target.shape.join(", ")}], prediction [${prediction.shape.join(", ")}]`,
    );
  }
  const negTarget = scale(target, -1);
  const diff = add(prediction, negTarget);
  const squares = mul(diff, diff);
  const loss = mean(squares, { axis: [0, prediction.shape.length - 1], keepDims: false });
  const grad = scale(diff, 2 / prediction.size);
  for (const t of [negTarget, diff, squares]) t.destroy();
  return { loss, grad };
}
