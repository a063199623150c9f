/**
 * The profiler's clock probe: a short run of the FMA ceiling's kernel (bench/ladder.ts), timed
 * between the samples of every case in the same submit ({@linkcode gpuTimes}). Its time moves
 * only with the SM clock, so a case whose probe ran slower than the probe's fastest ran at a
 * lowered clock: on the H200 whole rows have read 1.2–1.5× slow that way, every kernel by the
 * same factor, while the rows around them did not (bench/NOTES.md, session 10, calls 3 and 4).
 * The profiler measures such a case again after keeping the GPU busy (up to
 * {@linkcode MAX_TRIES} times: a slow phase has outlasted 200 ms there), and marks it if the
 * probe still reads slow.
 * @module
 */
import { fmaWork, type Workload } from "./ladder.ts";
import { backToBack, type GpuTime, gpuTime, gpuTimes, keepBusy } from "./measure.ts";

/**
 * Probe speed, as a share of its fastest, under which a case counts as measured on a slowed
 * GPU. On the H200 at a steady clock the probe after a case read 98.1–99.1 % of its speed alone
 * (bench/NOTES.md, session 11, call 3); a case whose probe read 95.4 % ran 2.5 % slow (call 4).
 */
export const MIN_CLOCK = 0.97;

/** How long the GPU is kept busy before a case is measured again after a slow probe, ms. */
export const REWARM_MS = 500;

/** A table cell for a case's probe speed: "99 %", "!" under {@linkcode MIN_CLOCK}, "-" unprobed. */
export function clockCell(clock: number | undefined): string {
  if (clock === undefined) return "-";
  return `${Math.round(100 * clock)} %${clock < MIN_CLOCK ? " !" : ""}`;
}

/** Most measurements of one case while its probe reads under {@linkcode MIN_CLOCK}. */
export const MAX_TRIES = 4;

/**
 * The probe's size: 1 024 workgroups (one wave on an H200's 132 SMs) of 48 loop trips, 3/128 of
 * the ceiling's FMAs (≈ 0.4 ms on an H200).
 */
const PROBE = { groups: 1024, iters: 48 };

/** A compiled probe and the fastest median it has run at. */
export interface ClockProbe extends Disposable {
  /** Records one probe launch. */
  work(): void;
  /** The fastest probe median so far, ms: at start, after ≈ 200 ms of keeping the GPU busy. */
  fastestMs: number;
}

/** Compiles the probe and measures its reference speed (`small`: sizes for a CPU adapter). */
export async function clockProbe(device: GPUDevice, small: boolean): Promise<ClockProbe> {
  const w: Workload = small
    ? fmaWork(device, "f32", small, 4)
    : fmaWork(device, "f32", small, PROBE.iters, PROBE.groups);
  const [first] = await gpuTimes(device, [w.work], 1);
  await keepBusy(device, w.work, first.p50, 64);
  const [reference] = await gpuTimes(device, [w.work], 10);
  return { work: w.work, fastestMs: reference.p50, [Symbol.dispose]: () => w[Symbol.dispose]() };
}

/** The probe's speed in a case whose probe median was `probeMs`: a share of its fastest, ≤ 1. */
export function clockOf(probeMs: number, fastestMs: number): number {
  return Math.min(1, fastestMs / probeMs);
}

/** A case timed with the probe between its samples. */
export interface ProbedTime {
  time: GpuTime;
  /** The probe's median between the kept samples, ms. */
  probeMs: number;
  /** Measurements made (more than 1 where a probe read under `minClock`). */
  tries: number;
}

/**
 * Times `work` as {@linkcode gpuTimes} does with the probe interleaved; while the probe ran under
 * `minClock` of its fastest, calls `rewarm` (keeping the GPU busy) and measures again, at most
 * `maxTries` measurements in all, keeping the one whose probe ran fastest. Updates
 * `probe.fastestMs`.
 */
export async function timeProbed(
  device: GPUDevice,
  work: () => void,
  probe: ClockProbe,
  plan: { samples: number; perSubmit: number; warmup: number },
  rewarm: () => Promise<void>,
  minClock = MIN_CLOCK,
  maxTries = MAX_TRIES,
): Promise<ProbedTime> {
  const measure = () =>
    gpuTimes(device, [work, probe.work], plan.samples, plan.perSubmit, plan.warmup);
  let [time, probed] = await measure();
  let tries = 1;
  while (clockOf(probed.p50, probe.fastestMs) < minClock && tries < maxTries) {
    await rewarm();
    const [again, probedAgain] = await measure();
    tries++;
    if (probedAgain.p50 < probed.p50) [time, probed] = [again, probedAgain];
  }
  probe.fastestMs = Math.min(probe.fastestMs, probed.p50);
  return { time, probeMs: probed.p50, tries };
}

/**
 * Times `samples` back-to-back samples of `work` on a GPU as the sweeps and the layers bench do:
 * ≈ 200 ms of the same work first ({@linkcode keepBusy}), then {@linkcode timeProbed} with
 * warm-up and samples in one submit and {@linkcode REWARM_MS} of busy GPU before a retry.
 * Returns the time and the probe's clock (a share of its fastest).
 */
export async function timeWarmedProbed(
  device: GPUDevice,
  work: () => void,
  probe: ClockProbe,
  samples: number,
): Promise<{ time: GpuTime; clock: number }> {
  const launchMs = (await gpuTime(device, work, 1)).p50;
  await keepBusy(device, work, launchMs, samples);
  const plan = { samples, ...backToBack(launchMs, samples, samples) };
  const rewarm = () => keepBusy(device, work, launchMs, samples, REWARM_MS);
  const t = await timeProbed(device, work, probe, plan, rewarm);
  return { time: t.time, clock: clockOf(t.probeMs, probe.fastestMs) };
}
