/**
 * `deno task bench:host`: what the CPU spends recording an op (issue 13). Each round records N
 * launches of an op on tiny inputs (B1-H1-T16-D16, f32, so the GPU work is negligible), then
 * submits once and awaits the queue. Per launch it reports the recording time (N launches,
 * fewer dispatches than the recorder submits on its own) and the recording plus the submit
 * (the submit's share: finishing the command buffer, uploading the uniform arena, the queue
 * submit); the await is outside both. Prints the median of the rounds per op, and the pool's
 * counters after the run.
 *
 * Flags: `deno task bench:host --help` (HOST_USAGE).
 * @module
 */
import { parseArgs } from "node:util";
import { positiveInt, runCli } from "./cli.ts";
import {
  flush,
  type Kernel,
  kernelWgsl,
  launch,
  memoryInfo,
  quantiles,
  readWrite,
  requestDevice,
  Tensor,
  UniformBlock,
} from "../ops/_runtime/mod.ts";
import { storageBuffer } from "../ops/_runtime/tensor.ts";
import { linearAttention } from "../ops/linear_attention/mod.ts";

/**
 * One timed case: a name, a closure recording one launch (freeing what it made), and where the
 * case records outside the library's recorder, `submit`, which submits what it recorded.
 */
export interface HostCase {
  name: string;
  work: () => void;
  submit?: () => void;
}

const fillParams = new UniformBlock({ value: "f32" });

/** A kernel writing one float per invocation: a launch with next to no GPU work. */
const FILL: Kernel = {
  name: "host_fill",
  constants: {},
  storage: [readWrite("out", "f32")],
  uniforms: fillParams,
  wgsl: () => `
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) { out[gid.x] = u.value; }`,
};

/**
 * The floors under an op's host cost: one launch of a trivial kernel through the library's
 * `launch` (uniforms, cached bind group, the recorder's pass), and the same dispatch made with
 * WebGPU calls alone (`setPipeline`, `setBindGroup`, `dispatchWorkgroups` on one pass, one submit
 * per round).
 */
export function dispatchCases(device: GPUDevice, out: Tensor): HostCase[] {
  const module = device.createShaderModule({ code: kernelWgsl(FILL) });
  const pipeline = device.createComputePipeline({
    layout: "auto",
    compute: { module, entryPoint: "main" },
  });
  const uniform = device.createBuffer({ size: 16, usage: 0x0040 /* UNIFORM */ });
  const group = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [
      { binding: 0, resource: { buffer: storageBuffer(out) } },
      { binding: 1, resource: { buffer: uniform } },
    ],
  });
  let encoder: GPUCommandEncoder | undefined, pass: GPUComputePassEncoder | undefined;
  return [
    {
      name: "launch (a trivial kernel)",
      work() {
        launch(device, FILL, { storage: { out }, uniforms: { value: 1 }, groups: 1 });
      },
    },
    {
      name: "WebGPU calls alone (same kernel)",
      work() {
        encoder ??= device.createCommandEncoder();
        pass ??= encoder.beginComputePass();
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, group);
        pass.dispatchWorkgroups(1);
      },
      submit() {
        pass?.end();
        if (encoder) device.queue.submit([encoder.finish()]);
        encoder = pass = undefined;
      },
    },
  ];
}

/** The cases timed: forward, and `vjp` + `pullback` (everything freed after recording). */
export function hostCases(q: Tensor, k: Tensor, v: Tensor, dO: Tensor): HostCase[] {
  return [
    {
      name: "linearAttention (fwd)",
      work() {
        linearAttention(q, k, v).destroy();
      },
    },
    {
      name: "linearAttention.vjp + pullback",
      work() {
        const run = linearAttention.vjp(q, k, v);
        const g = run.pullback(dO);
        for (const t of [run.output, g.dq, g.dk, g.dv]) t.destroy();
        run.dispose();
      },
    },
  ];
}

/** Host ms per launch: recording alone, and recording plus the submit. */
export interface HostMs {
  record: number;
  withSubmit: number;
}

/**
 * Median host ms per launch of `work` over `rounds` rounds of `n` launches, each round
 * recorded back to back, then submitted and awaited once (the await outside the timing).
 */
export async function hostMsPerLaunch(
  device: GPUDevice,
  work: () => void,
  n: number,
  rounds: number,
  submit: () => void = () => flush(device),
): Promise<HostMs> {
  const record: number[] = [], withSubmit: number[] = [];
  for (let r = 0; r < rounds + 1; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) work();
    const t1 = performance.now();
    submit();
    const t2 = performance.now();
    await device.queue.onSubmittedWorkDone();
    if (r === 0) continue; // round 0 compiles and fills the pool
    record.push((t1 - t0) / n);
    withSubmit.push((t2 - t0) / n);
  }
  return { record: quantiles(record).p50, withSubmit: quantiles(withSubmit).p50 };
}

/** The usage text of `deno task bench:host --help`. */
export const HOST_USAGE = `Usage: deno task bench:host [options]

  --rounds N      timed rounds per op, the median is reported (default 40)
  --n N           launches recorded per round (default 64)
  --json          print one JSON document instead of the table
  -h, --help      this text
`;

/** Parses the `bench:host` command line; a `UsageError` names the bad flag. */
export function parseHostArgs(args: string[]): { rounds: number; n: number; json: boolean } {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      rounds: { type: "string", default: "40" },
      n: { type: "string", default: "64" },
      json: { type: "boolean", default: false },
    },
  });
  return {
    rounds: positiveInt(values.rounds, "--rounds"),
    n: positiveInt(values.n, "--n"),
    json: values.json,
  };
}

async function main({ rounds, n, json }: ReturnType<typeof parseHostArgs>): Promise<number> {
  const device = await requestDevice();
  const shape = [1, 1, 16, 16];
  const data = Float32Array.from({ length: 256 }, (_, i) => 0.5 + ((i * 37) % 101) / 101);
  const [q, k, v, dO] = [0, 1, 2, 3].map(() => Tensor.fromArraySync(device, data, shape));
  const rows = [];
  for (const c of [...dispatchCases(device, dO), ...hostCases(q, k, v, dO)]) {
    rows.push({ op: c.name, ...await hostMsPerLaunch(device, c.work, n, rounds, c.submit) });
  }
  const memory = memoryInfo(device);
  if (json) console.log(JSON.stringify({ shape, n, rounds, rows, memory }));
  else {
    console.log(`host ms per launch, B1-H1-T16-D16 f32, median of ${rounds} rounds of ${n}:`);
    console.log(`  ${"op".padEnd(32)} ${"record".padStart(8)} ${"+ submit".padStart(9)}`);
    for (const r of rows) {
      const cells = [r.record, r.withSubmit].map((ms) => ms.toFixed(4).padStart(8));
      console.log(`  ${r.op.padEnd(32)} ${cells.join("  ")}`);
    }
    console.log(`memoryInfo: ${JSON.stringify(memory)}`);
  }
  device.destroy();
  return 0;
}

if (import.meta.main) {
  await runCli("deno task bench:host", HOST_USAGE, Deno.args, parseHostArgs, main);
}
