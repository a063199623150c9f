/**
 * `Tensor`: a GPU buffer with a shape and a storage dtype.
 * @module
 */
import { deviceContext, getDefaultDevice } from "./device.ts";
import { BufferUsage } from "./recorder.ts";
import { decodeHalf, encodeHalf } from "./half.ts";

/** Storage dtypes. Arithmetic always accumulates in f32. */
export type DType = "f32" | "f16";

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

const STORAGE_USAGE = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;

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

/**
 * A GPU tensor: a row-major buffer with a `shape` and a storage `dtype`. Create it with
 * {@linkcode Tensor.fromArray}, read it with {@linkcode Tensor.read}, and free it with
 * {@linkcode Tensor.destroy} or `using`.
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
  /** The storage buffer (its size is rounded up to a multiple of 4 bytes). */
  readonly buffer: GPUBuffer;
  /** Dimensions, outermost first. */
  readonly shape: readonly number[];
  /** Storage dtype. */
  readonly dtype: DType;
  /** Number of elements. */
  readonly size: number;
  #destroyed = false;

  private constructor(
    device: GPUDevice,
    buffer: GPUBuffer,
    shape: readonly number[],
    dtype: DType,
  ) {
    this.device = device;
    this.buffer = buffer;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.size = shape.reduce((a, b) => a * b, 1);
  }

  /** Bytes of data (without the padding to 4 bytes). */
  get byteLength(): number {
    return this.size * bytesPerElement(this.dtype);
  }

  /**
   * A tensor of `shape` whose contents are undefined (zero, or NaN while output poisoning is
   * on for the device, see {@linkcode setPoisonOutputs}).
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
    const buffer = device.createBuffer({ size: Math.max(bytes, 4), usage: STORAGE_USAGE });
    if (ctx.poisonOutputs) {
      const fill = dtype === "f32" ? 0x7fc00000 : 0x7e007e00; // quiet NaN(s)
      device.queue.writeBuffer(buffer, 0, new Uint32Array(Math.max(bytes, 4) / 4).fill(fill));
    }
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
    const device = options.device ?? await getDefaultDevice();
    return Tensor.fromArraySync(device, data, shape, options.dtype ?? "f32");
  }

  /** {@linkcode Tensor.fromArray} on a given device, without awaiting anything. */
  static fromArraySync(
    device: GPUDevice,
    data: TensorData,
    shape: readonly number[],
    dtype: DType = "f32",
  ): Tensor {
    const size = checkShape(shape, "shape");
    if (data.length !== size) {
      throw new RangeError(
        `data has ${data.length} elements but shape [${shape.join(", ")}] needs ${size}`,
      );
    }
    if (data instanceof Uint16Array && dtype !== "f16") {
      throw new TypeError("data given as Uint16Array (binary16 bits) needs dtype 'f16'");
    }
    checkDtype(device, dtype, "dtype");
    const bytes = dtype === "f32"
      ? new Float32Array(data)
      : data instanceof Uint16Array
      ? data
      : encodeHalf(data);
    const padded = alignTo4(bytes.byteLength);
    const buffer = device.createBuffer({
      size: Math.max(padded, 4),
      usage: STORAGE_USAGE,
      mappedAtCreation: true,
    });
    new Uint8Array(buffer.getMappedRange()).set(
      new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    );
    buffer.unmap();
    return new Tensor(device, buffer, shape, dtype);
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
    const staging = this.device.createBuffer({
      size: bytes,
      usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST,
    });
    ctx.recorder.encoder().copyBufferToBuffer(this.buffer, 0, staging, 0, bytes);
    ctx.recorder.submit();
    await staging.mapAsync(1 /* GPUMapMode.READ */);
    const copy = staging.getMappedRange().slice(0);
    staging.destroy();
    return this.dtype === "f32"
      ? new Float32Array(copy, 0, this.size)
      : new Uint16Array(copy, 0, this.size);
  }

  /** Frees the GPU buffer once the work recorded so far has run. */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    deviceContext(this.device).recorder.releaseAfterSubmit(this.buffer);
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

function alignTo4(bytes: number): number {
  return Math.ceil(bytes / 4) * 4;
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
