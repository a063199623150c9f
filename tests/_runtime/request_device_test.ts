/** requestDevice with a WebGPU implementation passed in (Node's `webgpu` package: docs/node.md). */
import assert from "node:assert/strict";
import { requestDevice } from "../../ops/_runtime/mod.ts";
import { noGpu } from "../_helpers.ts";

Deno.test({
  name: "requestDevice({ gpu }) asks that implementation for the adapter, not navigator.gpu",
  ignore: noGpu,
  async fn() {
    let asked = 0;
    const gpu = {
      requestAdapter: (options?: GPURequestAdapterOptions) => {
        asked++;
        return navigator.gpu.requestAdapter(options);
      },
    } as GPU;
    const device = await requestDevice({ gpu });
    assert.equal(asked, 1);
    assert.ok(device.limits.maxStorageBufferBindingSize > 0);
    device.destroy();
  },
});

Deno.test("requestDevice({ gpu }) without an adapter: the clear no-adapter error", async () => {
  const gpu = { requestAdapter: () => Promise.resolve(null) } as unknown as GPU;
  await assert.rejects(requestDevice({ gpu }), /flash-bla: no WebGPU adapter found/);
});
