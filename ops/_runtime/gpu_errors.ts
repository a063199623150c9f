/**
 * GPU errors never pass silently. Every submit (and every buffer, bind group or pipeline the
 * runtime creates) runs inside validation and out-of-memory error scopes; the scopes are popped
 * at once and their promises resolve in the background, so recording an op never awaits.
 * A read awaits them together with its own copy: when a submit up to the read's failed, the
 * read rejects with an error naming the kernels of that submit and the GPU's message. Work
 * recorded after a failed submit may depend on it, so every later read rejects too (create a
 * new device to go on). After `device.lost`, every op and read throws an error saying so.
 *
 * Each device keeps the record of every GPU error seen (`gpuErrors(device)` in device.ts), including
 * uncaptured ones from outside the runtime's scopes, so that tests can check that none
 * happened (`settledGpuErrors(device)`).
 * @module
 */

/** Kinds of GPU error. */
export type GpuErrorKind = "validation" | "out-of-memory" | "internal" | "device-lost";

/** One GPU error seen on a device. */
export interface GpuErrorRecord {
  /** The error's kind. */
  kind: GpuErrorKind;
  /** The implementation's message (for a lost device: its reason and message). */
  message: string;
  /**
   * The kernels of the failed submit, or what the runtime was creating (e.g.
   * `createBuffer`); empty for errors from outside the runtime's scopes.
   */
  kernels: readonly string[];
}

function kindOf(error: GPUError): GpuErrorKind {
  const name = error.constructor?.name ?? "";
  return name.includes("OutOfMemory")
    ? "out-of-memory"
    : name.includes("Internal")
    ? "internal"
    : "validation";
}

/** Names listed in a message at most (a submit holds up to hundreds of dispatches). */
const MAX_NAMES = 8;

function describe(record: GpuErrorRecord): string {
  const names = record.kernels.length > MAX_NAMES
    ? [...record.kernels.slice(0, MAX_NAMES), `… (${record.kernels.length} kernels)`]
    : record.kernels;
  return `flash-bla: GPU ${record.kind} error in ${names.join(", ")}: ${record.message}`;
}

/** The error scopes and error record of one device. */
export class GpuErrors {
  readonly #device: GPUDevice;
  /** Every error seen, in the order they arrived. */
  readonly records: GpuErrorRecord[] = [];
  /** Scope pops not resolved yet. */
  readonly #pending = new Set<Promise<void>>();
  /** The first error from the runtime's own scopes: every later read rejects with it. */
  #failure: GpuErrorRecord | undefined;
  #lost: GPUDeviceLostInfo | undefined;

  constructor(device: GPUDevice) {
    this.#device = device;
    device.lost.then((info) => {
      this.#lost = info;
      this.records.push({ kind: "device-lost", message: lostText(info), kernels: [] });
    });
    device.addEventListener?.("uncapturederror", (event) => {
      const error = (event as GPUUncapturedErrorEvent).error;
      this.records.push({ kind: kindOf(error), message: error.message, kernels: [] });
    });
  }

  /** Opens validation and out-of-memory scopes; {@linkcode GpuErrors.close} pops them. */
  open(): void {
    this.#device.pushErrorScope("validation");
    this.#device.pushErrorScope("out-of-memory");
  }

  /** Pops the scopes of {@linkcode GpuErrors.open}; an error in them is blamed on `kernels`. */
  close(kernels: readonly string[]): void {
    for (const popped of [this.#device.popErrorScope(), this.#device.popErrorScope()]) {
      const check: Promise<void> = popped.then(
        (error) => {
          if (error) this.#fail({ kind: kindOf(error), message: error.message, kernels });
        },
        () => {}, // the device was lost: reported through `device.lost`
      ).finally(() => this.#pending.delete(check));
      this.#pending.add(check);
    }
  }

  /** Runs `create` (a buffer, bind group or pipeline creation) inside error scopes. */
  scoped<T>(what: string, create: () => T): T {
    this.open();
    try {
      return create();
    } finally {
      this.close([what]);
    }
  }

  #fail(record: GpuErrorRecord): void {
    this.records.push(record);
    this.#failure ??= record;
  }

  /** Throws when the device was lost. */
  checkLost(): void {
    if (this.#lost) throw new Error(`flash-bla: ${lostText(this.#lost)}`);
  }

  /**
   * Awaits `work` (e.g. a `mapAsync`) with every pending scope, then throws the first GPU
   * error, or the loss of the device, if any; else returns `work`'s value.
   */
  async settle<T>(work: Promise<T>): Promise<T> {
    const [result] = await Promise.allSettled([work, ...this.#pending]) as [
      PromiseSettledResult<T>,
    ];
    if (result.status === "rejected" && !this.#lost) {
      await new Promise((resolve) => setTimeout(resolve, 0)); // `lost` may resolve just after
    }
    this.checkLost();
    if (this.#failure) throw new Error(describe(this.#failure));
    if (result.status === "rejected") throw result.reason;
    return result.value;
  }

  /** Awaits every pending scope and returns the record. */
  async settled(): Promise<readonly GpuErrorRecord[]> {
    await Promise.allSettled([...this.#pending]);
    return this.records;
  }
}

function lostText(info: GPUDeviceLostInfo): string {
  return `the GPU device was lost (${info.reason ?? "unknown"}): ${info.message}`;
}
