/**
 * The uniform arena: every launch's uniform block goes to a slot of a host-side copy of a few
 * device buffers (bound with a dynamic offset), and one `queue.writeBuffer` per buffer uploads
 * the slots used just before the submit. The buffers are reused from submit to submit: a write
 * issued after a submit runs after that submit's dispatches have read the old values.
 * @module
 */

/** Where a uniform block was written. */
export interface UniformSlot {
  /** The arena buffer (bind it with `size` = the block's bytes). */
  buffer: GPUBuffer;
  /** The dynamic offset to pass to `setBindGroup`. */
  offset: number;
}

/** One device's uniform arena. */
export class UniformArena {
  readonly #device: GPUDevice;
  readonly #align: number;
  readonly #chunk: number;
  readonly #create: () => GPUBuffer;
  readonly #buffers: GPUBuffer[] = [];
  /** Host copy of every buffer, back to back. */
  #host: Uint8Array<ArrayBuffer>;
  /** Next free byte of each buffer. */
  readonly #used: number[] = [];
  #current = 0;

  /** `create` makes one arena buffer of `bytes` bytes (inside error scopes). */
  /**
   * `slots`: uniform blocks per arena buffer — the recorder's dispatches per submit (more only
   * inside timed windows, which do not submit on their own), so that a launch's bind group does
   * not depend on its place in the submit.
   */
  constructor(device: GPUDevice, create: (bytes: number) => GPUBuffer, slots: number) {
    this.#device = device;
    this.#align = device.limits.minUniformBufferOffsetAlignment;
    this.#chunk = slots * this.#align;
    this.#host = new Uint8Array(this.#chunk);
    this.#create = () => create(this.#chunk);
  }

  /** Copies `block` into the next free slot. */
  write(block: ArrayBuffer): UniformSlot {
    const bytes = block.byteLength;
    let i = this.#current;
    if (i < this.#buffers.length && this.#used[i] + bytes > this.#chunk) i++;
    if (i === this.#buffers.length) this.#grow();
    this.#current = i;
    const offset = this.#used[i];
    this.#host.set(new Uint8Array(block), i * this.#chunk + offset);
    this.#used[i] = offset + Math.ceil(bytes / this.#align) * this.#align;
    return { buffer: this.#buffers[i], offset };
  }

  #grow(): void {
    this.#buffers.push(this.#create());
    this.#used.push(0);
    if (this.#host.length < this.#buffers.length * this.#chunk) {
      const host = new Uint8Array(2 * this.#host.length);
      host.set(this.#host);
      this.#host = host;
    }
  }

  /** Uploads the slots written since the last upload; call right before `queue.submit`. */
  upload(): void {
    for (let i = 0; i <= this.#current && i < this.#buffers.length; i++) {
      if (this.#used[i] === 0) continue;
      this.#device.queue.writeBuffer(
        this.#buffers[i],
        0,
        this.#host,
        i * this.#chunk,
        this.#used[i],
      );
      this.#used[i] = 0;
    }
    this.#current = 0;
  }
}
