/**
 * Helpers shared by the `ops/nn` blocks: argument checks on shapes and the `Vjp` object.
 * @module
 */
import type { Vjp } from "../_runtime/autodiff.ts";
import { checkSameDeviceAndDtype, checkTensor } from "../_runtime/checks.ts";
import { deviceContext } from "../_runtime/device.ts";
import { type DType, Tensor } from "../_runtime/tensor.ts";
import { bufferBytes } from "../_runtime/device_checks.ts";
import { launch } from "../_runtime/kernel.ts";
import {
  ELEMENTWISE_WORKGROUP,
  NN_WORKGROUP,
  partialSumParams,
  partialSumStorage,
  partialSumWgsl,
  PER_THREAD,
} from "../../shaders/nn/common.ts";

/** Workgroups for `n` elements at one element per thread. */
export function elementGroups(n: number): number {
  return Math.ceil(n / NN_WORKGROUP);
}

/** Workgroups of a per-channel sum (`CHANNEL_CHUNK_WGSL`) over `c` channels in `chunks` chunks. */
export function channelChunkGroups(c: number, chunks: number): number {
  return Math.ceil(c / NN_WORKGROUP) * chunks;
}

/** Workgroups of an elementwise kernel over `n` elements (`PER_THREAD` per invocation). */
export function elementwiseGroups(n: number): number {
  return Math.ceil(n / (ELEMENTWISE_WORKGROUP * PER_THREAD));
}

/** `[a, b, c]` for messages. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/** Throws a `RangeError` unless `t` has exactly `shape`. */
export function checkShapeIs(t: Tensor, shape: readonly number[], name: string): void {
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new RangeError(`${name} must have shape ${fmtShape(shape)}, got ${fmtShape(t.shape)}`);
  }
}

/**
 * Checks that every entry is a live Tensor that fits one storage binding (the blocks do not
 * slice), and that all share one device and dtype.
 */
export function checkTensors(tensors: Record<string, unknown>): Tensor[] {
  const checked = Object.entries(tensors).map(([name, t]) => {
    const tensor = checkTensor(t, name);
    const limit = deviceContext(tensor.device).maxBindingBytes;
    if (tensor.byteLength > limit) {
      throw new RangeError(
        `${name} ${tensor} is larger than the device's largest storage binding (${limit} bytes)`,
      );
    }
    return tensor;
  });
  checkSameDeviceAndDtype(
    Object.fromEntries(Object.keys(tensors).map((name, i) => [name, checked[i]])),
  );
  return checked;
}

/**
 * `Tensor.empty` for a block's output or temporary: a `RangeError` naming `what` when it
 * would exceed the device's largest storage binding (the blocks bind whole tensors).
 */
export function emptyInBinding(
  device: GPUDevice,
  shape: readonly number[],
  dtype: DType,
  what: string,
): Tensor {
  const limit = deviceContext(device).maxBindingBytes;
  const bytes = bufferBytes(shape, dtype);
  if (bytes > limit) {
    throw new RangeError(
      `${what} ${fmtShape(shape)} (${dtype}, ${bytes} bytes) would exceed the device's largest ` +
        `storage binding (${limit} bytes)`,
    );
  }
  return Tensor.empty(device, shape, dtype);
}

/**
 * Throws a `TypeError` naming the first destroyed tensor of `saved` (a pullback's inputs), so
 * that no backward kernel is recorded on a freed buffer.
 */
export function checkSavedAlive(saved: Record<string, Tensor>): void {
  for (const [name, t] of Object.entries(saved)) {
    if (t.destroyed) {
      throw new TypeError(
        `pullback: ${name} was destroyed before the backward (keep the vjp's inputs alive ` +
          `until its last pullback)`,
      );
    }
  }
}

/** Throws a `RangeError` unless `value` is an integer ≥ `lo`. */
export function checkInt(value: unknown, lo: number, name: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < lo) {
    throw new RangeError(`${name} must be an integer ≥ ${lo}, got ${String(value)}`);
  }
  return value;
}

/**
 * Checks `x` `[B, H·W, C]` against the image size `options.height × options.width` (positive
 * integers whose product is the token count) and returns the sizes.
 */
export function checkImageTokens(
  x: Tensor,
  options: { height: number; width: number },
): { batch: number; n: number; c: number; h: number; w: number } {
  if (x.shape.length !== 3) {
    throw new RangeError(`x must have rank 3 ([B, H·W, C]), got shape ${fmtShape(x.shape)}`);
  }
  const [batch, n, c] = x.shape;
  const h = checkInt(options?.height, 1, "options.height");
  const w = checkInt(options?.width, 1, "options.width");
  if (h * w !== n) {
    throw new RangeError(
      `options.height · options.width (${h}·${w}) must equal the token count of x ${
        fmtShape(x.shape)
      }`,
    );
  }
  return { batch, n, c, h, w };
}

/** What a block's vjp keeps for its backward. */
export interface Kept {
  /** The caller's tensors the backward reads, by argument name (checked alive first). */
  saved?: Record<string, Tensor>;
  /** Frees what the forward kept itself (called once, by `dispose()`). */
  release?: () => void;
}

/**
 * Builds a {@linkcode Vjp}: `pullback` checks the upstream gradient's shape and dtype against
 * the output and that every `saved` tensor is alive, before recording anything.
 */
export function makeVjp<G>(
  output: Tensor,
  pullback: (dy: Tensor) => G,
  { saved = {}, release = () => {} }: Kept = {},
): Vjp<Tensor, Tensor, G> {
  let released = false;
  const dispose = () => {
    if (!released) release();
    released = true;
  };
  return {
    output,
    pullback(dy: Tensor): G {
      if (released) throw new TypeError("pullback called after dispose()");
      checkTensor(dy, "dy");
      if (dy.device !== output.device || dy.dtype !== output.dtype) {
        throw new TypeError(
          `dy must be a ${output.dtype} tensor on the output's device, got ${dy.dtype}`,
        );
      }
      checkShapeIs(dy, output.shape, "dy");
      checkSavedAlive(saved);
      return pullback(dy);
    },
    dispose,
    [Symbol.dispose]: dispose,
  };
}

/**
 * Records the second pass of a chunked reduction: `out[i] = alpha · Σ_c partial[rowOffset + i,
 * c]` for every element i of `out`, where `partial` is f32 `[rows, cols]`.
 */
export function sumPartials(partial: Tensor, out: Tensor, rowOffset = 0, alpha = 1): void {
  launch(out.device, {
    name: "nn_partial_sum",
    constants: { dtype: out.dtype },
    storage: partialSumStorage(out.dtype),
    uniforms: partialSumParams,
    wgsl: () => partialSumWgsl(out.dtype),
  }, {
    storage: { partial, out },
    uniforms: {
      rows: out.size,
      cols: partial.shape[partial.shape.length - 1],
      row_offset: rowOffset,
      alpha,
    },
    groups: out.size,
  });
}
