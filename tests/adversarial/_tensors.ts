/** Small deterministic tensors for the adversarial tests. */
import { type DType, Tensor } from "../../ops/_runtime/mod.ts";

/** A tensor of `shape` holding 1, 2, …, 7, 1, 2, … (never zero, so lost writes show). */
export function counting(device: GPUDevice, shape: number[], dtype: DType = "f32"): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Float32Array.from({ length: n }, (_, i) => 1 + (i % 7));
  return Tensor.fromArraySync(device, data, shape, dtype);
}
