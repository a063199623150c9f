// The `deno pack` output under Node: `node tests/node/smoke.mjs <unpacked package dir>`.
//
// 1. mod.js and reference.js import (every module parses on Node 20: no `using` in library code);
// 2. without WebGPU, requestDevice() throws the clear "WebGPU is not available" error, and with
//    an implementation that has no adapter, the clear "no WebGPU adapter" error;
// 3. when the npm `webgpu` package (Dawn) resolves from the package directory and gives an
//    adapter: linearAttention f32 forward and backward against the float64 reference.
//    `REQUIRE_ADAPTER=1` makes a missing package or adapter a failure (for a GPU machine).
// Prints one line per step and exits non-zero on the first failure.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { join, resolve } from "node:path";

const dir = resolve(process.argv[2] ?? ".");
const fb = await import(pathToFileURL(join(dir, "mod.js")).href);
const ref = await import(pathToFileURL(join(dir, "reference.js")).href);
for (const name of ["Tensor", "linearAttention", "requestDevice", "setDefaultDevice", "nn"]) {
  assert.ok(name in fb, `mod.js exports ${name}`);
}
assert.equal(typeof ref.linearAttentionReferenceGrads, "function");
console.log(`ok: imported ${Object.keys(fb).length} exports under Node ${process.version}`);

assert.equal(globalThis.navigator?.gpu, undefined, "this Node has no navigator.gpu");
await assert.rejects(fb.requestDevice(), /WebGPU is not available here.*docs\/node\.md/);
const noAdapter = { requestAdapter: () => Promise.resolve(null) };
await assert.rejects(fb.requestDevice({ gpu: noAdapter }), /no WebGPU adapter found/);
console.log("ok: clear errors without WebGPU and without an adapter");

const required = process.env.REQUIRE_ADAPTER === "1";
let webgpu;
try {
  webgpu = await import(pathToFileURL(createRequire(join(dir, "x.js")).resolve("webgpu")).href);
} catch {
  assert.ok(!required, "REQUIRE_ADAPTER=1 but the npm `webgpu` package is not installed");
  console.log("skipped: the npm `webgpu` package is not installed next to the package");
  process.exit(0);
}
Object.assign(globalThis, webgpu.globals); // GPUBufferUsage, GPUMapMode, … as globals
let device;
try {
  device = await fb.requestDevice({ gpu: webgpu.create([]) });
} catch (e) {
  assert.ok(!required, `REQUIRE_ADAPTER=1 but: ${e.message}`);
  console.log(`skipped: Dawn found no adapter here (${e.message.slice(0, 60)}…)`);
  process.exit(0);
}
fb.setDefaultDevice(device);
const features = ["shader-f16", "subgroups", "timestamp-query"].map((f) =>
  `${f}=${device.features.has(f)}`
);
console.log(`device: ${features.join(" ")}`);

const [B, H, T, D] = [1, 2, 37, 16];
const random = () => Array.from({ length: B * H * T * D }, () => Math.random() * 2 - 1);
const [q, k, v, dO] = [random(), random(), random(), random()];
const shape = [B, H, T, D];
const [tq, tk, tv, tdO] = await Promise.all(
  [q, k, v, dO].map((x) => fb.Tensor.fromArray(Float32Array.from(x), shape)),
);
const run = fb.linearAttention.vjp(tq, tk, tv);
const grads = run.pullback(tdO);
const want = ref.linearAttentionReferenceGrads({ data: q, shape }, { data: k, shape }, {
  data: v,
  shape,
}, dO);
function relRms(got, expected) {
  let num = 0, den = 0;
  for (let i = 0; i < expected.length; i++) {
    num += (got[i] - expected[i]) ** 2;
    den += expected[i] ** 2;
  }
  return Math.sqrt(num / den);
}
const errors = {
  o: relRms(await run.output.read(), want.output),
  dq: relRms(await grads.dq.read(), want.dq),
  dk: relRms(await grads.dk.read(), want.dk),
  dv: relRms(await grads.dv.read(), want.dv),
};
for (const [name, error] of Object.entries(errors)) assert.ok(error <= 1e-5, `${name}: ${error}`);
console.log(
  "ok: linearAttention f32 forward+backward vs float64, rel. RMS " +
    Object.entries(errors).map(([n, e]) => `${n} ${e.toExponential(1)}`).join(", "),
);
device.destroy();
process.exit(0); // Dawn keeps the event loop alive otherwise
