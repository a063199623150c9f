/** The suite's GPU-error guard (tests/_gpu_guard.ts) fails a test that causes a GPU error. */
import assert from "node:assert/strict";
import { noGpu } from "../_helpers.ts";
import { guarded, guardGpuErrors } from "../_gpu_guard.ts";
import { requestDevice } from "../../ops/_runtime/mod.ts";

Deno.test({
  name: "the GPU-error guard fails a test whose work causes a validation error, and only that",
  ignore: noGpu,
  fn: async () => {
    // A device of its own, so that the error stays out of the other tests' devices.
    const device = await requestDevice({ limits: "default" });
    const unguard = guardGpuErrors(device);
    const context = {} as Deno.TestContext;
    await guarded(() => {})(context);
    const tooLarge = device.createBuffer({ size: 2 ** 28, usage: 0x80 /* STORAGE */ });
    const layout = device.createBindGroupLayout({
      entries: [{ binding: 0, visibility: 4, buffer: { type: "storage" } }],
    });
    await assert.rejects(
      () =>
        Promise.resolve(
          guarded(() => {
            // A binding over the 128 MiB limit: a validation error WebGPU only reports by event.
            device.createBindGroup({
              layout,
              entries: [{ binding: 0, resource: { buffer: tooLarge } }],
            });
          })(context),
        ),
      /this test caused 1 GPU error\(s\): validation: .*max_\*_buffer_binding_size/,
    );
    unguard(); // the error was expected: this test itself passes
    tooLarge.destroy();
    device.destroy();
  },
});
