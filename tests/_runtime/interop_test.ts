/**
 * Interop with other WebGPU code (issue 16): a tensor wraps a caller's GPUBuffer without taking
 * it over, and `tensor.buffer` hands out a buffer whose pending results are submitted.
 */
import assert from "node:assert/strict";
import { assertClose, eluPlusOne, freshSeed, noGpu, rng, testDevice } from "../_helpers.ts";
import { memoryInfo, settledGpuErrors, Tensor } from "../../ops/_runtime/mod.ts";
import { linearAttention } from "../../ops/linear_attention/mod.ts";
import { linearAttentionReference } from "../../ops/linear_attention/reference.ts";

const device = (await testDevice())!;
const USAGE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

/** Copies `bytes` of `buffer` to a mappable buffer in the caller's own submit and reads them. */
async function readWithOwnSubmit(buffer: GPUBuffer, bytes: number): Promise<Float32Array> {
  const staging = device.createBuffer({
    size: bytes,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(buffer, 0, staging, 0, bytes);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(staging.getMappedRange().slice(0));
  staging.destroy();
  return out;
}

Deno.test({
  name: "fromGpuBuffer: ops read the caller's buffer; destroy leaves it to the caller",
  ignore: noGpu,
  fn: async () => {
    const seed = freshSeed(), random = rng(seed);
    const shape = [1, 2, 7, 5], n = 70;
    const data = eluPlusOne(n, random);
    const theirs = device.createBuffer({ size: 4 * n + 8, usage: USAGE }); // larger is fine
    device.queue.writeBuffer(theirs, 0, new Float32Array(data));
    const before = memoryInfo(device);
    const x = Tensor.fromGpuBuffer(device, theirs, shape);
    assert.equal(memoryInfo(device).liveTensors, before.liveTensors + 1);
    assert.equal(memoryInfo(device).liveBytes, before.liveBytes);
    const o = linearAttention(x, x, x);
    const ref = linearAttentionReference(...[0, 1, 2].map(() => ({ data, shape })) as [
      never,
      never,
      never,
    ]);
    assertClose(await o.read(), ref, 1e-5, `output, seed ${seed}`);
    const pooled = memoryInfo(device).pooledBytes;
    x.destroy();
    assert.equal(memoryInfo(device).pooledBytes, pooled); // not pooled
    // Still the caller's, alive and unchanged.
    assert.deepEqual(await readWithOwnSubmit(theirs, 4 * n), new Float32Array(data));
    o.destroy();
    theirs.destroy();
    assert.deepEqual(await settledGpuErrors(device), []);
  },
});

Deno.test({
  name: "fromGpuBuffer rejects a buffer too small or without the storage usages",
  ignore: noGpu,
  fn: () => {
    const small = device.createBuffer({ size: 12, usage: USAGE });
    assert.throws(() => Tensor.fromGpuBuffer(device, small, [4]), RangeError);
    assert.throws(() => Tensor.fromGpuBuffer(device, small, [4, 2], "f16"), RangeError);
    const noStorage = device.createBuffer({ size: 16, usage: GPUBufferUsage.COPY_SRC });
    assert.throws(() => Tensor.fromGpuBuffer(device, noStorage, [4]), /STORAGE and COPY_SRC/);
    assert.throws(() => Tensor.fromGpuBuffer(device, {} as GPUBuffer, [4]), TypeError);
    assert.throws(() => Tensor.fromGpuBuffer(device, small, [-1]), RangeError);
    small.destroy();
    noStorage.destroy();
  },
});

Deno.test({
  name: "tensor.buffer submits pending work: other code's commands see the results",
  ignore: noGpu,
  fn: async () => {
    const random = rng(freshSeed());
    const shape = [2, 1, 9, 4];
    const data = eluPlusOne(72, random);
    using x = Tensor.fromArraySync(device, data, shape);
    using o = linearAttention(x, x, x); // recorded, not submitted
    const ref = linearAttentionReference(...[0, 1, 2].map(() => ({ data, shape })) as [
      never,
      never,
      never,
    ]);
    assertClose(await readWithOwnSubmit(o.buffer, o.byteLength), ref, 1e-5, "o via o.buffer");
    assert.ok(o.buffer.size >= o.byteLength);
    o.destroy();
    assert.throws(() => o.buffer, /destroyed/);
  },
});
