/**
 * `deno task bench:host`: what the CPU spends recording an op (issue 13). Each round records N
 * launches of an op on tiny inputs (B1-H1-T16-D16, f32, so the GPU work is negligible), then
 * submits once and awaits the queue; the host time per launch is the recording time of the
 * round divided by N (the submit and the await are outside the measurement). Prints the median
 * of the rounds per op, and the pool's counters after the run.
 *
 * Flags: `--rounds N` (default 7), `--n N` launches per round (default 200), `--json`.
 * @module
 */
import { parseArgs } from "node:util";
import { flush, memoryInfo, quantiles, requestDevice, Tensor } from "../ops/_runtime/mod.ts";
import { linearAttention } from "../ops/linear_attention/mod.ts";

/** One timed case: a name and a closure recording one launch (freeing what it made). */
export interface HostCase {
  name: string;
  work: () => void;
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

/**
 * Median host ms per launch of `work` over `rounds` rounds of `n` launches, each round
 * recorded back to back and then submitted and awaited once (outside the timing).
 */
export async function hostMsPerLaunch(
  device: GPUDevice,
  work: () => void,
  n: number,
  rounds: number,
): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < rounds + 1; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) work();
    const ms = (performance.now() - t0) / n;
    flush(device);
    await device.queue.onSubmittedWorkDone();
    if (r > 0) times.push(ms); // round 0 compiles and fills the pool
  }
  return quantiles(times).p50;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      rounds: { type: "string", default: "7" },
      n: { type: "string", default: "200" },
      json: { type: "boolean", default: false },
    },
  });
  const rounds = Number(values.rounds), n = Number(values.n);
  if (!(Number.isInteger(rounds) && rounds > 0 && Number.isInteger(n) && n > 0)) {
    console.error("bench/host_cost.ts: --rounds and --n take positive integers");
    Deno.exit(2);
  }
  const device = await requestDevice();
  const shape = [1, 1, 16, 16];
  const data = Float32Array.from({ length: 256 }, (_, i) => 0.5 + ((i * 37) % 101) / 101);
  const [q, k, v, dO] = [0, 1, 2, 3].map(() => Tensor.fromArraySync(device, data, shape));
  const rows = [];
  for (const c of hostCases(q, k, v, dO)) {
    rows.push({ op: c.name, hostMs: await hostMsPerLaunch(device, c.work, n, rounds) });
  }
  const memory = memoryInfo(device);
  if (values.json) console.log(JSON.stringify({ shape, n, rounds, rows, memory }));
  else {
    console.log(`host ms per launch, B1-H1-T16-D16 f32, median of ${rounds} rounds of ${n}:`);
    for (const r of rows) console.log(`  ${r.op.padEnd(32)} ${r.hostMs.toFixed(4)} ms`);
    console.log(`memoryInfo: ${JSON.stringify(memory)}`);
  }
}
