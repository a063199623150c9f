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

/** Per-dispatch timing: dispatch i writes timestamps 2i and 2i + 1 in its own pass. */
interface DispatchTiming {
  querySet: GPUQuerySet;
  names: string[];
}

/** Records compute dispatches and buffer copies for one device. */
export class Recorder {
  readonly #device: GPUDevice;
  #encoder: GPUCommandEncoder | undefined;
  #pass: GPUComputePassEncoder | undefined;
  #pending = 0;
  #releaseAfterSubmit: GPUBuffer[] = [];
  #timing: TimingWindow | undefined;
  #perDispatch: DispatchTiming | undefined;

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

  /** Records one dispatch of kernel `name`; submits when many are pending. */
  dispatch(
    name: string,
    pipeline: GPUComputePipeline,
    bindGroup: GPUBindGroup,
    x: number,
    y = 1,
    z = 1,
  ): void {
    const timed = this.#perDispatch;
    if (timed) this.#beginDispatchPass(timed, name);
    const pass = this.pass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y, z);
    if (timed) this.#endPass();
    else if (++this.#pending >= MAX_PENDING_DISPATCHES && !this.#timing) this.submit();
  }

  /**
   * Starts per-dispatch timing: until {@linkcode endDispatchTiming}, every dispatch runs in
   * its own pass and writes timestamps `2i`, `2i + 1` of `querySet` (i counts dispatches).
   */
  beginDispatchTiming(querySet: GPUQuerySet): void {
    if (this.#timing) throw new Error("flash-bla: per-dispatch timing inside a timed window");
    this.#endPass();
    this.#perDispatch = { querySet, names: [] };
  }

  /** Ends per-dispatch timing; returns the kernel name of each timed dispatch, in order. */
  endDispatchTiming(): string[] {
    const names = this.#perDispatch?.names ?? [];
    this.#perDispatch = undefined;
    return names;
  }

  #beginDispatchPass(timed: DispatchTiming, name: string): void {
    const i = timed.names.length;
    if (2 * i + 2 > timed.querySet.count) {
      throw new RangeError(
        `flash-bla: more than ${timed.querySet.count / 2} dispatches to time one by one`,
      );
    }
    this.#pass = this.encoder().beginComputePass({
      timestampWrites: {
        querySet: timed.querySet,
        beginningOfPassWriteIndex: 2 * i,
        endOfPassWriteIndex: 2 * i + 1,
      },
    });
    timed.names.push(name);
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
