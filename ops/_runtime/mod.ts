/**
 * The GPU runtime: devices, tensors, kernels, slicing and timing.
 * @module
 */
export * from "./device.ts";
export * from "./tensor.ts";
export * from "./kernel.ts";
export * from "./slices.ts";
export * from "./timing.ts";
export * from "./checks.ts";
export * from "./device_checks.ts";
export type * from "./autodiff.ts";
export { BufferUsage } from "./recorder.ts";
