/**
 * The suite's GPU-error guard: once this module is loaded (tests/_helpers.ts loads it), every
 * `Deno.test` registered afterwards fails when a GPU error (validation, out-of-memory) was
 * reported on a guarded device while it ran, naming the errors. WebGPU reports such errors
 * only through events, while reads return zeros: without the guard a test could pass on them.
 * (Deno then reports a failing test's location as this file; its stack points to the test.)
 */

const reported = new Map<GPUDevice, string[]>();

/**
 * Guards `device`: GPU errors it reports during a test fail that test. Returns a function that
 * stops guarding it (for the guard's own test).
 */
export function guardGpuErrors(device: GPUDevice): () => void {
  const release = () => reported.delete(device);
  if (reported.has(device)) return release;
  const messages: string[] = [];
  reported.set(device, messages);
  device.addEventListener("uncapturederror", (event) => {
    const error = (event as GPUUncapturedErrorEvent).error;
    messages.push(`${error.constructor.name}: ${error.message}`);
  });
  return release;
}

/** Waits for the GPU work of every guarded device, then counts the errors reported so far. */
async function errorCounts(): Promise<Map<GPUDevice, number>> {
  for (const device of reported.keys()) await device.queue.onSubmittedWorkDone();
  await new Promise((resolve) => setTimeout(resolve, 0)); // events fire after the work
  return new Map([...reported].map(([device, messages]) => [device, messages.length]));
}

type TestFn = (t: Deno.TestContext) => void | Promise<void>;

/** `fn`, failing when a guarded device reports a GPU error while it runs. */
export function guarded(fn: TestFn): TestFn {
  return async (t) => {
    const before = await errorCounts();
    await fn(t);
    await errorCounts();
    const fresh = [...reported].flatMap(([device, messages]) =>
      messages.slice(before.get(device) ?? 0)
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
