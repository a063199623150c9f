/**
 * The recorder's submit schedule: on a GPU, after a flush the first automatic submit comes after
 * 16 dispatches, then 32, then every 64; on a CPU adapter every 512.
 */
import assert from "node:assert/strict";
import { noGpu } from "../_helpers.ts";
import {
  deviceContext,
  FLAT_GROUP_WGSL,
  type Kernel,
  launch,
  readWrite,
  requestDevice,
  Tensor,
  UniformBlock,
} from "../../ops/_runtime/mod.ts";
import {
  FIRST_SUBMIT_DISPATCHES,
  GPU_SUBMIT_DISPATCHES,
  MAX_PENDING_DISPATCHES,
  Recorder,
} from "../../ops/_runtime/recorder.ts";
import { UniformArena } from "../../ops/_runtime/uniforms.ts";

const UNIFORM = GPUBufferUsage.UNIFORM;

const params = new UniformBlock({ offset: "u32", value: "f32" });
const setKernel: Kernel = {
  name: "test_set",
  constants: {},
  storage: [readWrite("y", "f32")],
  uniforms: params,
  wgsl: () => `
${FLAT_GROUP_WGSL}
@compute @workgroup_size(1)
fn main() { y[u.offset] = u.value; }`,
};

/**
 * Records `launches` dispatches on a fresh device whose recorder submits early or not; returns
 * the automatic submits (before the read).
 */
async function submitsFor(launches: number, submitEarly: boolean) {
  const device = await requestDevice();
  const ctx = deviceContext(device);
  const uniforms = new UniformArena(device, (size) => {
    const buffer = device.createBuffer({ size, usage: UNIFORM | GPUBufferUsage.COPY_DST });
    ctx.bindGroups.track(buffer);
    return buffer;
  }, MAX_PENDING_DISPATCHES);
  const recorder = new Recorder(device, ctx.errors, uniforms, submitEarly);
  let submits = 0;
  const submit = recorder.submit.bind(recorder);
  recorder.submit = () => (submits++, submit());
  ctx.recorder = recorder;
  const out = Tensor.empty(device, [launches]);
  for (let i = 0; i < launches; i++) {
    launch(device, setKernel, {
      storage: { y: out },
      uniforms: { offset: i, value: i },
      groups: 1,
    });
  }
  const automatic = submits;
  const values = await out.read();
  assert.deepEqual(values, Float32Array.from({ length: launches }, (_, i) => i));
  device.destroy();
  return automatic;
}

Deno.test({
  name:
    "recorder: submits after 16, 32, then every 64 dispatches from a flush, or every 512 on a CPU",
  ignore: noGpu,
  fn: async () => {
    assert.deepEqual([FIRST_SUBMIT_DISPATCHES, GPU_SUBMIT_DISPATCHES], [16, 64]);
    // 16 + 32 + 64 + 64 + 64 + 64 = 304 > 300 ≥ 240: five automatic submits.
    assert.equal(await submitsFor(300, true), 5);
    assert.equal(await submitsFor(300, false), 0);
    assert.equal(await submitsFor(MAX_PENDING_DISPATCHES + 5, false), 1);
  },
});
