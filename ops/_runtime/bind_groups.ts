/**
 * Bind groups cached by (pipeline, buffers, ranges). A loop over pooled buffers binds the same
 * buffers step after step, so after its first step every launch finds its bind group here.
 * Only buffers the runtime owns (pooled storage, the uniform arena) are cached: the cache
 * forgets a buffer's groups when the runtime destroys it, which it cannot know of a caller's
 * buffer.
 * @module
 */

/** Groups kept at most; the cache is emptied when it would hold more. */
const MAX_GROUPS = 4096;

interface Cached {
  group: GPUBindGroup;
  /** Ids of the buffers it uses. */
  ids: number[];
}

/** One device's bind-group cache. */
export class BindGroupCache {
  readonly #ids = new WeakMap<object, number>();
  #next = 1;
  readonly #groups = new Map<string, Cached>();
  /** Keys of the groups using each buffer id. */
  readonly #users = new Map<number, Set<string>>();

  /** Marks `buffer` (owned by the runtime) as cacheable. */
  track(buffer: GPUBuffer): void {
    this.#ids.set(buffer, this.#next++);
  }

  /** Drops the groups using `buffer` (about to be destroyed). */
  forget(buffer: GPUBuffer): void {
    const id = this.#ids.get(buffer);
    if (id === undefined) return;
    for (const key of this.#users.get(id) ?? []) {
      for (const other of this.#groups.get(key)?.ids ?? []) this.#users.get(other)?.delete(key);
      this.#groups.delete(key);
    }
    this.#users.delete(id);
    this.#ids.delete(buffer);
  }

  /**
   * The bind group of `pipeline`'s group 0 with `entries` (buffer bindings, in binding order):
   * cached when every buffer is tracked, else made by `create` each time.
   */
  get(
    pipeline: GPUComputePipeline,
    entries: readonly GPUBufferBinding[],
    create: () => GPUBindGroup,
  ): GPUBindGroup {
    let key = `${this.#idOf(pipeline)}`;
    const ids: number[] = [];
    for (const e of entries) {
      const id = this.#ids.get(e.buffer);
      if (id === undefined) return create();
      ids.push(id);
      key += `|${id}:${e.offset ?? 0}:${e.size ?? ""}`;
    }
    const cached = this.#groups.get(key);
    if (cached) return cached.group;
    if (this.#groups.size >= MAX_GROUPS) {
      this.#groups.clear();
      this.#users.clear();
    }
    const group = create();
    this.#groups.set(key, { group, ids });
    for (const id of ids) {
      const users = this.#users.get(id);
      if (users) users.add(key);
      else this.#users.set(id, new Set([key]));
    }
    return group;
  }

  #idOf(pipeline: GPUComputePipeline): number {
    let id = this.#ids.get(pipeline);
    if (id === undefined) this.#ids.set(pipeline, id = this.#next++);
    return id;
  }
}
