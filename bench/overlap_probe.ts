/**
 * Whether two successive dispatches run at the same time on this adapter. WebGPU orders the
 * storage accesses of successive dispatches; an implementation may still run together
 * dispatches that share no written buffer (wgpu places a barrier only where a buffer changes
 * usage or is written again). A latency-bound kernel (one dependent FMA chain per invocation,
 * one workgroup of 64 per SM) is timed alone, then twice in one timestamped window: writing two
 * buffers, writing the same buffer, and the second reading what the first wrote. Then linear
 * attention (f16 where the adapter has it): 1, 2, 4, 8 independent launches per window, GPU
 * time per launch, forward and forward+backward.
 *
 *   deno run --no-lock -A bench/overlap_probe.ts [--T 1024,4096] [--B 8 --H 16]
 *     [--groups 132 --iters 100000] [--reps 1,2,4,8]
 *
 * On the H200 (bench/NOTES.md, session 13, call 1) the two writing different buffers took the
 * time of one; the other two pairs twice that. On a CPU adapter the defaults shrink (B1-H2,
 * T = 64, 4 workgroups of 1 000 FMAs).
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
import { positiveInt, positiveInts, runCli } from "./cli.ts";
import { gpuTime, isCpuAdapter } from "./measure.ts";
import { BENCH_OPS, makeInputs } from "./ops.ts";

const spinParams = new UniformBlock({ iters: "u32", seed: "f32" });

/** One dependent FMA chain per invocation; `withSource`: adds an element of `src` at the end. */
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

const USAGE = `Usage: deno run -A bench/overlap_probe.ts [options]

  --T LIST        sequence lengths of the linear-attention rows (default 1024,4096; 64 on a
                  CPU adapter)
  --B N, --H N    batch and heads (default 8, 16; 1, 2 on a CPU adapter)
  --groups N      workgroups of 64 of the spin kernel (default 132, one per H200 SM; 4)
  --iters N       FMAs per invocation of the spin kernel (default 100000; 1000)
  --reps LIST     launches per timed window (default 1,2,4,8)`;

/** The flags as given; a missing one takes its default once the adapter is known. */
interface ProbeArgs {
  T?: number[];
  B?: number;
  H?: number;
  groups?: number;
  iters?: number;
  reps: number[];
}

function parseProbeArgs(args: string[]): ProbeArgs {
  const { values: v } = parseArgs({
    args,
    options: {
      T: { type: "string" },
      B: { type: "string" },
      H: { type: "string" },
      groups: { type: "string" },
      iters: { type: "string" },
      reps: { type: "string", default: "1,2,4,8" },
    },
  });
  const int = (value: string | undefined, flag: string) =>
    value === undefined ? undefined : positiveInt(value, flag);
  return {
    T: v.T === undefined ? undefined : positiveInts(v.T, "--T"),
    B: int(v.B, "--B"),
    H: int(v.H, "--H"),
    groups: int(v.groups, "--groups"),
    iters: int(v.iters, "--iters"),
    reps: positiveInts(v.reps, "--reps"),
  };
}

async function main(o: ProbeArgs): Promise<number> {
  const device = await requestDevice();
  const cpu = isCpuAdapter(device.adapterInfo);
  const groups = o.groups ?? (cpu ? 4 : 132), iters = o.iters ?? (cpu ? 1000 : 100000);
  const [a, b] = [0, 1].map(() => Tensor.empty(device, [groups * 64]));
  const plain = spinKernel(false), reading = spinKernel(true);
  const uniforms = { iters, seed: 0.5 };
  const spin = (dst: Tensor) => launch(device, plain, { storage: { dst }, uniforms, groups });
  const pairs: [string, () => void][] = [
    ["one launch", () => spin(a)],
    ["two, different buffers", () => (spin(a), spin(b))],
    ["two, same buffer", () => (spin(a), spin(a))],
    ["two, second reads the first's", () => {
      spin(a);
      launch(device, reading, { storage: { src: a, dst: b }, uniforms, groups });
    }],
  ];
  console.log(
    `| spin kernel: ${groups} × 64 invocations, ${iters} FMAs each | GPU ms (median of 20) |`,
  );
  console.log("|---|---|");
  for (const [name, work] of pairs) {
    // 20 timed samples after 5 untimed launches in the same submit (one await).
    console.log(`| ${name} | ${(await gpuTime(device, work, 20, 20, 5)).p50.toFixed(4)} |`);
  }

  const op = BENCH_OPS.find((op) => op.name === "linear_attention")!;
  const dtype = device.features.has("shader-f16") ? "f16" : "f32";
  const B = o.B ?? (cpu ? 1 : 8), H = o.H ?? (cpu ? 2 : 16);
  for (const T of o.T ?? (cpu ? [64] : [1024, 4096])) {
    using inputs = makeInputs(device, { B, H, T, D: 64 }, dtype, "BHTD");
    using runner = op.setup(inputs);
    console.log(
      `\n| linear attention ${dtype} B${B}-H${H}-T${T}-D64: launches per window | fwd ms per launch | fwd+bwd ms per launch |`,
    );
    console.log("|---|---|---|");
    for (const n of o.reps) {
      const perLaunch = async (once: () => void) => {
        const work = () => {
          for (let i = 0; i < n; i++) once();
        };
        return ((await gpuTime(device, work, 10, 10, 3)).p50 / n).toFixed(4);
      };
      console.log(`| ${n} | ${await perLaunch(runner.fwd)} | ${await perLaunch(runner.fwdBwd)} |`);
    }
  }
  return 0;
}

if (import.meta.main) {
  await runCli("deno run -A bench/overlap_probe.ts", USAGE, Deno.args, parseProbeArgs, main);
}
