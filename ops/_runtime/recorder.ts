/**
 * Records GPU work until it is submitted.
 *
 * Every op appends dispatches to one open compute pass; WebGPU orders the storage accesses of
 * successive dispatches, so dependent kernels can share a pass (a pass costs ≈ 6 µs, a
 * dispatch ≈ 2 µs on an H100/H200). Nothing is awaited between ops: awaiting the GPU costs
 * ≈ 11 ms in Deno. Work is submitted when a result is read, a tensor's buffer is handed out,
 * or enough dispatches are pending: on a GPU, {@linkcode FIRST_SUBMIT_DISPATCHES} after a
 * submit the caller asked for (a read or a flush, after which the GPU is idle), then twice as
 * many each time up to {@linkcode GPU_SUBMIT_DISPATCHES}. So the GPU starts within a few
 * dispatches of a burst and keeps up with it, instead of waiting for hundreds to be recorded
 * (on an H200 machine recording costs 17–80 µs per dispatch: 512 of them kept the GPU idle for
 * up to 40 ms per burst). On a CPU adapter, whose execution competes with the recording for
 * the same cores, the recorder submits every {@linkcode MAX_PENDING_DISPATCHES}. Each submit
 * uploads the launches' uniforms first (ops/_runtime/uniforms.ts) and runs inside error scopes
 * naming its kernels (ops/_runtime/gpu_errors.ts).
 * @module
 */
import type { GpuErrors } from "./gpu_errors.ts";
import type { UniformArena, UniformSlot } from "./uniforms.ts";

/** Most dispatches recorded before the recorder submits on its own (on a CPU adapter). */
export const MAX_PENDING_DISPATCHES = 512;

/** On a GPU: dispatches recorded before the first automatic submit after a flush. */
export const FIRST_SUBMIT_DISPATCHES = 16;

/** On a GPU: most dispatches recorded before an automatic submit. */
export const GPU_SUBMIT_DISPATCHES = 64;

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
  readonly #errors: GpuErrors;
  readonly #uniforms: UniformArena;
  /** Kernels dispatched since the last submit, named if that submit fails. */
  readonly #kernels = new Set<string>();
  /** The dynamic offset of the next `setBindGroup`. */
  readonly #offsets = new Uint32Array(1);
  /** Submits so far (an upload may reuse a buffer released before the last one). */
  submits = 0;
  #encoder: GPUCommandEncoder | undefined;
  #pass: GPUComputePassEncoder | undefined;
  #pending = 0;
  /** Pending dispatches that trigger the next automatic submit. */
  #submitAt: number;
  /** Pending dispatches that trigger the first automatic submit after a flush, and the most. */
  readonly #firstSubmitAt: number;
  readonly #maxSubmitAt: number;
  #afterSubmit: (() => void)[] = [];
  #timing: TimingWindow | undefined;
  #perDispatch: DispatchTiming | undefined;

  /** `submitEarly` (a GPU): automatic submits come after a few dozen dispatches, not 512. */
  constructor(device: GPUDevice, errors: GpuErrors, uniforms: UniformArena, submitEarly = true) {
    this.#device = device;
    this.#errors = errors;
    this.#uniforms = uniforms;
    this.#firstSubmitAt = submitEarly ? FIRST_SUBMIT_DISPATCHES : MAX_PENDING_DISPATCHES;
    this.#maxSubmitAt = submitEarly ? GPU_SUBMIT_DISPATCHES : MAX_PENDING_DISPATCHES;
    this.#submitAt = this.#firstSubmitAt;
  }

  /** Writes a launch's uniform block to the arena uploaded before the next submit. */
  uniforms(block: ArrayBuffer): UniformSlot {
    return this.#uniforms.write(block);
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

  /**
   * Records one dispatch of kernel `name` (its uniform block at dynamic offset
   * `uniformOffset` of the bind group's arena buffer); submits when many are pending.
   */
  dispatch(
    name: string,
    pipeline: GPUComputePipeline,
    bindGroup: GPUBindGroup,
    uniformOffset: number,
    x: number,
    y = 1,
    z = 1,
  ): void {
    const timed = this.#perDispatch;
    if (timed) this.#beginDispatchPass(timed, name);
    const pass = this.pass();
    pass.setPipeline(pipeline);
    this.#offsets[0] = uniformOffset;
    pass.setBindGroup(0, bindGroup, this.#offsets, 0, 1);
    pass.dispatchWorkgroups(x, y, z);
    this.#kernels.add(name);
    if (timed) this.#endPass();
    else if (++this.#pending >= this.#submitAt && !this.#timing) {
      const next = Math.min(2 * this.#submitAt, this.#maxSubmitAt);
      this.submit();
      this.#submitAt = next;
    }
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
    this.afterSubmit(() => buffer.destroy());
  }

  /** Calls `done` once the work recorded so far has been submitted. */
  afterSubmit(done: () => void): void {
    this.#afterSubmit.push(done);
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

  /** Submits everything recorded so far, uniforms first, inside error scopes. */
  submit(): void {
    this.#endPass();
    if (this.#encoder) {
      this.#errors.open();
      this.#uniforms.upload();
      this.#device.queue.submit([this.#encoder.finish()]);
      this.#errors.close(this.#kernels.size ? [...this.#kernels] : ["copies"]);
      this.#kernels.clear();
      this.#encoder = undefined;
    }
    this.submits++;
    this.#pending = 0;
    this.#submitAt = this.#firstSubmitAt;
    const callbacks = this.#afterSubmit;
    this.#afterSubmit = [];
    for (const done of callbacks) done();
  }

  #endPass(): void {
    this.#pass?.end();
    this.#pass = undefined;
  }
}
