/**
 * Checks of a device argument and of a buffer's size against the device's limits, shared by
 * the Tensor constructors, the ops and the layers (this file imports nothing, so that every
 * runtime file may use it).
 * @module
 */

/** Throws a `TypeError` naming `name` unless `value` looks like a `GPUDevice`. */
export function checkDevice(value: unknown, name: string): GPUDevice {
  const d = value as Partial<GPUDevice> | null | undefined;
  if (
    typeof d !== "object" || d === null || typeof d.createBuffer !== "function" ||
    typeof d.queue?.submit !== "function" || typeof d.limits?.maxBufferSize !== "number"
  ) {
    const got = d === null ? "null" : typeof d === "object" ? d.constructor?.name : typeof d;
    throw new TypeError(`${name} must be a GPUDevice, got ${got}`);
  }
  return value as GPUDevice;
}

/**
 * Throws a `RangeError` naming `what` when a buffer of `bytes` bytes exceeds the device's
 * `maxBufferSize` (checked before any host array of that size is built).
 */
export function checkBufferBytes(device: GPUDevice, bytes: number, what: string): void {
  const max = device.limits.maxBufferSize;
  if (!(bytes <= max)) {
    throw new RangeError(
      `${what} needs ${bytes} bytes, more than the device's maxBufferSize (${max} bytes)`,
    );
  }
}

/** Bytes of a buffer holding `shape` in `dtype` storage (f32: 4, f16: 2 per element, padded to 4). */
export function bufferBytes(shape: readonly number[], dtype: "f32" | "f16"): number {
  const elements = shape.reduce((a, b) => a * b, 1);
  return Math.ceil((elements * (dtype === "f16" ? 2 : 4)) / 4) * 4;
}
