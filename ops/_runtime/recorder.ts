/**
 * Records GPU work until it is submitted.
 *
 * Every op appends dispatches to one open compute pass; WebGPU orders the storage accesses of
 * successive dispatches, so dependent kernels can share a pass (a pass costs ≈ 6 µs, a
 * dispatch ≈ 2 µs on an H100/H200). Nothing is awaited between ops: awaiting the GPU costs
 * ≈ 11 ms in Deno. Work is submitted when a result is read, a tensor is destroyed, or
 * {@linkcode MAX_PENDING_DISPATCHES} have been recorded.
 * @module
 */

/** Dispatches recorded before the recorder submits on its own. */
export const MAX_PENDING_DISPATCHES = 512;

/** GPUBufferUsage flags, defined here so that the code type-checks against any WebGPU types. */
export const BufferUsage = {
  MAP_READ: 0x0001,
  MAP_WRITE: 0x0002,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
  QUERY_RESOLVE: 0x0200,
} as const;

interface TimingWindow {
  querySet: GPUQuerySet;
  beginIndex: number | undefined;
  endIndex: number;
}

/** Records compute dispatches and buffer copies for one device. */
export class Recorder {
  readonly #device: GPUDevice;
  #encoder: GPUCommandEncoder | undefined;
  #pass: GPUComputePassEncoder | undefined;
  #pending = 0;
  #releaseAfterSubmit: GPUBuffer[] = [];
  #timing: TimingWindow | undefined;

  constructor(device: GPUDevice) {
    this.#device = device;
  }

  /** The encoder for non-compute commands (copies); ends the open compute pass. */
  encoder(): GPUCommandEncoder {
    this.#endPass();
    this.#encoder ??= this.#device.createCommandEncoder();
    return this.#encoder;
  }

  /** The open compute pass, begun if needed. */
  pass(): GPUComputePassEncoder {
    if (!this.#pass) {
      const encoder = this.encoder();
      const t = this.#timing;
      const descriptor: GPUComputePassDescriptor = {};
      if (t) {
        descriptor.timestampWrites = {
          querySet: t.querySet,
          beginningOfPassWriteIndex: t.beginIndex,
          endOfPassWriteIndex: t.endIndex,
        };
        t.beginIndex = undefined;
      }
      this.#pass = encoder.beginComputePass(descriptor);
    }
    return this.#pass;
  }

  /** Records one dispatch; submits when many are pending. */
  dispatch(
    pipeline: GPUComputePipeline,
    bindGroup: GPUBindGroup,
    x: number,
    y = 1,
    z = 1,
  ): void {
    const pass = this.pass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y, z);
    if (++this.#pending >= MAX_PENDING_DISPATCHES && !this.#timing) this.submit();
  }

  /** Destroys `buffer` once the work recorded so far has been submitted. */
  releaseAfterSubmit(buffer: GPUBuffer): void {
    this.#releaseAfterSubmit.push(buffer);
  }

  /**
   * Starts a timed window: the next pass writes a timestamp at index `beginIndex` when it
   * begins, and every pass until {@linkcode endTiming} writes `beginIndex + 1` when it ends,
   * so the last one wins.
   */
  beginTiming(querySet: GPUQuerySet, beginIndex: number): void {
    this.#endPass();
    this.#timing = { querySet, beginIndex, endIndex: beginIndex + 1 };
  }

  /** Ends the timed window begun by {@linkcode beginTiming}. */
  endTiming(): void {
    if (this.#timing?.beginIndex !== undefined) {
      throw new Error("flash-bla: a timed window recorded no GPU work");
    }
    this.#endPass();
    this.#timing = undefined;
  }

  /** Submits everything recorded so far. */
  submit(): void {
    this.#endPass();
    if (this.#encoder) {
      this.#device.queue.submit([this.#encoder.finish()]);
      this.#encoder = undefined;
    }
    this.#pending = 0;
    for (const buffer of this.#releaseAfterSubmit) buffer.destroy();
    this.#releaseAfterSubmit = [];
  }

  #endPass(): void {
    this.#pass?.end();
    this.#pass = undefined;
  }
}
