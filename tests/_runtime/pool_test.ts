/**
 * The buffer pool, the uniform arena and the bind-group cache (issue 13): reuse never changes
 * a result, memory stays bounded and counted.
 */
import assert from "node:assert/strict";
import { assertClose, eluPlusOne, freshSeed, noGpu, randn, rng } from "../_helpers.ts";
import {
  deviceContext,
  FLAT_GROUP_WGSL,
  type Kernel,
  launch,
  memoryInfo,
  readWrite,
  releasePool,
  requestDevice,
  setPoisonOutputs,
  setPoolCapacity,
  settledGpuErrors,
  storageBuffer,
  Tensor,
  timeGpu,
  UniformBlock,
} from "../../ops/_runtime/mod.ts";
import { DEFAULT_POOL_CAPACITY, sizeClass } from "../../ops/_runtime/pool.ts";
import { linearAttention } from "../../ops/linear_attention/mod.ts";
import { PolaLinearAttention } from "../../layers/mod.ts";
import { linearAttentionReferenceGrads } from "../../ops/linear_attention/reference.ts";

/** A device of its own, with poisoning on, so that the counters start at zero. */
async function freshDevice(): Promise<GPUDevice> {
  const device = await requestDevice();
  setPoisonOutputs(device, true);
  return device;
}

Deno.test("size classes: at most 25 % above the request, never above the binding limit", () => {
  assert.equal(sizeClass(1, 2 ** 27), 256);
  assert.equal(sizeClass(256, 2 ** 27), 256);
  assert.equal(sizeClass(257, 2 ** 27), 320);
  assert.equal(sizeClass(4000, 2 ** 27), 4096);
  assert.equal(sizeClass(4097, 2 ** 27), 5120);
  for (let i = 0; i < 1000; i++) {
    const bytes = 4 * Math.ceil(Math.random() * 2 ** (2 + 24 * Math.random()));
    const size = sizeClass(bytes, 2 ** 27);
    assert.ok(size >= bytes && size <= Math.max(256, 1.25 * bytes), `${bytes} → ${size}`);
  }
  const limit = 2 ** 27 - 4; // not a power of two: a class above it would not bind whole
  assert.equal(sizeClass(limit - 8, limit), limit - 8);
  assert.equal(sizeClass(limit + 8, limit), 2 ** 27 + 2 ** 25);
});

Deno.test({
  name: "pool: interleaved create/destroy reuses buffers and every result matches float64",
  ignore: noGpu,
  fn: async () => {
    const device = await freshDevice();
    const seed = freshSeed(), random = rng(seed);
    let created = 0;
    const create = device.createBuffer.bind(device);
    device.createBuffer = (d) => (created++, create(d));
    const live: Tensor[] = [];
    let tensors = 0;
    for (let step = 0; step < 12; step++) {
      // Odd sizes from a few classes, so that buffers move between tensors of different shapes.
      const [B, H, T, D] = [[1, 1, 5, 3], [1, 3, 19, 9], [2, 1, 12, 7]][step % 3];
      const n = B * H * T * D;
      const data = [eluPlusOne(n, random), eluPlusOne(n, random), randn(n, random)];
      const dO = randn(n, random);
      const shape = [B, H, T, D];
      const [q, k, v, g] = [...data, dO].map((x) => Tensor.fromArraySync(device, x, shape));
      const run = linearAttention.vjp(q, k, v);
      const grads = run.pullback(g);
      tensors += 10; // 4 inputs, output and state, 3 gradients and the backward's state
      const ref = linearAttentionReferenceGrads(
        ...data.map((x) => ({ data: x, shape })) as [never, never, never],
        dO,
      );
      // Destroy the inputs before reading: their buffers serve the next step's tensors.
      for (const t of [q, k, v, g]) t.destroy();
      run.dispose();
      const label = `step ${step} B${B} H${H} T${T} D${D} seed ${seed}`;
      assertClose(await run.output.read(), ref.output, 1e-5, `output, ${label}`);
      assertClose(await grads.dq.read(), ref.dq, 1e-5, `dq, ${label}`);
      assertClose(await grads.dk.read(), ref.dk, 1e-5, `dk, ${label}`);
      assertClose(await grads.dv.read(), ref.dv, 1e-5, `dv, ${label}`);
      // Keep some results alive a while longer: frees interleave with creates.
      live.push(run.output, grads.dq, grads.dk, grads.dv);
      while (live.length > (step % 2 ? 4 : 10)) live.shift()!.destroy();
    }
    for (const t of live) t.destroy();
    // Readback staging buffers are created per read (4 per step); storage buffers are reused.
    const storage = created - 4 * 12;
    assert.ok(storage < tensors / 3, `${storage} storage buffers created for ${tensors} tensors`);
    assert.deepEqual(await settledGpuErrors(device), []);
  },
});

Deno.test({
  name: "pool: results are bitwise the same from fresh and from reused buffers",
  ignore: noGpu,
  fn: async () => {
    const device = await freshDevice();
    const random = rng(freshSeed());
    const shape = [2, 3, 37, 24];
    const n = 2 * 3 * 37 * 24;
    const [q, k, v, dO] = [0, 1, 2, 3].map(() =>
      Tensor.fromArraySync(device, eluPlusOne(n, random), shape)
    );
    const once = async () => {
      const run = linearAttention.vjp(q, k, v);
      const g = run.pullback(dO);
      run.dispose();
      const out = [];
      for (const t of [run.output, g.dq, g.dk, g.dv]) {
        out.push(await t.read());
        t.destroy();
      }
      return out;
    };
    const fresh = await once();
    const poolBefore = memoryInfo(device).pooledBytes;
    assert.ok(poolBefore > 0);
    const reused = await once();
    assert.deepEqual(reused, fresh);
    for (const t of [q, k, v, dO]) t.destroy();
  },
});

Deno.test({
  name: "pool: a tensor destroyed while its read is pending still reads its own values",
  ignore: noGpu,
  fn: async () => {
    const device = await freshDevice();
    const values = Float32Array.from({ length: 1000 }, (_, i) => i + 0.5);
    const a = Tensor.fromArraySync(device, values, [1000]);
    const pending = a.read();
    a.destroy();
    // The next tensor of a's class gets a's buffer at once and is overwritten by a kernel.
    const b = Tensor.empty(device, [1000]);
    assert.equal(storageBuffer(b), storageBuffer(a));
    launch(device, fillKernel, {
      storage: { y: b },
      uniforms: { n: 1000, offset: 0, value: -7 },
      groups: Math.ceil(1000 / 64),
    });
    assert.deepEqual(await pending, values);
    assert.deepEqual(await b.read(), new Float32Array(1000).fill(-7));
    b.destroy();
    assert.deepEqual(await settledGpuErrors(device), []);
  },
});

Deno.test({
  name: "memoryInfo counts live tensors, their bytes (size classes) and pooled bytes",
  ignore: noGpu,
  fn: async () => {
    const device = await freshDevice();
    assert.deepEqual(memoryInfo(device), {
      liveTensors: 0,
      liveBytes: 0,
      pooledBytes: 0,
      peakLiveBytes: 0,
    });
    const a = Tensor.empty(device, [1000]); // 4000 bytes → class 4096
    const b = Tensor.fromArraySync(device, [1, 2, 3], [3], "f32"); // 12 bytes → 256
    assert.deepEqual(memoryInfo(device), {
      liveTensors: 2,
      liveBytes: 4352,
      pooledBytes: 0,
      peakLiveBytes: 4352,
    });
    a.destroy();
    a.destroy(); // twice is once
    assert.deepEqual(memoryInfo(device), {
      liveTensors: 1,
      liveBytes: 256,
      pooledBytes: 4096,
      peakLiveBytes: 4352,
    });
    const c = Tensor.empty(device, [900]); // 3600 bytes → class 4096: a's buffer
    assert.deepEqual(memoryInfo(device), {
      liveTensors: 2,
      liveBytes: 4352,
      pooledBytes: 0,
      peakLiveBytes: 4352,
    });
    const caller = device.createBuffer({ size: 64, usage: STORAGE_COPY });
    const wrapped = Tensor.fromGpuBuffer(device, caller, [16]);
    assert.deepEqual(memoryInfo(device), {
      liveTensors: 3,
      liveBytes: 4352,
      pooledBytes: 0,
      peakLiveBytes: 4352,
    });
    wrapped.destroy(); // the caller's buffer is not pooled
    b.destroy();
    c.destroy();
    assert.deepEqual(memoryInfo(device), {
      liveTensors: 0,
      liveBytes: 0,
      pooledBytes: 4352,
      peakLiveBytes: 4352,
    });
    caller.destroy();
  },
});

Deno.test({
  name: "pool cap: automatic, the larger of 2 GiB and the peak of the live bytes",
  ignore: noGpu,
  fn: async () => {
    const { pool } = deviceContext(await freshDevice());
    assert.equal(pool.capacity, "auto");
    assert.equal(pool.keeps, DEFAULT_POOL_CAPACITY);
    // The counters alone (no buffers of that size): a step that held 3 GiB at once.
    pool.holdLive(2 ** 31);
    pool.holdLive(2 ** 30);
    pool.dropLive(2 ** 31);
    assert.equal(pool.keeps, 3 * 2 ** 30);
    pool.dropLive(2 ** 30);
    assert.equal(pool.keeps, 3 * 2 ** 30); // the peak, not the current bytes
    assert.deepEqual([pool.info().liveBytes, pool.info().peakLiveBytes], [0, 3 * 2 ** 30]);
    pool.capacity = 10;
    assert.equal(pool.keeps, 10);
  },
});

Deno.test({
  name: "pool cap: the oldest free buffers are destroyed beyond it; releasePool empties it",
  ignore: noGpu,
  fn: async () => {
    const device = await freshDevice();
    setPoolCapacity(device, 10_000);
    const tensors = [1000, 1000, 1000].map((n) => Tensor.empty(device, [n])); // 4096 B each
    const buffers = tensors.map(storageBuffer);
    for (const t of tensors) t.destroy();
    assert.equal(memoryInfo(device).pooledBytes, 8192); // the first released was destroyed
    const again = [Tensor.empty(device, [1000]), Tensor.empty(device, [1000])];
    assert.deepEqual(new Set(again.map(storageBuffer)), new Set(buffers.slice(1)));
    const third = Tensor.empty(device, [1000]);
    assert.ok(!buffers.includes(storageBuffer(third)), "a destroyed buffer came back");
    for (const t of [...again, third]) t.destroy();
    assert.equal(memoryInfo(device).pooledBytes, 8192);
    for (const bad of [-1, NaN, "4096" as unknown as number]) {
      assert.throws(() => setPoolCapacity(device, bad), RangeError);
    }
    setPoolCapacity(device, 0); // no reuse at all
    assert.equal(memoryInfo(device).pooledBytes, 0);
    setPoolCapacity(device, "auto");
    const kept = Tensor.fromArraySync(device, [1, 2, 3, 4], [4]);
    for (const n of [10, 300, 5000]) Tensor.empty(device, [n]).destroy();
    assert.ok(memoryInfo(device).pooledBytes > 0);
    releasePool(device);
    assert.equal(memoryInfo(device).pooledBytes, 0);
    // Work after the release runs on new buffers; the live tensor is untouched.
    const out = Tensor.empty(device, [5000]);
    launch(device, fillKernel, {
      storage: { y: out },
      uniforms: { n: 5000, offset: 0, value: 2 },
      groups: Math.ceil(5000 / 64),
    });
    assert.deepEqual(await out.read(), new Float32Array(5000).fill(2));
    assert.deepEqual([...await kept.read()], [1, 2, 3, 4]);
    out.destroy();
    kept.destroy();
    assert.deepEqual(await settledGpuErrors(device), []);
  },
});

Deno.test({
  name: "1000 vjp + pullback steps: memory stays flat, bind groups are reused",
  ignore: noGpu,
  fn: async () => {
    const device = await freshDevice();
    const random = rng(freshSeed());
    const shape = [1, 2, 16, 16];
    const [q, k, v, dO] = [0, 1, 2, 3].map(() =>
      Tensor.fromArraySync(device, eluPlusOne(512, random), shape)
    );
    let bindGroups = 0;
    const create = device.createBindGroup.bind(device);
    device.createBindGroup = (d) => (bindGroups++, create(d));
    const step = () => {
      const run = linearAttention.vjp(q, k, v);
      const g = run.pullback(dO);
      for (const t of [run.output, g.dq, g.dk, g.dv]) t.destroy();
      run.dispose();
    };
    let warm: ReturnType<typeof memoryInfo> | undefined, warmGroups = 0;
    for (let i = 1; i <= 1000; i++) {
      step();
      if (i % 100 === 0) await device.queue.onSubmittedWorkDone();
      if (i === 100) [warm, warmGroups] = [memoryInfo(device), bindGroups];
    }
    assert.deepEqual(memoryInfo(device), warm);
    // Fresh buffers in the first step, pooled ones from the second: the steps settle into the
    // same buffers within three steps.
    assert.ok(warmGroups <= 18, `${warmGroups} bind groups for 6 launches per step`);
    assert.equal(bindGroups, warmGroups, "bind groups created after the 100th step");
    assert.deepEqual(await settledGpuErrors(device), []);
    for (const t of [q, k, v, dO]) t.destroy();
  },
});

Deno.test({
  name: "a layer's forward+backward steps: after the second, no new bind groups (the pool " +
    "hands each step the same buffers)",
  ignore: noGpu,
  fn: async () => {
    const device = await freshDevice();
    const [H, W, C] = [4, 6, 32];
    const layer = new PolaLinearAttention({ dim: C, numPatches: H * W, numHeads: 2, device });
    const x = Tensor.fromArraySync(device, randn(2 * H * W * C, rng(freshSeed())), [2, H * W, C]);
    const dy = Tensor.fromArraySync(device, randn(x.size, rng(freshSeed())), x.shape);
    let bindGroups = 0;
    const create = device.createBindGroup.bind(device);
    device.createBindGroup = (d) => (bindGroups++, create(d));
    // Intermediates are freed mid-step in an order unlike the next step's allocations: the
    // most recently freed buffer first, a step's tensors changed buffers from step to step.
    const step = async () => {
      const f = layer.vjp(x, { height: H, width: W });
      const g = f.pullback(dy);
      g.dx.destroy();
      for (const t of g.parameters.values()) t.destroy();
      f.dispose();
      f.output.destroy();
      await device.queue.onSubmittedWorkDone();
    };
    // The first step's buffers are new, the second's come from the pool.
    await step();
    await step();
    const warm = bindGroups;
    for (let i = 0; i < 4; i++) await step();
    assert.ok(warm > 20, `${warm} bind groups in the first two steps`);
    assert.equal(bindGroups, warm, "bind groups created after the second step");
    layer.dispose();
    x.destroy();
    dy.destroy();
    assert.deepEqual(await settledGpuErrors(device), []);
  },
});

Deno.test({
  name: "uniform arena: hundreds of launches in one submit each see their own uniforms",
  ignore: noGpu,
  fn: async () => {
    const device = await freshDevice();
    // A timed window does not submit on its own: 1200 launches fill three arena buffers.
    const launches = 1200;
    const out = Tensor.empty(device, [launches]);
    await timeGpu(device, () => {
      for (let i = 0; i < launches; i++) {
        launch(device, fillKernel, {
          storage: { y: out },
          uniforms: { n: 1, offset: i, value: i * 3 + 1 },
          groups: 1,
        });
      }
    }, 1);
    assert.deepEqual(
      await out.read(),
      Float32Array.from({ length: launches }, (_, i) => i * 3 + 1),
    );
    out.destroy();
    assert.deepEqual(await settledGpuErrors(device), []);
  },
});

Deno.test({
  name: "bind-group cache: a buffer the pool destroyed is never bound again",
  ignore: noGpu,
  fn: async () => {
    const device = await freshDevice();
    setPoolCapacity(device, 0); // every released buffer is destroyed
    for (let i = 0; i < 5; i++) {
      const out = Tensor.empty(device, [64]);
      launch(device, fillKernel, {
        storage: { y: out },
        uniforms: { n: 64, offset: 0, value: i },
        groups: 1,
      });
      assert.deepEqual(await out.read(), new Float32Array(64).fill(i));
      out.destroy();
    }
    assert.deepEqual(await settledGpuErrors(device), []);
    assert.equal(deviceContext(device).pool.info().pooledBytes, 0);
  },
});

const STORAGE_COPY = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

const fillParams = new UniformBlock({ n: "u32", offset: "u32", value: "f32" });
const fillKernel: Kernel = {
  name: "test_fill",
  constants: {},
  storage: [readWrite("y", "f32")],
  uniforms: fillParams,
  wgsl: () => `
${FLAT_GROUP_WGSL}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = flat_group(wid, nwg) * 64u + lid;
  if (i >= u.n) { return; }
  y[u.offset + i] = u.value;
}`,
};
