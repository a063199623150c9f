/**
 * The suite's GPU-error guard: once this module is loaded (tests/_helpers.ts loads it), every
 * `Deno.test` registered afterwards fails when a GPU error (validation, out-of-memory, a lost
 * device) was recorded on a guarded device while it ran, naming the errors and the kernels of
 * the failed submit. The runtime records every such error (`gpuErrors`, ops/_runtime/gpu_errors.ts);
 * the guard checks that a test added none, so that no test passes on work the GPU refused.
 * (Deno then reports a failing test's location as this file; its stack points to the test.)
 */
import { type GpuErrorRecord, gpuErrors, settledGpuErrors } from "../ops/_runtime/mod.ts";

const guardedDevices = new Set<GPUDevice>();

/**
 * Guards `device`: GPU errors recorded on it during a test fail that test. Returns a function
 * that stops guarding it (for the guard's own test).
 */
export function guardGpuErrors(device: GPUDevice): () => void {
  guardedDevices.add(device);
  return () => guardedDevices.delete(device);
}

/** Settles the GPU work of every guarded device, then counts the errors recorded so far. */
async function errorCounts(): Promise<Map<GPUDevice, number>> {
  for (const device of guardedDevices) {
    await settledGpuErrors(device);
    await device.queue.onSubmittedWorkDone();
  }
  await new Promise((resolve) => setTimeout(resolve, 0)); // uncaptured errors arrive as events
  return new Map([...guardedDevices].map((device) => [device, gpuErrors(device).length]));
}

function describe(record: GpuErrorRecord): string {
  const where = record.kernels.length ? ` in ${record.kernels.slice(0, 8).join(", ")}` : "";
  return `${record.kind}${where}: ${record.message}`;
}

type TestFn = (t: Deno.TestContext) => void | Promise<void>;

/** `fn`, failing when a guarded device records a GPU error while it runs. */
export function guarded(fn: TestFn): TestFn {
  return async (t) => {
    const before = await errorCounts();
    await fn(t);
    await errorCounts();
    const fresh = [...guardedDevices].flatMap((device) =>
      gpuErrors(device).slice(before.get(device) ?? 0).map(describe)
    );
    if (fresh.length > 0) {
      throw new Error(`this test caused ${fresh.length} GPU error(s): ${fresh.join("; ")}`);
    }
  };
}

const register = Deno.test;

/** `Deno.test` with every test function guarded (all of its call forms). */
function guardedTest(...args: unknown[]): void {
  const [a, b, c] = args as [unknown, unknown, unknown];
  if (typeof a === "function") return register(guarded(a as TestFn));
  if (typeof a === "string") {
    return typeof b === "function"
      ? register(a, guarded(b as TestFn))
      : register(a, b as Omit<Deno.TestDefinition, "name" | "fn">, guarded(c as TestFn));
  }
  if (typeof b === "function") {
    return register(a as Omit<Deno.TestDefinition, "fn">, guarded(b as TestFn));
  }
  const definition = a as Deno.TestDefinition;
  return register({ ...definition, fn: guarded(definition.fn) });
}

// Deno.test is typed read-only but is a plain property: the guard replaces it.
(Deno as { test: typeof Deno.test }).test = Object.assign(guardedTest, {
  ignore: register.ignore,
  only: register.only,
}) as typeof Deno.test;
