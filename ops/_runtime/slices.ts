/**
 * Tensors larger than the device's largest storage binding are processed in slices: a
 * launcher splits its outer items (batch × head, or batches) into groups whose every tensor
 * window fits in one binding, and binds each tensor from an aligned offset, passing the
 * remaining element offset to the kernel in its uniforms.
 * @module
 */
import { deviceContext } from "./device.ts";
import { bytesPerElement, paddedBytes, storageBuffer, type Tensor } from "./tensor.ts";

/** A window of a tensor bound as storage, and where the tensor's element `first` lies in it. */
export interface Window {
  /** The binding. */
  binding: GPUBufferBinding;
  /** Index, in elements, of the window's first requested element inside the binding. */
  elementOffset: number;
}

/** Binds elements `[first, first + count)` of `tensor`, from an aligned byte offset. */
export function windowOf(tensor: Tensor, first: number, count: number): Window {
  const bytes = bytesPerElement(tensor.dtype);
  const align = tensor.device.limits.minStorageBufferOffsetAlignment;
  const start = first * bytes;
  const offset = Math.floor(start / align) * align;
  const end = Math.min(Math.ceil(((first + count) * bytes) / 4) * 4, paddedBytes(tensor));
  return {
    binding: { buffer: storageBuffer(tensor), offset, size: Math.max(end - offset, 4) },
    elementOffset: (start - offset) / bytes,
  };
}

/** One group of outer items: `[start, start + count)`. */
export interface Slice {
  start: number;
  count: number;
}

/**
 * Splits `items` outer items into slices such that a window of `count` items of every tensor
 * fits in one binding. `elementsPerItem[i]` is the stride of tensor i's items, in elements.
 * Throws a `RangeError` naming `what` when even one item is too large.
 */
export function planSlices(
  tensors: readonly Tensor[],
  elementsPerItem: readonly number[],
  items: number,
  what: string,
): Slice[] {
  const device = tensors[0].device;
  const ctx = deviceContext(device);
  const align = device.limits.minStorageBufferOffsetAlignment;
  let perSlice = items;
  tensors.forEach((t, i) => {
    const itemBytes = elementsPerItem[i] * bytesPerElement(t.dtype);
    if (itemBytes === 0) return;
    const fit = Math.floor((ctx.maxBindingBytes - align - 4) / itemBytes);
    if (fit < 1) {
      throw new RangeError(
        `${what}: one slice of ${t} (${itemBytes} bytes) exceeds the device's largest storage ` +
          `binding (${ctx.maxBindingBytes} bytes)`,
      );
    }
    perSlice = Math.min(perSlice, fit);
  });
  const slices: Slice[] = [];
  for (let start = 0; start < items; start += perSlice) {
    slices.push({ start, count: Math.min(perSlice, items - start) });
  }
  return slices;
}
