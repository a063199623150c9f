import assert from "node:assert/strict";
import { noF16, noGpu, testDevice } from "../_helpers.ts";
import {
  deviceContext,
  FLAT_GROUP_WGSL,
  type Kernel,
  kernelWgsl,
  launch,
  planSlices,
  read,
  readWrite,
  Tensor,
  timeGpu,
  timeKernels,
  UniformBlock,
  windowOf,
} from "../../ops/_runtime/mod.ts";
import { decodeHalf, encodeHalf, fromHalfBits, toHalfBits } from "../../ops/_runtime/half.ts";

const device = (await testDevice())!;

Deno.test("half conversions round to nearest even and match Float16Array", () => {
  const values = [0, -0, 1, -2.5, 65504, 65520, 1e-8, 5.96e-8, 6.1e-5, 3.14159, NaN, Infinity];
  for (let i = 0; i < 2000; i++) {
    values.push((Math.random() - 0.5) * 10 ** (Math.random() * 10 - 5));
  }
  const expected = new Uint16Array(new Float16Array(values).buffer);
  const bits = encodeHalf(values);
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i])) assert.ok(Number.isNaN(fromHalfBits(bits[i])));
    else assert.equal(bits[i], expected[i], `value ${values[i]}`);
  }
  assert.equal(toHalfBits(1), 0x3c00);
  assert.deepEqual([...decodeHalf(new Uint16Array([0x3c00, 0xc000]))], [1, -2]);
});

const scaleParams = new UniformBlock({
  n: "u32",
  offset_in: "u32",
  offset_out: "u32",
  factor: "f32",
});
const scaleKernel: Kernel = {
  name: "test_scale",
  constants: {},
  storage: [read("x", "f32"), readWrite("y", "f32")],
  uniforms: scaleParams,
  wgsl: () => `
${FLAT_GROUP_WGSL}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = flat_group(wid, nwg) * 64u + lid;
  if (i >= u.n) { return; }
  y[u.offset_out + i] = x[u.offset_in + i] * u.factor;
}`,
};

Deno.test({
  name: "tensor round trip (f32, f16 from floats and from bits)",
  ignore: noGpu,
  fn: async () => {
    const data = [1, 2.5, -3, 65504, 1 / 3];
    using a = Tensor.fromArraySync(device, data, [5]);
    assert.deepEqual([...await a.read()], [...new Float32Array(data)]);
    if (!noF16) {
      using b = Tensor.fromArraySync(device, data, [5], "f16");
      assert.deepEqual([...await b.read()], [...new Float32Array(new Float16Array(data))]);
      using c = Tensor.fromArraySync(device, new Uint16Array([0x3c00, 0x4000, 0x4200]), [3], "f16");
      assert.deepEqual([...await c.read()], [1, 2, 3]);
    }
    assert.throws(() => Tensor.fromArraySync(device, data, [2, 2]), RangeError);
    assert.throws(() => Tensor.fromArraySync(device, data, [5], "f64" as "f32"), TypeError);
  },
});

Deno.test("kernelWgsl declares the bindings by name after the enable directives", () => {
  const code = kernelWgsl({ ...scaleKernel, wgsl: () => "enable f16;\nfn main() {}" });
  assert.equal(
    code,
    "enable f16;\n" +
      "@group(0) @binding(0) var<storage, read> x: array<f32>;\n" +
      "@group(0) @binding(1) var<storage, read_write> y: array<f32>;\n" +
      "struct Params {\n  n: u32,\n  offset_in: u32,\n  offset_out: u32,\n  factor: f32,\n}\n" +
      "@group(0) @binding(2) var<uniform> u: Params;\n" +
      "fn main() {}",
  );
});

Deno.test({
  name: "launch binds storage by name and names a missing or unknown binding",
  ignore: noGpu,
  fn: () => {
    using t = Tensor.empty(device, [4]);
    const uniforms = { n: 4, offset_in: 0, offset_out: 0, factor: 1 };
    assert.throws(
      () => launch(device, scaleKernel, { storage: { x: t }, uniforms, groups: 1 }),
      /test_scale: storage bindings \[x, y\], given \[x\]/,
    );
    assert.throws(
      () => launch(device, scaleKernel, { storage: { x: t, y: t, z: t }, uniforms, groups: 1 }),
      /given \[x, y, z\]/,
    );
  },
});

Deno.test({
  name: "launch splits grids over 65 535 workgroups",
  ignore: noGpu,
  fn: async () => {
    const n = 70_000 * 64 + 5;
    const x = new Float32Array(n).map((_, i) => i % 1000);
    using tx = Tensor.fromArraySync(device, x, [n]);
    using ty = Tensor.empty(device, [n]);
    launch(device, scaleKernel, {
      storage: { x: tx, y: ty },
      uniforms: { n, offset_in: 0, offset_out: 0, factor: 2 },
      groups: Math.ceil(n / 64),
    });
    const y = await ty.read();
    for (let i = 0; i < n; i += 997) assert.equal(y[i], 2 * (i % 1000));
    assert.equal(y[n - 1], 2 * ((n - 1) % 1000));
  },
});

Deno.test({
  name: "windows and slices cover a tensor bound in pieces",
  ignore: noGpu,
  fn: async () => {
    const ctx = deviceContext(device);
    const saved = ctx.maxBindingBytes;
    ctx.maxBindingBytes = 4096; // force slicing: 63 floats per item, ~15 items per slice
    try {
      const items = 100, per = 63;
      const x = new Float32Array(items * per).map((_, i) => i);
      using tx = Tensor.fromArraySync(device, x, [items, per]);
      using ty = Tensor.empty(device, [items, per]);
      const slices = planSlices([tx, ty], [per, per], items, "test");
      assert.ok(slices.length > 5);
      for (const s of slices) {
        const wx = windowOf(tx, s.start * per, s.count * per);
        const wy = windowOf(ty, s.start * per, s.count * per);
        assert.ok(wx.binding.size! <= ctx.maxBindingBytes);
        launch(device, scaleKernel, {
          storage: { x: wx.binding, y: wy.binding },
          uniforms: {
            n: s.count * per,
            offset_in: wx.elementOffset,
            offset_out: wy.elementOffset,
            factor: -1,
          },
          groups: Math.ceil((s.count * per) / 64),
        });
      }
      const y = await ty.read();
      assert.deepEqual([...y], [...x].map((v) => -v));
    } finally {
      ctx.maxBindingBytes = saved;
    }
  },
});

Deno.test({
  name: "timeKernels: one entry per kernel name with its dispatch count; work after it is untimed",
  ignore: noGpu || !device?.features.has("timestamp-query"),
  fn: async () => {
    const n = 1 << 16;
    using tx = Tensor.fromArraySync(device, new Float32Array(n), [n]);
    using ty = Tensor.empty(device, [n]);
    const scale = () =>
      launch(device, scaleKernel, {
        storage: { x: tx, y: ty },
        uniforms: { n, offset_in: 0, offset_out: 0, factor: 1 },
        groups: n / 64,
      });
    const kernels = await timeKernels(device, () => {
      for (let i = 0; i < 3; i++) scale();
    });
    assert.equal(kernels.length, 1);
    assert.equal(kernels[0].name, scaleKernel.name);
    assert.equal(kernels[0].dispatches, 3);
    assert.ok(kernels[0].ms > 0 && kernels[0].ms < 1000, `time ${kernels[0].ms}`);
    scale(); // recorded normally again: one pass, no timestamps
    assert.deepEqual(await timeKernels(device, () => {}), []);
    await assert.rejects(() =>
      timeKernels(device, () => {
        scale();
        throw new RangeError("from the work");
      }), /from the work/);
    const again = await timeKernels(device, scale); // the failed run left no timing state
    assert.equal(again[0].dispatches, 1);
  },
});

Deno.test({
  name: "timeGpu returns one positive time per sample",
  ignore: noGpu || !device?.features.has("timestamp-query"),
  fn: async () => {
    const n = 1 << 16;
    using tx = Tensor.fromArraySync(device, new Float32Array(n), [n]);
    using ty = Tensor.empty(device, [n]);
    const times = await timeGpu(device, () =>
      launch(device, scaleKernel, {
        storage: { x: tx, y: ty },
        uniforms: { n, offset_in: 0, offset_out: 0, factor: 1 },
        groups: n / 64,
      }), 5);
    assert.equal(times.length, 5);
    for (const t of times) assert.ok(t > 0 && t < 1000, `time ${t}`);
  },
});
