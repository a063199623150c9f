/**
 * GPU errors are never silent (issue 14, item 3): a failed submit rejects the reads after it,
 * naming its kernels and the GPU's message; a lost device makes every op and read throw.
 */
import assert from "node:assert/strict";
import { noGpu } from "../_helpers.ts";
import {
  FLAT_GROUP_WGSL,
  gpuErrors,
  type Kernel,
  launch,
  read,
  readWrite,
  requestDevice,
  settledGpuErrors,
  Tensor,
  UniformBlock,
} from "../../ops/_runtime/mod.ts";
import { linearAttention } from "../../ops/linear_attention/mod.ts";

const params = new UniformBlock({ n: "u32" });
const copyKernel: Kernel = {
  name: "test_copy",
  constants: {},
  storage: [read("x", "f32"), readWrite("y", "f32")],
  uniforms: params,
  wgsl: () => `
${FLAT_GROUP_WGSL}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = flat_group(wid, nwg) * 64u + lid;
  if (i < u.n) { y[i] = x[i]; }
}`,
};

function copy(device: GPUDevice, x: Tensor, y: Tensor) {
  launch(device, copyKernel, {
    storage: { x, y },
    uniforms: { n: x.size },
    groups: Math.ceil(x.size / 64),
  });
}

const USAGE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

Deno.test({
  name: "no GPU error: the record stays empty through ops and reads",
  ignore: noGpu,
  fn: async () => {
    const device = await requestDevice();
    using x = Tensor.fromArraySync(device, [1, 2, 3, 4, 5, 6, 7, 8], [1, 1, 2, 4]);
    using o = linearAttention(x, x, x);
    await o.read();
    assert.deepEqual(await settledGpuErrors(device), []);
  },
});

Deno.test({
  name: "a failed submit rejects its reads and every later one, naming the kernel and message",
  ignore: noGpu,
  fn: async () => {
    const device = await requestDevice();
    const good = Tensor.fromArraySync(device, [1, 2, 3], [3]);
    assert.deepEqual([...await good.read()], [1, 2, 3]); // before the failure: fine
    // A caller's buffer destroyed while work recorded on it is not submitted yet.
    const theirs = device.createBuffer({ size: 12, usage: USAGE });
    const x = Tensor.fromGpuBuffer(device, theirs, [3]);
    const y = Tensor.empty(device, [3]);
    copy(device, x, y);
    theirs.destroy();
    await assert.rejects(y.read(), (e: Error) => {
      assert.match(e.message, /GPU validation error in test_copy: .*destroyed/);
      return true;
    });
    // Work recorded after a failed submit may depend on it: later reads reject too.
    await assert.rejects(good.read(), /GPU validation error in test_copy/);
    const records = await settledGpuErrors(device);
    assert.equal(records[0].kind, "validation");
    assert.deepEqual(records[0].kernels, ["test_copy"]);
  },
});

Deno.test({
  name: "errors outside the runtime's scopes are recorded (uncaptured)",
  ignore: noGpu,
  fn: async () => {
    const device = await requestDevice();
    const bad = device.createBuffer({ size: 4, usage: GPUBufferUsage.MAP_READ | USAGE });
    await settledGpuErrors(device);
    await new Promise((resolve) => setTimeout(resolve, 50)); // the event is delivered later
    assert.equal(gpuErrors(device).length, 1);
    assert.equal(gpuErrors(device)[0].kind, "validation");
    assert.deepEqual(gpuErrors(device)[0].kernels, []);
    bad.destroy();
  },
});

Deno.test({
  name: "a lost device makes every later op and read throw, saying so",
  ignore: noGpu,
  fn: async () => {
    const device = await requestDevice();
    const x = Tensor.fromArraySync(device, [1, 2, 3, 4], [1, 1, 1, 4]);
    const pending = x.read();
    device.destroy();
    await device.lost;
    await assert.rejects(pending, /device was lost \(destroyed\)/);
    await assert.rejects(x.read(), /device was lost/);
    assert.throws(() => linearAttention(x, x, x), /device was lost/);
    assert.throws(() => Tensor.empty(device, [4]), /device was lost/);
    assert.throws(() => Tensor.fromArraySync(device, [1], [1]), /device was lost/);
    assert.equal(gpuErrors(device).at(-1)?.kind, "device-lost");
  },
});
