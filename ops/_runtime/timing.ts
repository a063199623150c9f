/**
 * GPU timing with timestamp queries: many timed samples are recorded and resolved with one
 * await, so the ≈ 11 ms cost of an await in Deno never enters the numbers.
 * @module
 */
import { deviceContext } from "./device.ts";
import { checkDevice } from "./device_checks.ts";
import { BufferUsage } from "./recorder.ts";

/** Whether `device` can time work on the GPU (`timestamp-query`). */
export function canTimeGpu(device: GPUDevice): boolean {
  return device.features.has("timestamp-query");
}

function checkTimedWork(device: GPUDevice, work: () => void): void {
  checkDevice(device, "device");
  if (typeof work !== "function") {
    throw new TypeError(`work must be a function, got ${typeof work}`);
  }
}

/**
 * Records `samples` timed windows, each running `work()` once, then resolves the timestamps
 * with one readback. Returns the GPU time of each sample in milliseconds. `work` must record
 * GPU work synchronously (ops do) and must not read results back.
 */
export async function timeGpu(
  device: GPUDevice,
  work: () => void,
  samples: number,
): Promise<number[]> {
  checkTimedWork(device, work);
  if (!Number.isInteger(samples) || samples < 1) {
    throw new RangeError(`samples must be a positive integer, got ${String(samples)}`);
  }
  if (!canTimeGpu(device)) {
    throw new TypeError("this device lacks the 'timestamp-query' feature; GPU timing is off");
  }
  const { recorder } = deviceContext(device);
  const count = 2 * samples;
  const querySet = device.createQuerySet({ type: "timestamp", count });
  for (let s = 0; s < samples; s++) {
    recorder.beginTiming(querySet, 2 * s);
    work();
    recorder.endTiming();
  }
  const ticks = await readTimestamps(device, querySet);
  const out: number[] = [];
  for (let s = 0; s < samples; s++) out.push(Number(ticks[2 * s + 1] - ticks[2 * s]) / 1e6);
  return out;
}

/** GPU time of the dispatches of one kernel inside a {@linkcode timeKernels} run. */
export interface KernelTime {
  /** Kernel name (e.g. `la_state_fwd`). */
  name: string;
  /** Dispatches of this kernel. */
  dispatches: number;
  /** Their GPU time summed, ms. */
  ms: number;
}

/** Most dispatches {@linkcode timeKernels} can time in one run (a query set holds 4096). */
export const MAX_TIMED_DISPATCHES = 2048;

/**
 * Runs `work()` once with every dispatch in its own timed pass and returns the GPU time per
 * kernel name, in order of first dispatch: where the time of an op goes. Each pass adds a
 * few µs and the GPU drains between passes, so the sum exceeds the op's time in one pass.
 */
export async function timeKernels(device: GPUDevice, work: () => void): Promise<KernelTime[]> {
  checkTimedWork(device, work);
  if (!canTimeGpu(device)) {
    throw new TypeError("this device lacks the 'timestamp-query' feature; GPU timing is off");
  }
  const { recorder } = deviceContext(device);
  const querySet = device.createQuerySet({ type: "timestamp", count: 2 * MAX_TIMED_DISPATCHES });
  let names: string[];
  recorder.beginDispatchTiming(querySet);
  try {
    work();
  } finally { // on a throw, passes already recorded keep the query set: it is left to GC
    names = recorder.endDispatchTiming();
  }
  const ticks = await readTimestamps(device, querySet, 2 * names.length);
  const byName = new Map<string, KernelTime>();
  names.forEach((name, i) => {
    const k = byName.get(name) ?? { name, dispatches: 0, ms: 0 };
    k.dispatches++;
    k.ms += Number(ticks[2 * i + 1] - ticks[2 * i]) / 1e6;
    byName.set(name, k);
  });
  return [...byName.values()];
}

/** Submits what is recorded, resolves the first `count` queries of `querySet` and reads them. */
async function readTimestamps(
  device: GPUDevice,
  querySet: GPUQuerySet,
  count = querySet.count,
): Promise<BigInt64Array> {
  const { recorder, errors } = deviceContext(device);
  const size = Math.max(8, count * 8);
  const resolve = device.createBuffer({
    size,
    usage: BufferUsage.QUERY_RESOLVE | BufferUsage.COPY_SRC,
  });
  const staging = device.createBuffer({
    size,
    usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST,
  });
  const encoder = recorder.encoder();
  if (count > 0) {
    encoder.resolveQuerySet(querySet, 0, count, resolve, 0);
    encoder.copyBufferToBuffer(resolve, 0, staging, 0, count * 8);
  }
  recorder.submit();
  await errors.settle(staging.mapAsync(1 /* GPUMapMode.READ */));
  const ticks = new BigInt64Array(staging.getMappedRange().slice(0));
  staging.destroy();
  resolve.destroy();
  querySet.destroy();
  return ticks;
}

/** The median and the 20th and 80th percentiles of `values`. */
export function quantiles(values: readonly number[]): { p20: number; p50: number; p80: number } {
  if (!Array.isArray(values) || values.length === 0 || values.some((v) => typeof v !== "number")) {
    throw new TypeError("values must be a non-empty array of numbers");
  }
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p20: at(0.2), p50: at(0.5), p80: at(0.8) };
}
