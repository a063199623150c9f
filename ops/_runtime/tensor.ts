/**
 * `Tensor`: a GPU buffer with a shape and a storage dtype. Buffers come from the device's
 * pool (ops/_runtime/pool.ts) and go back to it when the tensor is destroyed, unless the
 * tensor wraps a caller's buffer ({@linkcode Tensor.fromGpuBuffer}).
 * @module
 */
import { type DeviceContext, deviceContext, getDefaultDevice } from "./device.ts";
import { BufferUsage } from "./recorder.ts";
import { decodeHalf, encodeHalf } from "./half.ts";
import { bufferBytes, checkBufferBytes, checkDevice } from "./device_checks.ts";
import { STORAGE_USAGE } from "./pool.ts";

import type { DType } from "../../shaders/common.ts";

export type { DType };

/** Bytes per element of `dtype`. */
export function bytesPerElement(dtype: DType): number {
  return dtype === "f32" ? 4 : 2;
}

/** Data a tensor can be created from. f16 tensors also take binary16 bits as `Uint16Array`. */
export type TensorData =
  | Float32Array<ArrayBuffer>
  | Float64Array<ArrayBuffer>
  | Uint16Array<ArrayBuffer>
  | number[];

/** Options for {@linkcode Tensor.fromArray}. */
export interface TensorOptions {
  /** Storage dtype; defaults to `"f32"`. */
  dtype?: DType;
  /** Device; defaults to the library's default device. */
  device?: GPUDevice;
}

function checkShape(shape: readonly number[], name: string): number {
  if (!Array.isArray(shape) || shape.length === 0) {
    throw new TypeError(`${name} must be a non-empty array of dimensions, got ${String(shape)}`);
  }
  let size = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new RangeError(`${name} must hold non-negative integers, got [${shape.join(", ")}]`);
    }
    size *= d;
  }
  return size;
}

/** Set by `Tensor`'s static block: reads a tensor's private buffer (see `storageBuffer`). */
let rawBuffer: (t: Tensor) => GPUBuffer;

/**
 * A GPU tensor: a row-major buffer with a `shape` and a storage `dtype`. Create it with
 * {@linkcode Tensor.fromArray} (or wrap a buffer of yours with {@linkcode Tensor.fromGpuBuffer}),
 * read it with {@linkcode Tensor.read}, and free it with {@linkcode Tensor.destroy} or `using`:
 * its buffer goes back to the device's pool for the next tensor of its size class (see
 * `memoryInfo` and `releasePool`).
 *
 * @example
 * ```ts
 * import { Tensor } from "@flash-bla/flash-bla";
 * using t = await Tensor.fromArray([1, 2, 3, 4, 5, 6], [2, 3], { dtype: "f16" });
 * console.log(t.shape, await t.read()); // [2, 3] Float32Array [1, 2, 3, 4, 5, 6]
 * ```
 */
export class Tensor {
  /** The device holding the buffer. */
  readonly device: GPUDevice;
  /** Dimensions, outermost first. */
  readonly shape: readonly number[];
  /** Storage dtype. */
  readonly dtype: DType;
  /** Number of elements. */
  readonly size: number;
  readonly #buffer: GPUBuffer;
  /** Whether the buffer is the runtime's (pooled), not a caller's. */
  readonly #pooled: boolean;
  #destroyed = false;

  static {
    rawBuffer = (t) => t.#buffer;
  }

  private constructor(
    device: GPUDevice,
    buffer: GPUBuffer,
    shape: readonly number[],
    dtype: DType,
    pooled = true,
  ) {
    this.device = device;
    this.#buffer = buffer;
    this.#pooled = pooled;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.size = shape.reduce((a, b) => a * b, 1);
    const { pool } = deviceContext(device);
    pool.liveTensors++;
    if (pooled) pool.holdLive(buffer.size);
  }

  /**
   * The storage buffer, for handing the tensor to other WebGPU code. Reading it submits the
   * work recorded so far, so that commands the caller submits next see this tensor's values.
   * The buffer belongs to the tensor (do not destroy it; it is reused after
   * {@linkcode Tensor.destroy}) and may be larger than the data: the elements are at the
   * start, row-major, {@linkcode Tensor.byteLength} bytes.
   *
   * @example
   * ```ts
   * import { linearAttention, Tensor } from "@flash-bla/flash-bla";
   * using x = await Tensor.fromArray(new Float32Array(2 * 4 * 8).fill(1), [1, 2, 4, 8]);
   * using o = linearAttention(x, x, x);
   * const encoder = o.device.createCommandEncoder(); // other code, after o is computed:
   * const copy = o.device.createBuffer({ size: o.byteLength, usage: GPUBufferUsage.COPY_DST });
   * encoder.copyBufferToBuffer(o.buffer, 0, copy, 0, o.byteLength);
   * o.device.queue.submit([encoder.finish()]);
   * ```
   */
  get buffer(): GPUBuffer {
    this.#checkAlive();
    deviceContext(this.device).recorder.submit();
    return this.#buffer;
  }

  /** Bytes of data (without the padding to 4 bytes). */
  get byteLength(): number {
    return this.size * bytesPerElement(this.dtype);
  }

  /**
   * A tensor of `shape` whose contents are undefined: a buffer from the pool keeps what its
   * last tensor held (NaN while output poisoning is on for the device, see
   * {@linkcode setPoisonOutputs}).
   */
  static empty(device: GPUDevice, shape: readonly number[], dtype: DType = "f32"): Tensor {
    const size = checkShape(shape, "shape");
    checkDtype(device, dtype, "dtype");
    const bytes = alignTo4(size * bytesPerElement(dtype));
    const ctx = deviceContext(device);
    if (bytes > device.limits.maxBufferSize) {
      throw new RangeError(
        `shape [${shape.join(", ")}] (${bytes} bytes) exceeds the device's maxBufferSize ` +
          `(${device.limits.maxBufferSize} bytes)`,
      );
    }
    ctx.errors.checkLost();
    const buffer = ctx.pool.take(bytes) ?? createPooled(ctx, bytes, false);
    if (ctx.poisonOutputs) poison(ctx, buffer, bytes);
    return new Tensor(device, buffer, shape, dtype);
  }

  /**
   * Uploads `data` (row-major) as a tensor of `shape`. f16 tensors round float data to nearest
   * even, or take binary16 bits given as a `Uint16Array`.
   */
  static async fromArray(
    data: TensorData,
    shape: readonly number[],
    options: TensorOptions = {},
  ): Promise<Tensor> {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `options must be an object, got ${options === null ? "null" : typeof options}`,
      );
    }
    const device = options.device === undefined
      ? await getDefaultDevice()
      : checkDevice(options.device, "options.device");
    return Tensor.fromArraySync(device, data, shape, options.dtype ?? "f32");
  }

  /** {@linkcode Tensor.fromArray} on a given device, without awaiting anything. */
  static fromArraySync(
    device: GPUDevice,
    data: TensorData,
    shape: readonly number[],
    dtype: DType = "f32",
  ): Tensor {
    checkDevice(device, "device");
    const size = checkShape(shape, "shape");
    checkDtype(device, dtype, "dtype");
    checkBufferBytes(device, bufferBytes(shape, dtype), `shape [${shape.join(", ")}] (${dtype})`);
    const isNumbers = Array.isArray(data) && data.every((v) => typeof v === "number");
    if (
      !(isNumbers || data instanceof Float32Array || data instanceof Float64Array ||
        data instanceof Uint16Array)
    ) {
      const got = Array.isArray(data)
        ? "an array holding a non-number"
        : data === null
        ? "null"
        : typeof data === "object"
        ? (data as object).constructor?.name
        : typeof data;
      throw new TypeError(
        "data must be a Float32Array, Float64Array, Uint16Array (f16 bits) or an array of " +
          `numbers, got ${got}`,
      );
    }
    if (data.length !== size) {
      throw new RangeError(
        `data has ${data.length} elements but shape [${shape.join(", ")}] needs ${size}`,
      );
    }
    if (data instanceof Uint16Array && dtype !== "f16") {
      throw new TypeError("data given as Uint16Array (binary16 bits) needs dtype 'f16'");
    }
    const bytes = dtype === "f32"
      ? new Float32Array(data)
      : data instanceof Uint16Array
      ? data
      : encodeHalf(data);
    return new Tensor(device, upload(device, bytes), shape, dtype);
  }

  /**
   * Wraps `buffer`, a GPUBuffer of `device` made by other code, as a tensor of `shape` and
   * `dtype` without copying: its first {@linkcode Tensor.byteLength} bytes hold the elements,
   * row-major. The caller keeps ownership: the runtime never pools or destroys the buffer
   * ({@linkcode Tensor.destroy} only ends the tensor), and the caller must keep it alive until
   * the work recorded on the tensor has been submitted (reading the tensor, or its `buffer`,
   * submits it). The buffer needs the `STORAGE` and `COPY_SRC` usages (`COPY_SRC` to read it
   * back) and at least `byteLength` bytes rounded up to a multiple of 4. Data the caller wrote
   * with its own submits or `queue.writeBuffer` is what the ops read.
   *
   * @example
   * ```ts
   * import { getDefaultDevice, linearAttention, Tensor } from "@flash-bla/flash-bla";
   * const device = await getDefaultDevice();
   * const buffer = device.createBuffer({
   *   size: 2 * 4 * 8 * 4,
   *   usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
   * });
   * device.queue.writeBuffer(buffer, 0, new Float32Array(2 * 4 * 8).fill(1));
   * using x = Tensor.fromGpuBuffer(device, buffer, [1, 2, 4, 8]);
   * using o = linearAttention(x, x, x);
   * console.log(await o.read());
   * buffer.destroy(); // the caller's to free
   * ```
   */
  static fromGpuBuffer(
    device: GPUDevice,
    buffer: GPUBuffer,
    shape: readonly number[],
    dtype: DType = "f32",
  ): Tensor {
    const size = checkShape(shape, "shape");
    checkDtype(device, dtype, "dtype");
    const b = buffer as Partial<GPUBuffer> | null;
    if (typeof b !== "object" || b === null || typeof b.size !== "number") {
      throw new TypeError(`buffer must be a GPUBuffer, got ${b === null ? "null" : typeof b}`);
    }
    const needed = BufferUsage.STORAGE | BufferUsage.COPY_SRC;
    if ((b.usage! & needed) !== needed) {
      throw new TypeError(
        `buffer needs the STORAGE and COPY_SRC usages, got usage 0x${b.usage!.toString(16)}`,
      );
    }
    const bytes = alignTo4(size * bytesPerElement(dtype));
    if (b.size < bytes) {
      throw new RangeError(
        `buffer has ${b.size} bytes but shape [${shape.join(", ")}] (${dtype}) needs ${bytes}`,
      );
    }
    deviceContext(device).errors.checkLost();
    return new Tensor(device, buffer, shape, dtype, false);
  }

  /** Reads the tensor back as float32 values (f16 is widened exactly). */
  async read(): Promise<Float32Array<ArrayBuffer>> {
    const raw = await this.readRaw();
    return raw instanceof Float32Array ? raw : decodeHalf(raw);
  }

  /** Reads the stored values: `Float32Array` for f32, binary16 bits for f16. */
  async readRaw(): Promise<Float32Array<ArrayBuffer> | Uint16Array<ArrayBuffer>> {
    this.#checkAlive();
    const bytes = Math.max(alignTo4(this.byteLength), 4);
    const ctx = deviceContext(this.device);
    ctx.errors.checkLost();
    const staging = ctx.errors.scoped(
      "createBuffer (readback)",
      () =>
        this.device.createBuffer({
          size: bytes,
          usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST,
        }),
    );
    ctx.recorder.encoder().copyBufferToBuffer(this.#buffer, 0, staging, 0, bytes);
    ctx.recorder.submit();
    let copy: ArrayBuffer;
    try {
      await ctx.errors.settle(staging.mapAsync(1 /* GPUMapMode.READ */));
      copy = staging.getMappedRange().slice(0);
    } finally {
      staging.destroy();
    }
    return this.dtype === "f32"
      ? new Float32Array(copy, 0, this.size)
      : new Uint16Array(copy, 0, this.size);
  }

  /**
   * Ends the tensor: its buffer goes back to the device's pool, where the next tensor of its
   * size class reuses it (after the work recorded so far, by queue order). A wrapped caller's
   * buffer ({@linkcode Tensor.fromGpuBuffer}) is left alone.
   */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    const { pool } = deviceContext(this.device);
    pool.liveTensors--;
    if (this.#pooled) {
      pool.dropLive(this.#buffer.size);
      pool.release(this.#buffer);
    }
  }

  /** `using t = ...` destroys the tensor at the end of the scope. */
  [Symbol.dispose](): void {
    this.destroy();
  }

  /** Whether {@linkcode Tensor.destroy} has been called. */
  get destroyed(): boolean {
    return this.#destroyed;
  }

  #checkAlive(): void {
    if (this.#destroyed) throw new TypeError("tensor was destroyed");
  }

  /** Short description, e.g. `Tensor(f16 [2, 4, 63, 64])`. */
  toString(): string {
    return `Tensor(${this.dtype} [${this.shape.join(", ")}])`;
  }
}

/**
 * The storage buffer of `t` without submitting anything: what the runtime and the ops bind.
 * (The public {@linkcode Tensor.buffer} getter submits first, for code outside the runtime.)
 */
export function storageBuffer(t: Tensor): GPUBuffer {
  return rawBuffer(t);
}

/** Bytes of `t`'s data padded to a multiple of 4 (at least 4): what a whole-tensor binding covers. */
export function paddedBytes(t: Tensor): number {
  return Math.max(4, alignTo4(t.byteLength));
}

function alignTo4(bytes: number): number {
  return Math.ceil(bytes / 4) * 4;
}

/** A new buffer of `bytes`' size class, owned by the pool of `ctx`'s device. */
function createPooled(ctx: DeviceContext, bytes: number, mappedAtCreation: boolean): GPUBuffer {
  const buffer = ctx.errors.scoped("createBuffer", () =>
    ctx.device.createBuffer({
      size: ctx.pool.classOf(bytes),
      usage: STORAGE_USAGE,
      mappedAtCreation,
    }));
  ctx.bindGroups.track(buffer);
  return buffer;
}

/**
 * A pooled buffer holding `data`: a free one released before the last submit, filled with
 * `queue.writeBuffer` (which runs before unsubmitted work, so no such work may still read it),
 * else a new one mapped at creation.
 */
function upload(device: GPUDevice, data: ArrayBufferView<ArrayBuffer>): GPUBuffer {
  const ctx = deviceContext(device);
  ctx.errors.checkLost();
  const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const bytes = alignTo4(data.byteLength);
  const reused = ctx.pool.take(bytes, true);
  if (reused) {
    const padded = bytes === data.byteLength ? view : new Uint8Array(bytes);
    if (padded !== view) padded.set(view);
    device.queue.writeBuffer(reused, 0, padded);
    return reused;
  }
  const buffer = createPooled(ctx, bytes, true);
  new Uint8Array(buffer.getMappedRange(0, bytes)).set(view);
  buffer.unmap();
  return buffer;
}

/**
 * A pooled storage buffer holding `data` (e.g. a kernel's u32 tables) for the work recorded
 * until the next submit, after which it goes back to the pool. Bind it whole or from offset 0:
 * it may be larger than `data` (its size class).
 */
export function uploadTemporary(device: GPUDevice, data: ArrayBufferView<ArrayBuffer>): GPUBuffer {
  const buffer = upload(device, data);
  const ctx = deviceContext(device);
  ctx.recorder.afterSubmit(() => ctx.pool.release(buffer));
  return buffer;
}

/** NaN in f32 (0x7fc07fc0) and in both f16 halves (0x7fc0), for poisoning outputs. */
const POISON_WORD = 0x7fc07fc0;

/** Per device, a buffer of NaN words that poisoned outputs are copied from. */
const poisonSources = new WeakMap<GPUDevice, GPUBuffer>();

/**
 * Fills the first `bytes` of `buffer` with NaN by a recorded copy: it runs after the work
 * recorded before (which may still read the buffer's previous tensor) and before the next op.
 */
function poison(ctx: DeviceContext, buffer: GPUBuffer, bytes: number): void {
  let source = poisonSources.get(ctx.device);
  if (!source || source.size < bytes) {
    if (source) ctx.destroyBuffer(source);
    const limit = Math.floor(ctx.device.limits.maxBufferSize / 4) * 4;
    const size = Math.min(Math.max(bytes, 2 * (source?.size ?? 0), 1024), limit);
    source = ctx.errors.scoped(
      "createBuffer (poison)",
      () => ctx.device.createBuffer({ size, usage: BufferUsage.COPY_SRC, mappedAtCreation: true }),
    );
    new Uint32Array(source.getMappedRange()).fill(POISON_WORD);
    source.unmap();
    poisonSources.set(ctx.device, source);
  }
  ctx.recorder.encoder().copyBufferToBuffer(source, 0, buffer, 0, bytes);
}

/** Throws unless `device` can store `dtype` (f16 needs `shader-f16`). */
export function checkDtype(device: GPUDevice, dtype: DType, name: string): void {
  if (dtype !== "f32" && dtype !== "f16") {
    throw new TypeError(`${name} must be "f32" or "f16", got ${JSON.stringify(dtype)}`);
  }
  if (dtype === "f16" && !device.features.has("shader-f16")) {
    throw new TypeError(
      `${name} is "f16" but this device lacks the "shader-f16" feature; use "f32"`,
    );
  }
}

/**
 * Test aid: while on, every new output tensor of `device` is filled with NaN, so that an
 * element a kernel fails to write shows up as NaN.
 */
export function setPoisonOutputs(device: GPUDevice, on: boolean): void {
  deviceContext(device).poisonOutputs = on;
}
