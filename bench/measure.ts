/**
 * Measuring helpers shared by the bench, the profiler and their tests: GPU timestamps
 * (`timeGpu`, in chunks that bound the memory queued work holds), batched host timing (many
 * launches per await, so the ≈ 11 ms an await costs in Deno is amortised), and the adapter.
 * @module
 */
import { flush, quantiles, timeGpu } from "../ops/_runtime/mod.ts";

/** Whether the adapter runs on the CPU (lavapipe, llvmpipe, SwiftShader, WARP). */
export function isCpuAdapter(info: GPUAdapterInfo): boolean {
  const i = info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  return i.isFallbackAdapter === true ||
    /llvmpipe|lavapipe|swiftshader|warp|software/i.test(`${i.description} ${i.device}`);
}

/** A short name of the adapter, e.g. `llvmpipe (LLVM 15.0.6, 256 bits)`. */
export function adapterName(info: GPUAdapterInfo): string {
  return info.description ||
    [info.vendor, info.architecture, info.device].filter(Boolean).join(" ") ||
    "unknown adapter";
}

/** Median, p20 and p80 of GPU times in ms. */
export interface GpuTime {
  p20: number;
  p50: number;
  p80: number;
}

/**
 * GPU time of `work` (ms), from `samples` timestamped windows. Windows are resolved in chunks
 * of `perAwait` (work recorded in one chunk stays allocated until its submit).
 */
export async function gpuTime(
  device: GPUDevice,
  work: () => void,
  samples: number,
  perAwait = samples,
): Promise<GpuTime> {
  const times: number[] = [];
  while (times.length < samples) {
    times.push(...await timeGpu(device, work, Math.min(perAwait, samples - times.length)));
  }
  return quantiles(times);
}

/** The launches per await that keep one await (≈ 11 ms) under 5 % of the batch. */
export function launchesPerAwait(msPerLaunch: number, awaitMs = 11): number {
  return Math.max(1, Math.ceil(awaitMs / (0.05 * Math.max(msPerLaunch, 1e-4))));
}

/**
 * Records `n` launches of `work` (the recorder submits on its own every few hundred
 * dispatches), submits the rest and awaits the queue once.
 */
export async function runBatch(device: GPUDevice, work: () => void, n: number): Promise<void> {
  for (let i = 0; i < n; i++) work();
  flush(device);
  await device.queue.onSubmittedWorkDone();
}

/** Host wall time per launch (ms) of `n` launches with a single await: the bench's method. */
export async function hostTimePerLaunch(
  device: GPUDevice,
  work: () => void,
  n: number,
): Promise<number> {
  await runBatch(device, work, 1); // drain and warm
  const t0 = performance.now();
  await runBatch(device, work, n);
  return (performance.now() - t0) / n;
}
