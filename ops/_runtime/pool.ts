/**
 * The buffer pool: storage buffers of destroyed tensors and temporaries wait here, by size
 * class, for a later allocation of their class (PyTorch's caching allocator, TF.js's buffer
 * manager), so that a training loop stops creating (and the driver stops zeroing) device
 * memory after its first step.
 *
 * Reuse is safe by queue order: a buffer released while recorded (not yet submitted) kernels
 * still read it may serve the next op at once, since that op's writes are recorded, and so
 * run, after those reads. `queue.writeBuffer` is the exception: it runs before the commands
 * not yet submitted, so an upload only takes a buffer released before the last submit.
 * @module
 */

/** Usage of every pooled buffer: storage, and copies in and out. */
export const STORAGE_USAGE = 0x0080 | 0x0004 | 0x0008; // STORAGE | COPY_SRC | COPY_DST

/**
 * The least the pool keeps with its automatic capacity (2 GiB): it keeps the larger of this and
 * the peak bytes of live tensors, so that a loop whose steps hold more than 2 GiB at once (a
 * forward + backward at B8-H16-T32768-D64 holds ≈ 4.3 GB) finds every buffer of its last step
 * in the pool: on the H200 such a loop ran 22 % slower with a fixed 2 GiB (bench/NOTES.md,
 * session 6, call 2), since each evicted buffer is created and zeroed again.
 */
export const DEFAULT_POOL_CAPACITY = 2 ** 31;

/** The smallest size class (bytes). */
const MIN_CLASS = 256;

/**
 * The size class of a buffer for `bytes` bytes: the next multiple of a quarter of the power
 * of two below `bytes` (at most 25 % unused), at least 256 bytes, and never larger than
 * `limit` (the largest binding or buffer) unless `bytes` is.
 */
export function sizeClass(bytes: number, limit: number): number {
  if (bytes <= MIN_CLASS) return MIN_CLASS;
  const step = 2 ** (Math.floor(Math.log2(bytes)) - 2);
  const size = Math.ceil(bytes / step) * step;
  return size <= limit || bytes > limit ? size : Math.ceil(bytes / 4) * 4;
}

/** What {@linkcode memoryInfo} reports. */
export interface MemoryInfo {
  /** Tensors created and not destroyed (including ones wrapping a caller's buffer). */
  liveTensors: number;
  /** Bytes of the library's buffers held by live tensors (their size classes). */
  liveBytes: number;
  /** Bytes of free buffers waiting in the pool. */
  pooledBytes: number;
  /** The most `liveBytes` has been (the pool's automatic capacity follows it). */
  peakLiveBytes: number;
}

interface Free {
  buffer: GPUBuffer;
  /** Submits done when it was released: uploads need a submit since. */
  releasedAt: number;
  /** Its place in the order buffers first came to the pool. */
  serial: number;
}

/** One device's pool and memory counters. */
export class BufferPool {
  readonly #limit: number;
  readonly #submits: () => number;
  readonly #destroy: (buffer: GPUBuffer) => void;
  /** Free buffers by size class, most recently released last. */
  readonly #free = new Map<number, Free[]>();
  /** The order in which buffers first came to the pool (see {@linkcode BufferPool.take}). */
  readonly #serials = new WeakMap<GPUBuffer, number>();
  #nextSerial = 0;
  /** Every free buffer, oldest release first (the eviction order). */
  readonly #age = new Set<Free>();
  #pooledBytes = 0;
  #liveBytes = 0;
  #peakLiveBytes = 0;
  /**
   * Pooled bytes kept at most (see `setPoolCapacity`), or `"auto"`: the larger of
   * {@linkcode DEFAULT_POOL_CAPACITY} and the peak bytes of live tensors.
   */
  capacity: number | "auto" = "auto";
  /** Live tensors, counted by `Tensor`. */
  liveTensors = 0;

  /**
   * `submits` counts the submits so far; `destroy` frees a buffer once the work recorded so far
   * has been submitted (and forgets what refers to it).
   */
  constructor(device: GPUDevice, submits: () => number, destroy: (buffer: GPUBuffer) => void) {
    this.#limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    this.#submits = submits;
    this.#destroy = destroy;
  }

  /**
   * A buffer of at least `bytes` bytes (its size class) for the caller's exclusive use: of the
   * free ones, the one that came to the pool first. So a loop whose steps allocate and free the
   * same sizes in the same order gets the same buffers in every step (from its second), and its
   * launches find their bind groups in the cache (handing out the most recently freed buffer,
   * the buffers changed places from step to step: 60–70 % of a layer's launches made a new bind
   * group, each tens of µs of host time).
   * `forUpload`: the caller will fill it with `queue.writeBuffer`, so it must not be read by
   * work recorded but not submitted yet. Returns `undefined` when none is free (the caller
   * creates one of {@linkcode BufferPool.classOf} bytes).
   */
  take(bytes: number, forUpload = false): GPUBuffer | undefined {
    const list = this.#free.get(this.classOf(bytes));
    if (!list?.length) return undefined;
    const submits = this.#submits();
    let i = -1;
    for (let j = 0; j < list.length; j++) {
      if (forUpload && list[j].releasedAt >= submits) continue;
      if (i < 0 || list[j].serial < list[i].serial) i = j;
    }
    if (i < 0) return undefined;
    const [free] = list.splice(i, 1);
    this.#age.delete(free);
    this.#pooledBytes -= free.buffer.size;
    return free.buffer;
  }

  /** The size class of a request for `bytes` bytes on this device. */
  classOf(bytes: number): number {
    return sizeClass(bytes, this.#limit);
  }

  /** Returns `buffer` (a storage buffer of a {@linkcode BufferPool.classOf} size) to the pool. */
  release(buffer: GPUBuffer): void {
    let serial = this.#serials.get(buffer);
    if (serial === undefined) this.#serials.set(buffer, serial = this.#nextSerial++);
    const free = { buffer, releasedAt: this.#submits(), serial };
    let list = this.#free.get(buffer.size);
    if (!list) this.#free.set(buffer.size, list = []);
    list.push(free);
    this.#age.add(free);
    this.#pooledBytes += buffer.size;
    this.trim();
  }

  /** Bytes of pooled-kind buffers held by live tensors. */
  get liveBytes(): number {
    return this.#liveBytes;
  }

  /** A live tensor took a pooled-kind buffer of `bytes` (called by `Tensor`). */
  holdLive(bytes: number): void {
    this.#liveBytes += bytes;
    this.#peakLiveBytes = Math.max(this.#peakLiveBytes, this.#liveBytes);
  }

  /** A live tensor gave back a pooled-kind buffer of `bytes` (called by `Tensor`). */
  dropLive(bytes: number): void {
    this.#liveBytes -= bytes;
  }

  /** Free bytes kept at most now: the capacity, or the automatic one. */
  get keeps(): number {
    return this.capacity === "auto"
      ? Math.max(DEFAULT_POOL_CAPACITY, this.#peakLiveBytes)
      : this.capacity;
  }

  /** Destroys free buffers, oldest first, until at most `bytes` are pooled. */
  trim(bytes: number = this.keeps): void {
    for (const free of this.#age) {
      if (this.#pooledBytes <= bytes) break;
      const list = this.#free.get(free.buffer.size)!;
      list.splice(list.indexOf(free), 1);
      this.#age.delete(free);
      this.#pooledBytes -= free.buffer.size;
      this.#destroy(free.buffer);
    }
  }

  /** Destroys every free buffer. */
  clear(): void {
    this.trim(0);
  }

  /** The counters of {@linkcode memoryInfo}. */
  info(): MemoryInfo {
    return {
      liveTensors: this.liveTensors,
      liveBytes: this.#liveBytes,
      pooledBytes: this.#pooledBytes,
      peakLiveBytes: this.#peakLiveBytes,
    };
  }
}
