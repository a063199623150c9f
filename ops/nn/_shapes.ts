/**
 * Shape helpers shared by the generic ops: broadcasting, strides, binding-size checks.
 * @module
 */
import { deviceContext, type Tensor } from "../_runtime/mod.ts";

/** Row-major strides of `shape`, in elements. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  return strides;
}

/** The NumPy broadcast of two shapes; a `RangeError` naming both when they don't broadcast. */
export function broadcastShapes(
  a: readonly number[],
  b: readonly number[],
  names: [string, string],
): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1, db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new RangeError(
        `${names[0]} [${a.join(", ")}] and ${names[1]} [${b.join(", ")}] do not broadcast`,
      );
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

/**
 * Strides that read a tensor of `shape` (right-aligned) at every index of `outShape`:
 * 0 along broadcast dimensions.
 */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const own = contiguousStrides(shape);
  const lead = outShape.length - shape.length;
  return outShape.map((d, i) => (i < lead || shape[i - lead] === 1 && d !== 1 ? 0 : own[i - lead]));
}

/** Throws a `RangeError` when `t` is larger than the device's largest storage binding. */
export function checkFitsBinding(t: Tensor, name: string): void {
  const max = deviceContext(t.device).maxBindingBytes;
  if (t.byteLength > max) {
    throw new RangeError(
      `${name} ${t} (${t.byteLength} bytes) exceeds the device's largest storage binding ` +
        `(${max} bytes)`,
    );
  }
}
