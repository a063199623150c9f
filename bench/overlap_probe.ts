/**
 * Whether two successive dispatches run at the same time on this adapter (WebGPU orders the
 * storage accesses of successive dispatches; an implementation may still let dispatches that
 * share no written buffer overlap). A latency-bound kernel (one dependent FMA chain per
 * invocation, a few workgroups) is timed alone, then twice in one timestamped window: writing
 * two buffers, the same buffer, or the second reading what the first wrote. Then linear
 * attention's forward at B8-H16-D64: `--reps` independent launches in one window, per launch.
 *
 *   deno run --no-lock -A bench/overlap_probe.ts [--T 4096] [--reps 1,2,4,8]
 * @module
 */
import { parseArgs } from "node:util";
import {
  type Kernel,
  launch,
  read,
  readWrite,
  requestDevice,
  Tensor,
  UniformBlock,
} from "../ops/_runtime/mod.ts";
import { gpuTime } from "./measure.ts";
import { BENCH_OPS, makeInputs } from "./ops.ts";

const spinParams = new UniformBlock({ iters: "u32", seed: "f32" });

/** One dependent FMA chain per invocation; `src`: also adds one element of another buffer. */
function spinKernel(withSource: boolean): Kernel {
  return {
    name: "probe_spin",
    constants: { withSource },
    storage: withSource ? [read("src", "f32"), readWrite("dst", "f32")] : [readWrite("dst", "f32")],
    uniforms: spinParams,
    wgsl: () => `
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  var a = u.seed + f32(gid.x) * 1e-7;
  for (var i = 0u; i < u.iters; i++) { a = fma(a, 0.999, 1e-3); }
  dst[gid.x] = a${withSource ? " + src[gid.x]" : ""};
}`,
  };
}

const { values } = parseArgs({
  args: Deno.args,
  options: {
    T: { type: "string", default: "4096" },
    reps: { type: "string", default: "1,2,4,8" },
    groups: { type: "string", default: "132" },
    iters: { type: "string", default: "100000" },
  },
});
const device = await requestDevice();
const groups = Number(values.groups), iters = Number(values.iters);
const [a, b] = [0, 1].map(() => Tensor.empty(device, [groups * 64]));
const plain = spinKernel(false), reading = spinKernel(true);
const spin = (dst: Tensor) =>
  launch(device, plain, { storage: { dst }, uniforms: { iters, seed: 0.5 }, groups });
const cases: [string, () => void][] = [
  ["one launch", () => spin(a)],
  ["two, different buffers", () => {
    spin(a);
    spin(b);
  }],
  ["two, same buffer", () => {
    spin(a);
    spin(a);
  }],
  ["two, second reads the first's", () => {
    spin(a);
    launch(device, reading, {
      storage: { src: a, dst: b },
      uniforms: { iters, seed: 0.5 },
      groups,
    });
  }],
];
console.log(`| spin kernel (${groups} × 64 invocations, ${iters} FMAs each) | ms (median of 20) |`);
console.log("|---|---|");
for (const [name, work] of cases) {
  await gpuTime(device, work, 5);
  console.log(`| ${name} | ${(await gpuTime(device, work, 20)).p50.toFixed(4)} |`);
}

const op = BENCH_OPS.find((o) => o.name === "linear_attention")!;
for (const T of values.T.split(",").map(Number)) {
  using inputs = makeInputs(device, { B: 8, H: 16, T, D: 64 }, "f16", "BHTD");
  using runner = op.setup(inputs);
  console.log(
    `\n| linear attention f16 B8-H16-D64 T = ${T}: launches per window | fwd ms per launch | fwd+bwd ms per launch |`,
  );
  console.log("|---|---|---|");
  for (const n of values.reps.split(",").map(Number)) {
    const per = async (f: () => void) => {
      const work = () => {
        for (let i = 0; i < n; i++) f();
      };
      await gpuTime(device, work, 3);
      return ((await gpuTime(device, work, 10)).p50 / n).toFixed(4);
    };
    console.log(`| ${n} | ${await per(runner.fwd)} | ${await per(runner.fwdBwd)} |`);
  }
}
