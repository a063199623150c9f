/**
 * The linear-attention microbenchmark ladder (issue 12): one rung per limit, TFLOP/s each
 * (1 FMA = 2 FLOPs), so that the gap between the FMA ceiling and the kernels can be assigned:
 *
 * 1. FMA ceiling: 16 independent vec4 accumulators, a 16× unrolled body, a runtime trip count
 *    (f32, vec4<f16>, vec2<f16>). bench/ceilings.ts uses the same kernel.
 * 2. Register-only 8×8 tile: an invocation's 64 accumulators fed from 4 vec4 registers.
 * 3. + workgroup operands: the same tile reading x and y from workgroup memory each step, with
 *    dynamic (clamped by Naga) or constant indices.
 * 4. The products of the kernels' register blocks alone, fed from workgroup memory with nothing
 *    staged ({@linkcode Block}): the state passes' 4 × 8 and the row passes' 8 × 4 blocks with
 *    f16 or f32 staged operands, and 8 × 8 blocks of both: the ceiling of each kernel's inner
 *    loop, against which its staging is measured. The kernels' own blocks also run on random
 *    data (the other rungs multiply a few constants).
 * 5. The state kernel itself (shaders/linear_attention/kernels.ts, forward of the simple op: a
 *    staged `KᵀV` over chunks of rows): today's forward tiling, with f32 staging, and with 2 to
 *    20 KiB of otherwise unused workgroup memory ({@linkcode padded}: its occupancy); and the
 *    first session's 8 × 8 tiles with one vs two staging buffers, scalar vs vec4 global loads,
 *    the x operand shared by subgroup shuffles, f16 staging with f16 product chains or with f32
 *    products (each staged value converted where read: exact), the FMA loop over the 16 staged
 *    rows unrolled 2× or fully.
 *
 * The rungs run in this order in one process. On the H200 (bench/NOTES.md, session 5, call 3)
 * rungs measured after the state-kernel rungs of item 5 read about 2.5× lower than the same rungs
 * alone (cause not found): the products rungs come first, and a rung can be run alone with
 * `--rungs`.
 *
 *   deno run -A bench/ladder.ts [--small] [--rungs a,b]   (--small: CPU-adapter sizes)
 * @module
 */
import { parseArgs } from "node:util";
import {
  FLAT_GROUP_WGSL,
  type Kernel,
  launch,
  readWrite,
  requestDevice,
  subgroupSize,
  Tensor,
  UniformBlock,
} from "../ops/_runtime/mod.ts";
import { type LaParamName, laParams, stateKernel } from "../shaders/linear_attention/kernels.ts";
import type { KernelMode, Tile } from "../shaders/outer_product.ts";
import { featureTensor, PCG_WGSL } from "./inputs.ts";
import { gpuTime, isCpuAdapter, keepBusy } from "./measure.ts";

/** Element types of the FMA ceiling. */
export type FmaType = "f32" | "vec4h" | "vec2h";

const FMA_CHAINS = 16;
const FMA_UNROLL = 16;
const fmaParams = new UniformBlock({ iters: "u32", seed: "f32" });

/** FMAs per invocation and loop iteration of {@linkcode fmaKernel}. */
export function fmaPerIteration(type: FmaType): number {
  return FMA_CHAINS * FMA_UNROLL * (type === "vec2h" ? 2 : 4);
}

/**
 * The FMA-ceiling kernel (256 invocations): {@linkcode FMA_CHAINS} independent accumulators of
 * `type`, a body unrolled {@linkcode FMA_UNROLL}×, `u.iters` iterations (a runtime count: a
 * constant one lets the compiler unroll the loop into a body too large to issue well).
 */
export function fmaKernel(type: FmaType): Kernel {
  const t = { f32: "vec4f", vec4h: "vec4h", vec2h: "vec2h" }[type];
  const el = type === "f32" ? "f32" : "f16";
  const chains = Array.from({ length: FMA_CHAINS }, (_, c) => c);
  const body = Array.from(
    { length: FMA_UNROLL },
    // Each chain also adds its neighbour: a recurrence the compiler cannot reassociate into
    // fewer FMAs (a = a·y + x can be, under fast math).
    () => chains.map((c) => `    a${c} = fma(a${c}, y, a${(c + 1) % FMA_CHAINS});`).join("\n"),
  ).join("\n");
  return {
    name: "ceiling_fma",
    constants: { type },
    storage: [readWrite("sink", "f32")],
    uniforms: fmaParams,
    wgsl: () => `
${el === "f16" ? "enable f16;" : ""}
${FLAT_GROUP_WGSL}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let x = ${t}(${el}(u.seed + f32(lid) * 1e-7));
  let y = ${t}(${el}(0.499));
${chains.map((c) => `  var a${c} = ${t}(${el}(${c}.0 * 1e-3));`).join("\n")}
  for (var i = 0u; i < u.iters; i++) {
${body}
  }
  let s = ${chains.map((c) => `a${c}`).join(" + ")};
  let g = flat_group(wid, nwg) * 256u + lid;
  // Every lane is read (a lane never read is dead code, and its FMAs with it); never true.
  let all = f32(s.x) + f32(s.y)${type === "vec2h" ? "" : " + f32(s.z) + f32(s.w)"};
  if (all == 1234.5) { sink[g] = all; }
}`,
  };
}

/**
 * One launch of a ladder kernel, ready to record any number of times (the ladder times it;
 * bench/clocks.ts keeps it running while it reads the clocks); disposing frees its buffer.
 */
export interface Workload extends Disposable {
  /** Records one launch. */
  work(): void;
  /** FLOPs of one launch (1 FMA = 2). */
  flops: number;
}

/**
 * TFLOP/s of `w`: the median of `samples` back-to-back launches, after a first launch (the
 * pipeline's compile) and, on a GPU, ≈ 200 ms of keeping it busy, as the profiler does (after
 * seconds of host-side compiles the H200 has read slow: bench/NOTES.md, session 3). Disposes
 * `w`.
 */
export async function workloadRate(
  device: GPUDevice,
  w: Workload,
  samples: number,
): Promise<number> {
  using _ = w;
  const launchMs = (await gpuTime(device, w.work, 1)).p50;
  if (!isCpuAdapter(device.adapterInfo)) await keepBusy(device, w.work, launchMs, 64);
  const t = await gpuTime(device, w.work, samples);
  return w.flops / (t.p50 * 1e9);
}

/** A kernel writing nothing (its `sink` is only written on a never-true condition). */
function sinkWork(
  device: GPUDevice,
  kernel: Kernel,
  threads: number,
  groups: number,
  iters: number,
  flops: number,
): Workload {
  const sink = Tensor.empty(device, [groups * threads]);
  return {
    work: () =>
      launch(device, kernel, { storage: { sink }, uniforms: { iters, seed: 0.5 }, groups }),
    flops,
    [Symbol.dispose]: () => sink[Symbol.dispose](),
  };
}

/**
 * {@linkcode fmaKernel} on `groups` workgroups (8 192, 8 on a CPU adapter) of `iters` loop
 * trips (256, 16 on a CPU adapter): at the defaults ≈ 17 ms of f32 FMAs on an H200.
 */
export function fmaWork(
  device: GPUDevice,
  type: FmaType,
  small: boolean,
  iters = small ? 16 : 256,
  groups = small ? 8 : 8192,
): Workload {
  const flops = groups * 256 * iters * fmaPerIteration(type) * 2;
  return sinkWork(device, fmaKernel(type), 256, groups, iters, flops);
}

/** Runs {@linkcode fmaKernel} once per sample; TFLOP/s (median). */
export function fmaRate(
  device: GPUDevice,
  type: FmaType,
  small: boolean,
  samples = small ? 3 : 10,
): Promise<number> {
  return workloadRate(device, fmaWork(device, type, small), samples);
}

/** The 8×8 tile rungs: registers only, or operands from workgroup memory. */
type TileRung = "regs" | "wg-clamped" | "wg-const";

const TILE_STEPS = 16; // staged rows one iteration reads
const TILE_THREADS = 64; // 8 × 8 invocations of 8 × 8 outputs: a 64 × 64 tile

/** 64 FMAs of one step: acc_j_c += x[j] · y[c] (x: x0, x1; y: y0, y1 vec4s). */
function tileStep(): string {
  const lines: string[] = [];
  for (let j = 0; j < 8; j++) {
    for (let c = 0; c < 2; c++) {
      // acc = x·acc + y: the instructions of acc += x·y, but no reassociation folds steps.
      lines.push(`      a${j}_${c} = fma(vec4f(x${j >> 2}[${j & 3}]), a${j}_${c}, y${c});`);
    }
  }
  return lines.join("\n");
}

function tileKernel(rung: TileRung): Kernel {
  const accs = Array.from({ length: 16 }, (_, k) => `a${k >> 1}_${k & 1}`);
  // Operands of step s: registers, flat arrays with a runtime step index, or nested arrays
  // indexed by constants and the invocation's (loop-invariant) tile coordinates.
  const operands = (s: string) =>
    rung === "regs"
      ? ""
      : rung === "wg-clamped"
      ? `      let x0 = f_x[${s} * 16u + ta * 2u]; let x1 = f_x[${s} * 16u + ta * 2u + 1u];
      let y0 = f_y[${s} * 16u + tb * 2u]; let y1 = f_y[${s} * 16u + tb * 2u + 1u];`
      : `      let x0 = s_x[${s}][ta][0]; let x1 = s_x[${s}][ta][1];
      let y0 = s_y[${s}][tb][0]; let y1 = s_y[${s}][tb][1];`;
  const body = rung === "wg-clamped"
    ? `    for (var s = 0u; s < ${TILE_STEPS}u; s++) {
${operands("s")}
${tileStep()}
    }`
    : Array.from(
      { length: TILE_STEPS },
      (_, s) => `    {\n${operands(`${s}u`)}\n${tileStep()}\n    }`,
    )
      .join("\n");
  return {
    name: "ladder_tile",
    constants: { rung },
    storage: [readWrite("sink", "f32")],
    uniforms: fmaParams,
    wgsl: () => `
${FLAT_GROUP_WGSL}
var<workgroup> s_x: array<array<array<vec4f, 2>, 8>, ${TILE_STEPS}>;
var<workgroup> s_y: array<array<array<vec4f, 2>, 8>, ${TILE_STEPS}>;
var<workgroup> f_x: array<vec4f, ${TILE_STEPS * 16}>;
var<workgroup> f_y: array<vec4f, ${TILE_STEPS * 16}>;
@compute @workgroup_size(${TILE_THREADS})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let ta = lid / 8u;
  let tb = lid % 8u;
  let seed = vec4f(u.seed + f32(lid) * 1e-7);
  for (var e = lid; e < ${TILE_STEPS * 16}u; e += ${TILE_THREADS}u) {
    let v = seed * f32(e % 7u);
    s_x[e / 16u][(e % 16u) / 2u][e % 2u] = v;
    s_y[e / 16u][(e % 16u) / 2u][e % 2u] = v * 0.5;
    f_x[e] = v;
    f_y[e] = v * 0.5;
  }
  workgroupBarrier();
  let x0 = seed; let x1 = seed * 0.5; let y0 = seed * 0.25; let y1 = seed * 0.125;
${accs.map((a) => `  var ${a} = vec4f(0.0);`).join("\n")}
  for (var i = 0u; i < u.iters; i++) {
    workgroupBarrier();  // keeps the workgroup loads inside the loop
${body}
  }
  let s = ${accs.join(" + ")};
  let g = flat_group(wid, nwg) * ${TILE_THREADS}u + lid;
  let all = s.x + s.y + s.z + s.w; // every lane read (dead lanes lose their FMAs)
  if (all == 1234.5) { sink[g] = all; } // never true
}`,
  };
}

/**
 * A tile or block kernel: a 64 × 64 output tile per workgroup of `threads` invocations,
 * {@linkcode TILE_STEPS} staged indices per iteration.
 */
function tileWork(device: GPUDevice, kernel: Kernel, threads: number, small: boolean): Workload {
  const groups = small ? 8 : 32768, iters = small ? 2 : 16;
  const flops = 2 * groups * 64 * 64 * iters * TILE_STEPS;
  return sinkWork(device, kernel, threads, groups, iters, flops);
}

/**
 * The products of one kernel's register block fed from workgroup memory, as the linear-attention
 * kernels generate them (shaders/linear_attention/kernels.ts) but with nothing staged: a 64 × 64
 * output tile, `rm × rn` accumulators per invocation, 16 inner indices per iteration and one
 * barrier per iteration.
 * - `rows`: the row passes' block: x row-major (`s_x[q][tm][j]`: 4 inner indices of the
 *   invocation's row j per read), y = the state `s_y[s][c][tn]` (f32 in the kernels).
 * - `state`: the state passes' block: x = 4 state rows per read (`s_x[s][i][tm]`), y = 4 columns.
 * `x`, `y`: the staged types (f16 values are converted where read, as in the kernels).
 * `random`: operands uniform in [0.5, 1.5) from a hash, like the ops' bench inputs, instead of
 * the few values `seed · (e % 7)` and `seed / 2`: the same instructions on data whose bits
 * toggle like the kernels' (a multiplier's power depends on its operands' bits).
 */
export interface Block {
  form: "rows" | "state";
  rm: number;
  rn: number;
  x: "f16" | "f32";
  y: "f16" | "f32";
  random?: boolean;
}

/** The workload of the block kernel `b` (bench/clocks.ts keeps it running). */
export function blockWork(device: GPUDevice, b: Block, small: boolean): Workload {
  return tileWork(device, blockKernel(b), blockThreads(b), small);
}

/** Invocations per workgroup of a block kernel (64 × 64 outputs). */
const blockThreads = (b: Block) => (64 / b.rm) * (64 / b.rn);

function blockKernel(b: Block): Kernel {
  const nt = blockThreads(b), ntn = 64 / b.rn, yv = b.rn / 4;
  const vx = b.x === "f16" ? "vec4h" : "vec4f", vy = b.y === "f16" ? "vec4h" : "vec4f";
  const f32 = (type: string, read: string) => (type === "vec4h" ? `vec4f(${read})` : read);
  const accs: string[] = [];
  for (let j = 0; j < b.rm; j++) for (let c = 0; c < yv; c++) accs.push(`a${j}_${c}`);
  const ys = (s: number) =>
    Array.from({ length: yv }, (_, c) => `      let y${c} = ${f32(vy, `s_y[${s}][${c}][tn]`)};`)
      .join("\n");
  const fmas = (xAt: (j: number) => string) =>
    Array.from({ length: b.rm * yv }, (_, k) => {
      const j = Math.floor(k / yv), c = k % yv;
      return `      a${j}_${c} = fma(vec4f(${xAt(j)}), y${c}, a${j}_${c});`;
    }).join("\n");
  const body = b.form === "rows"
    ? Array.from({ length: TILE_STEPS / 4 }, (_, q) =>
      `    {
${
        Array.from(
          { length: b.rm },
          (_, j) => `      let x${j} = ${f32(vx, `s_x[${q}][tm][${j}]`)};`,
        ).join("\n")
      }
${
        Array.from({ length: 4 }, (_, f) =>
          `      {\n${ys(4 * q + f)}\n${fmas((j) => `x${j}[${f}]`)}\n      }`).join("\n")
      }
    }`).join("\n")
    : Array.from({ length: TILE_STEPS }, (_, s) =>
      `    {
${
        Array.from({ length: b.rm / 4 }, (_, i) =>
          `      let x${i} = ${f32(vx, `s_x[${s}][${i}][tm]`)};`).join("\n")
      }
${ys(s)}
${
        fmas((j) => `x${j >> 2}[${j & 3}]`)
      }
    }`).join("\n");
  const sx = b.form === "rows"
    ? `array<array<array<${vx}, ${b.rm}>, ${64 / b.rm}>, ${TILE_STEPS / 4}>`
    : `array<array<array<${vx}, ${64 / b.rm}>, ${b.rm / 4}>, ${TILE_STEPS}>`;
  const fill = b.form === "rows"
    ? `s_x[e / ${nt / 4}u % ${TILE_STEPS / 4}u][e % ${64 / b.rm}u][e / ${64 / b.rm}u % ${b.rm}u]`
    : `s_x[e % ${TILE_STEPS}u][e / ${TILE_STEPS}u % ${b.rm / 4}u][e / ${TILE_STEPS}u % ${
      64 / b.rm
    }u]`;
  // Four values per staged vec4 (element e of s_x, e + 2¹⁶ of s_y), or the few constants.
  const value = (v: string, offset: string, constant: string) =>
    b.random
      ? `${v}(vec4f(rnd(4u * e + ${offset}), rnd(4u * e + ${offset} + 1u), rnd(4u * e + ${offset} + 2u), rnd(4u * e + ${offset} + 3u)))`
      : `${v}(${constant})`;
  return {
    name: "ladder_block",
    constants: { ...b, random: b.random ?? false },
    storage: [readWrite("sink", "f32")],
    uniforms: fmaParams,
    wgsl: () =>
      `${b.x === "f16" || b.y === "f16" ? "enable f16;" : ""}
${FLAT_GROUP_WGSL}
var<workgroup> s_x: ${sx};
var<workgroup> s_y: array<array<array<${vy}, ${ntn}>, ${yv}>, ${TILE_STEPS}>;
${PCG_WGSL}
fn rnd(i: u32) -> f32 { return 0.5 + f32(pcg(i) >> 9u) / 8388608.0; }
@compute @workgroup_size(${nt})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let tn = lid % ${ntn}u;
  let tm = lid / ${ntn}u;
  let seed = vec4f(u.seed + f32(lid) * 1e-7);
  for (var e = lid; e < ${TILE_STEPS * 64}u; e += ${nt}u) {
    ${fill} = ${value(vx, "0u", "seed * f32(e % 7u)")};
    s_y[e % ${TILE_STEPS}u][e / ${TILE_STEPS}u % ${yv}u][e / ${TILE_STEPS}u % ${ntn}u] = ${
        value(vy, "65536u", "seed * 0.5")
      };
  }
${accs.map((a) => `  var ${a} = vec4f(0.0);`).join("\n")}
  for (var i = 0u; i < u.iters; i++) {
    workgroupBarrier();  // keeps the workgroup reads inside the loop
${body}
  }
  let s = ${accs.join(" + ")};
  let g = flat_group(wid, nwg) * ${nt}u + lid;
  let all = s.x + s.y + s.z + s.w; // every lane read (dead lanes lose their FMAs)
  if (all == 1234.5) { sink[g] = all; } // never true
}`,
  };
}

/**
 * The state kernel of the simple op's forward (partial `KᵀV` of chunks of 512 rows, 64 × 64
 * tile, 8 × 8 per invocation, 16 rows per step) over `segments` segments of `rows` rows,
 * f16 storage.
 */
function stateWork(
  device: GPUDevice,
  mode: KernelMode,
  small: boolean,
  { tile = { m: 64, n: 64, rm: 8, rn: 8, steps: 16 }, padKiB = 0, normalised = false }: {
    tile?: Tile;
    padKiB?: number;
    normalised?: boolean;
  } = {},
): Workload {
  const segments = small ? 2 : 128, rows = small ? 1024 : 32768, d = 64, chunk = 512;
  const dtype = device.features.has("shader-f16") ? "f16" : "f32";
  const variant = { dtype, normalised, decoupled: false, varlen: false } as const;
  const ld = normalised ? d + 1 : d; // the normalised state's last column: the vector m
  const shader = stateKernel(variant, "fwd", tile, mode);
  const kernel: Kernel<LaParamName> = {
    name: "ladder_state",
    constants: { ...mode, padKiB, normalised },
    storage: shader.storage,
    uniforms: laParams,
    wgsl: () => padded(shader.wgsl, padKiB),
  };
  const chunks = rows / chunk;
  // Random inputs like the bench's, not zeros: the loads and products see what the op's see.
  const x = featureTensor(device, [segments * rows * d], dtype, 1);
  const y = featureTensor(device, [segments * rows * d], dtype, 2);
  const out = Tensor.empty(device, [segments * chunks * d * ld]);
  const values: Partial<Record<LaParamName, number>> = {
    groups: segments * chunks,
    rows,
    he: 1,
    dk: d,
    dv: d,
    ld,
    tiles_n: 1,
    tiles_a: 1,
    chunk,
    chunks,
  };
  const uniforms = Object.fromEntries(
    laParams.fields.map(([k]) => [k, values[k] ?? 0]),
  ) as Record<LaParamName, number>;
  return {
    work: () =>
      launch(device, kernel, { storage: { x, y, out }, uniforms, groups: segments * chunks }),
    flops: 2 * segments * rows * d * d,
    [Symbol.dispose]: () => {
      for (const t of [x, y, out]) t[Symbol.dispose]();
    },
  };
}

/**
 * The state kernel's WGSL with `kib` KiB more workgroup memory, written once and read once after
 * the products (so that no compiler drops it) and otherwise unused: fewer workgroups fit an SM,
 * nothing else changes. How the rate falls with it shows how many workgroups the kernel keeps
 * resident and how much it needs them (0: the kernel as generated).
 */
export function padded(wgsl: string, kib: number): string {
  if (kib === 0) return wgsl;
  const n = (kib * 1024) / 16; // vec4f
  const decl = /^var<workgroup> s_y: .*$/m, end = "  let direct = u.direct != 0u;";
  if (!decl.test(wgsl) || !wgsl.includes(end)) {
    throw new Error("ladder: the state kernel no longer has the lines the padding goes after");
  }
  return wgsl.replace(decl, (line) => `${line}\nvar<workgroup> ladder_pad: array<vec4f, ${n}>;`)
    .replace(
      end,
      `  ladder_pad[lid % ${n}u] = acc_0_0;
  workgroupBarrier();
  acc_0_0 += 0.0 * ladder_pad[(lid + 1u) % ${n}u];  // x · 0 is not folded (NaN, ∞)
${end}`,
    );
}

/**
 * The padded rungs: [f16 staging, KiB added]. Today's forward state kernel stages 4 KiB (f16) or
 * 8 KiB (f32).
 */
export const PADS: readonly [boolean, number][] = [
  // On the H200 the f16-staged kernel is flat to 10 KiB, 24 % slower at 16 and 55 % at 24 to 48;
  // the f32-staged one 6 % slower at 10 KiB and 20 % at 12 (bench/NOTES.md, session 6, call 5).
  [true, 6],
  [true, 12],
  [true, 20],
  [false, 2],
  [false, 4],
];
/** KiB of workgroup memory today's forward state kernel stages with f16 or f32 staging. */
export const stagedKiB = (f16: boolean): number => (f16 ? 4 : 8);

/** One rung: its name, what it runs, and its measured rate. */
export interface Rung {
  name: string;
  tflops: number;
}

/** The rung names in order. */
export const RUNGS = [
  "fma f32",
  "fma vec4<f16>",
  "fma vec2<f16>",
  "tile 8x8 registers",
  "tile 8x8 + workgroup operands, clamped indices",
  "tile 8x8 + workgroup operands, constant indices",
  "state block 4×8 from workgroup memory, f16 operands (the state kernels' products)",
  "state block 4×8 from workgroup memory, f16 operands, random data",
  "state block 4×8 from workgroup memory, f32 operands",
  "state block 4×8 from workgroup memory, f32 operands, random data",
  "state block 8×8 from workgroup memory, f16 operands",
  "row block 8×4 from workgroup memory, x f16, y f32 (the row kernels' products)",
  "row block 8×4 from workgroup memory, x f16, y f32, random data",
  "row block 8×4 from workgroup memory, x f32, y f32",
  "row block 8×8 from workgroup memory, x f16, y f32",
  "row block 8×4 from workgroup memory, x f16, y f16",
  "state kernel, today's forward tiling (4×8, 8 steps, 2 buffers, f16 staging, unrolled)",
  "state kernel, today's forward tiling, f32 staging",
  "state kernel, today's forward tiling, normalised (the op's forward state pass)",
  "state kernel, today's forward tiling, normalised, f32 staging",
  ...PADS.map(([f16, kib]) =>
    `state kernel, today's forward tiling${f16 ? "" : ", f32 staging"} + ${kib} KiB of ` +
    `workgroup memory (${stagedKiB(f16) + kib} KiB)`
  ),
  "state kernel, 1 buffer, scalar loads",
  "state kernel, 2 buffers, scalar loads",
  "state kernel, 2 buffers, vec4 loads",
  "state kernel, 2 buffers, vec4 loads, subgroup x",
  "state kernel, 2 buffers, vec4 loads, f16 staging + f16 chains",
  "state kernel, 2 buffers, vec4 loads, f16 staging + f32 products",
  "state kernel, 2 buffers, vec4 loads, 16 steps unrolled",
] as const;

/** Runs the rungs whose names pass `only`, in order; `small`: CPU-adapter sizes. */
export async function runLadder(
  device: GPUDevice,
  small: boolean,
  only: (name: string) => boolean = () => true,
): Promise<Rung[]> {
  const f16 = device.features.has("shader-f16");
  const sg = subgroupSize(device);
  const shuffle = sg !== undefined && sg % 8 === 0; // lane groups of 8 (64 / 8 columns)
  const rate = (w: Workload) => workloadRate(device, w, small ? 3 : 10);
  const state = (m: Partial<KernelMode>) => (): Promise<number> =>
    rate(stateWork(
      device,
      {
        precision: "f32",
        f16Staging: false,
        vec4: false,
        shuffle: false,
        buffers: 2,
        unroll: 2,
        ...m,
      },
      small,
    ));
  const block = (b: Block) =>
    f16 || (b.x === "f32" && b.y === "f32") ? () => rate(blockWork(device, b, small)) : undefined;
  // Today's forward tiling: 4 KiB of workgroup memory with f16 staging.
  const today = (f16Staging = true, padKiB = 0, normalised = false) => (): Promise<number> =>
    rate(stateWork(
      device,
      { precision: "f32", f16Staging, vec4: true, shuffle: false, buffers: 2, unroll: 8 },
      small,
      { tile: { m: 64, n: 64, rm: 4, rn: 8, steps: 8 }, padKiB, normalised },
    ));
  const pad = ([f16Staging, kib]: readonly [boolean, number]) =>
    (f16 || !f16Staging) &&
      (stagedKiB(f16Staging) + kib) * 1024 <= device.limits.maxComputeWorkgroupStorageSize
      ? today(f16Staging, kib)
      : undefined;
  const runs: [string, (() => Promise<number>) | undefined][] = [
    [RUNGS[0], () => fmaRate(device, "f32", small)],
    [RUNGS[1], f16 ? () => fmaRate(device, "vec4h", small) : undefined],
    [RUNGS[2], f16 ? () => fmaRate(device, "vec2h", small) : undefined],
    [RUNGS[3], () => rate(tileWork(device, tileKernel("regs"), TILE_THREADS, small))],
    [RUNGS[4], () => rate(tileWork(device, tileKernel("wg-clamped"), TILE_THREADS, small))],
    [RUNGS[5], () => rate(tileWork(device, tileKernel("wg-const"), TILE_THREADS, small))],
    [RUNGS[6], block({ form: "state", rm: 4, rn: 8, x: "f16", y: "f16" })],
    [RUNGS[7], block({ form: "state", rm: 4, rn: 8, x: "f16", y: "f16", random: true })],
    [RUNGS[8], block({ form: "state", rm: 4, rn: 8, x: "f32", y: "f32" })],
    [RUNGS[9], block({ form: "state", rm: 4, rn: 8, x: "f32", y: "f32", random: true })],
    [RUNGS[10], block({ form: "state", rm: 8, rn: 8, x: "f16", y: "f16" })],
    [RUNGS[11], block({ form: "rows", rm: 8, rn: 4, x: "f16", y: "f32" })],
    [RUNGS[12], block({ form: "rows", rm: 8, rn: 4, x: "f16", y: "f32", random: true })],
    [RUNGS[13], block({ form: "rows", rm: 8, rn: 4, x: "f32", y: "f32" })],
    [RUNGS[14], block({ form: "rows", rm: 8, rn: 8, x: "f16", y: "f32" })],
    [RUNGS[15], block({ form: "rows", rm: 8, rn: 4, x: "f16", y: "f16" })],
    [RUNGS[16], f16 ? today() : undefined],
    [RUNGS[17], today(false)],
    [RUNGS[18], f16 ? today(true, 0, true) : undefined],
    [RUNGS[19], today(false, 0, true)],
    ...PADS.map((p, i): [string, (() => Promise<number>) | undefined] => [RUNGS[20 + i], pad(p)]),
    [RUNGS[29], state({ buffers: 1 })],
    [RUNGS[30], state({})],
    [RUNGS[31], state({ vec4: true })],
    [RUNGS[32], shuffle ? state({ vec4: true, shuffle: true }) : undefined],
    [RUNGS[33], f16 ? state({ vec4: true, precision: "f16" }) : undefined],
    [RUNGS[34], f16 ? state({ vec4: true, f16Staging: true }) : undefined],
    [RUNGS[35], state({ vec4: true, unroll: 16 })],
  ];
  const out: Rung[] = [];
  for (const [name, run] of runs) {
    if (!run || !only(name)) continue;
    out.push({ name, tflops: await run() });
  }
  return out;
}

/** The ladder as a markdown table (share of the f32 FMA rung where it ran). */
export function ladderTable(rungs: Rung[]): string {
  const ceiling = rungs.find((r) => r.name === RUNGS[0])?.tflops;
  const rows = rungs.map((r) =>
    `| ${r.name} | ${r.tflops.toPrecision(3)} | ${
      ceiling ? (100 * r.tflops / ceiling).toFixed(0) : "-"
    } |`
  );
  return ["| rung | TFLOP/s | % of f32 FMA |", "|---|---|---|", ...rows].join("\n");
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { small: { type: "boolean" }, rungs: { type: "string" } },
  });
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) throw new Error("no WebGPU adapter");
  const device = await requestDevice();
  const small = values.small ?? isCpuAdapter(adapter.info);
  const only = values.rungs?.split(",");
  const rungs = await runLadder(device, small, (n) => !only || only.some((o) => n.includes(o)));
  console.log(ladderTable(rungs));
}
