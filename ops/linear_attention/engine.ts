/**
 * The engine shared by `linearAttention`, `simpleLinearAttention`, `decoupledLinearAttention`
 * and `varlenLinearAttention`: records the forward (state pass, output pass) and the backward
 * (dq pass, state pass, then the dk, dv row passes) of one problem, slice by slice.
 *
 * The state passes split the rows of each segment into a few long chunks (about 256 workgroups
 * per pass, up to a few thousand at large T); each chunk's partial state goes to scratch inside a buffer that is not written yet
 * (the output o in the forward, the gradient dk in the backward) and a reduce kernel sums the
 * partials in a fixed order. Extra memory: the forward keeps `[S | m]` (f32,
 * B·H·d_k·(d_v+1)) and, for the normalised ops, 1/z per query row (f32, B·H·L_q); the backward
 * adds `[dS | dm/L_k]` of the state's size and dz per query row while it runs.
 * @module
 */
import { type Kernel, launch, planSlices, type Slice, Tensor, windowOf } from "../_runtime/mod.ts";
import {
  bytesPerElement,
  paddedBytes,
  storageBuffer,
  uploadTemporary,
} from "../_runtime/tensor.ts";
import { subgroupSize } from "../_runtime/device.ts";
import {
  groupSteps,
  type KernelMode,
  type Tile,
  tileThreads,
} from "../../shaders/outer_product.ts";
import {
  LA_MAX_DIM,
  type LaParamName,
  laParams,
  type LaPrecision,
  type LaShader,
  type LaVariant,
  REDUCE_THREADS,
  reduceKernel,
  type RowForm,
  rowKernel,
  type RowRole,
  stateKernel,
  TRANSPOSE_TILE,
  transposeKernel,
  wideFits,
} from "../../shaders/linear_attention/kernels.ts";

/** Kernel tiling of the family; {@linkcode LA_DEFAULT_TILING} holds the defaults. */
export interface LaTiling {
  /** State passes: a `d_k × d_v` tile per workgroup, looping over one chunk of rows. */
  state: {
    /** Largest tile along d_k and d_v (16, 32 or 64: the smallest covering the dimension). */
    maxTile: number;
    /** State rows (d_k) per invocation (a multiple of 4). */
    rowsPerThread: number;
    /** State columns (d_v) per invocation (a multiple of 4). */
    colsPerThread: number;
    /** Sequence rows staged per step. */
    steps: number;
    /** Fewest rows per chunk (rounded up to a multiple of `steps`). */
    chunkMin: number;
    /** Most rows per chunk, unless the scratch is too small for that many partial states. */
    chunkMax: number;
    /** Chunks are sized for about this many workgroups in the whole state pass. */
    groups: number;
    /**
     * Where the pass has fewer workgroups than this with the tiling's tile, the `fill` tile
     * instead (more invocations per tile; 0: never).
     */
    fillBelow: number;
    /**
     * The tile where `fillBelow` applies: outputs per invocation, `split`, the groups of
     * invocations that each cover the whole tile and multiply 1/`split` of the staged rows, and
     * `steps`, the rows each group multiplies per step (default: `steps` above).
     */
    fill: { rowsPerThread: number; colsPerThread: number; split: number; steps?: number };
    /** Staging buffers of the state passes, when not the tiling's `buffers`. */
    buffers?: 1 | 2;
    /** f16 staging of the state passes, when not the tiling's `f16Staging`. */
    f16Staging?: boolean;
    /**
     * f16 inputs fetched 8 features (16 bytes) per load instead of 4, where the dims are
     * multiples of 8, the windows 8-aligned, the staging f32 and the tile fits
     * (`wideFits`): half the load instructions for the same bytes. `"decoupled"`: in the
     * decoupled op only. The vector column (m, dm) is then summed over a different grouping of
     * rows per invocation: the same sum, not always the same last bits.
     */
    wideLoads: boolean | "decoupled";
    /** Per pass (forward, backward), the fields above that differ from these. */
    byPass?: Partial<Record<"fwd" | "bwd", Partial<Omit<LaTiling["state"], "byPass">>>>;
  };
  /** Row passes: a `block × features` tile of o, dq, dk or dv per workgroup. */
  rows: {
    /** Largest tile along the output features (dq of a normalised op takes all of d_k). */
    maxTile: number;
    /** Sequence rows per workgroup. */
    block: number;
    /** Rows per invocation (a multiple of 4). */
    rowsPerThread: number;
    /** Output features per invocation (a multiple of 4). */
    colsPerThread: number;
    /** Inner features staged per step (a multiple of 4). */
    steps: number;
    /** f16 staging of X (q, dO, v or k), when not the tiling's `f16Staging`. */
    f16Staging?: boolean;
    /** Per role (o, dq, dk, dv), the fields above that differ from these. */
    byRole?: Partial<Record<RowRole, Partial<Omit<LaTiling["rows"], "byRole">>>>;
  };
  /** Staging buffers per operand: 2 overlaps the next step's loads with the FMAs. */
  buffers: 1 | 2;
  /**
   * Staged steps per iteration of the FMA loop (the rest is a loop; 0: all of them, with
   * literal staged indices).
   */
  unroll: number;
  /** Load 4 features per access where d_k, d_v and every row window allow it. */
  vecLoads: boolean;
  /**
   * With `vecLoads` in effect, the row passes also write 4 features per store where the output
   * windows allow it (each invocation's outputs are 4 consecutive features per accumulator).
   */
  vecStores: boolean;
  /** Share operands through subgroup shuffles where the device has subgroups. */
  subgroups: boolean;
  /**
   * f16 storage: stage the operands that are unmodified inputs (q, k, v, dO; not the states
   * nor dO/z) in workgroup memory as f16, converted to f32 where read — half the staged bytes,
   * the same results bit for bit. Ignored for f32 storage.
   */
  f16Staging: boolean;
  /**
   * Row passes load the state 4 floats at a time (with `vecLoads`, d_v a multiple of 4); the
   * normalised ops then pad each state row from d_v + 1 to d_v + 4 floats (m stays in column
   * d_v) so that rows start 16-byte aligned.
   */
  vecStateLoads: boolean;
  /**
   * The backward's dq and dk passes read a transposed copy of the state (made by a small kernel,
   * B·H·d_k·ld floats each while the backward runs), so that they stage Sᵀ like o and dv stage S.
   */
  transposedState: boolean;
  /**
   * The row passes stage X (q, dO, v or k) row-major as stored: one workgroup store per fetched
   * vec4 and 4 features per workgroup read in the products, instead of transposing it while
   * staging (4 one-component stores per fetched vec4). Needs `unroll` 0 or a multiple of 4 and
   * no subgroup shuffles (else the transposed form is used). Bitwise the same results.
   */
  rowMajorX: boolean;
  /**
   * Where the device has subgroups, dq sums each row's dz partials (`n / rn` lanes of one
   * subgroup) by subgroup shuffles instead of through workgroup memory.
   */
  subgroupSums: boolean;
}

/** The default tiling (the one place it is defined). */
export const LA_DEFAULT_TILING: Readonly<LaTiling> = Object.freeze({
  state: {
    maxTile: 64,
    // 4 × 8 outputs per invocation (128 at 64 × 64): on the H200 (bench/NOTES.md, session 4,
    // call 5) forward+backward −4.8 % at T = 16384 against 8 × 8 (the backward state pass), the
    // forward unchanged.
    rowsPerThread: 4,
    colsPerThread: 8,
    steps: 8,
    // Long chunks, few workgroups: each workgroup's partial state costs more than its bytes. On
    // the H200, B8-H16-D64 (bench/NOTES.md, session 7, call 4: chunk lengths 256–4096 scanned at
    // T = 1024–32768, with and without 4 × 4 tiles) this rule is the fastest measured or within
    // 0.3 % at every T: 256 workgroups of 4 × 4 tiles up to T = 4096 (forward −8 to −15 %), 2 048-row
    // chunks of 4 × 8 tiles from T = 16384 (forward+backward −6 % at 16384, −1 % at 32768),
    // against the 8 192 workgroups of 64–512 rows before.
    chunkMin: 512,
    chunkMax: 2048,
    groups: 256,
    fillBelow: 1024,
    // Those 256 workgroups: two groups of 128 invocations with 8 × 4 outputs each, 8 staged rows
    // per group and step. On the H200 (bench/NOTES.md, session 10, calls 1 and 2) against the
    // 4 × 4 tiles: forward −2.8 / −3.7 %, forward+backward −1.7 / −1.9 % at T = 4096 / 8192, −1
    // to −2 % at 1024–2048; 4 × 8, more groups or more rows per step slower.
    fill: { rowsPerThread: 8, colsPerThread: 4, split: 2 },
    // The decoupled op's state passes load three f16 rows per staged row (rotary, plain, v or
    // dO) and ran 40 % over linear's; fetching 8 features per load took them −18 / −26 % at T =
    // 4096 and −25 / −37 % at 32768 on the H200 (forward+backward −9 % / −13 %), while it made
    // linear's and varlen's (two loads) 3–9 % slower (bench/NOTES.md, session 11, call 5).
    wideLoads: "decoupled" as const,
    // Both state passes stage their inputs as f32 (no conversions in the products), converted at
    // the store: on the H200 the forward −10 % at T = 32768 (bench/NOTES.md, session 6, call 8),
    // the backward's pass −12 % (forward+backward −1.3 to −3 %, session 7, call 10), once
    // nothing at the fetch uses a loaded value (the vector column's sum, a conversion, a branch
    // around a load: each made the two-buffer loop wait for its prefetch).
    f16Staging: false,
    // The forward's pass takes chunks up to 4 096 rows and 4 × 8 tiles from 512 workgroups:
    // −1 % forward at T = 8192 and 32768 in the same scan, equal elsewhere.
    byPass: { fwd: { chunkMax: 4096, fillBelow: 512 } },
  },
  // 8 rows × 4 features per invocation (128 invocations at 64 features): on the H200 2–6 %
  // faster than 4 × 8 at T ≤ 4096 and equal at 32768; 8 × 8 slower (bench/NOTES.md, session 4).
  rows: { maxTile: 64, block: 64, rowsPerThread: 8, colsPerThread: 4, steps: 8 },
  // The next step fetched during this one's products: on the H200 (bench/NOTES.md, session 4,
  // call 7) forward −5 to −7 % at T = 1024–32768 with 32 accumulators per invocation (with 64
  // it was slower: registers).
  buffers: 2,
  // All staged indices literals, the state fetched 4 floats per load (rows padded to d_v + 4)
  // and the outputs written 4 per store: on the H200 (bench/NOTES.md, session 3) T = 32768
  // forward 3.50 → 2.89 ms, forward+backward 12.0 → 10.3 against the scalar forms; each alone
  // gains less (literal indices alone nothing).
  unroll: 0,
  vecLoads: true,
  vecStores: true,
  // Measured on the H200: sharing x by shuffles is 6–24 % slower than reading it from workgroup
  // memory (bench/NOTES.md, sessions 2 and 4), so the subgroup path is opt-in.
  subgroups: false,
  // Bitwise the same results. On the H200 with today's tiles f32 staging is 5–10 % slower forward
  // and forward+backward (bench/NOTES.md, session 4, call 7); the row passes staged as f32 with X
  // fetched as stored, 6 % (o) and 13 % (dq) slower (session 8, call 1).
  f16Staging: true,
  vecStateLoads: true,
  // Bitwise the same results. H200 (bench/NOTES.md, session 3, call 6): forward+backward −2 %
  // at T = 1024, −6 to −7 % at T = 4096–32768; the forward is unchanged.
  transposedState: true,
  // Bitwise the same results. H200 (bench/NOTES.md, session 4, call 1), f16 storage:
  // forward+backward −10 % at T = 32768, −8 % at 4096, −2.5 % at 1024 (forward −7 %, −3 %, +5 %).
  rowMajorX: true,
  subgroupSums: true,
});

/**
 * A tiling: `overrides` (each part optional) over {@linkcode LA_DEFAULT_TILING}; a pass's
 * (`state.byPass`) or role's (`rows.byRole`) fields go over the defaults' for it.
 */
export type LaTilingOverrides = {
  state?: Partial<LaTiling["state"]>;
  rows?: Partial<LaTiling["rows"]>;
} & Partial<Omit<LaTiling, "state" | "rows">>;

/** The full tiling of `overrides` (a pass's or role's fields over the defaults' for it). */
export function tilingOf(overrides: LaTilingOverrides = {}): LaTiling {
  const d = LA_DEFAULT_TILING, o = overrides;
  const byPass = (pass: "fwd" | "bwd") => ({
    ...d.state.byPass?.[pass],
    ...o.state?.byPass?.[pass],
  });
  const byRole = (role: RowRole) => ({ ...d.rows.byRole?.[role], ...o.rows?.byRole?.[role] });
  return {
    ...d,
    ...o,
    state: { ...d.state, ...o.state, byPass: { fwd: byPass("fwd"), bwd: byPass("bwd") } },
    rows: {
      ...d.rows,
      ...o.rows,
      byRole: { o: byRole("o"), dq: byRole("dq"), dk: byRole("dk"), dv: byRole("dv") },
    },
  };
}

function featureTile(d: number, maxTile: number): number {
  return Math.min(maxTile, d <= 16 ? 16 : d <= 32 ? 32 : 64);
}

/** Whether a kernel with tile `t` (`fetchVec4s` staged per step) fits `device`. */
function fits(t: Tile, fetched: number, bytes: number, device: GPUDevice): boolean {
  const nt = tileThreads(t);
  return t.rm % 4 === 0 && t.rn % 4 === 0 && t.m % t.rm === 0 && t.n % t.rn === 0 &&
    t.steps % 4 === 0 &&
    Number.isInteger(fetched / nt) && fetched / nt <= 16 &&
    nt <= device.limits.maxComputeInvocationsPerWorkgroup &&
    bytes <= device.limits.maxComputeWorkgroupStorageSize;
}

/** Bytes of one staged element. */
function stagedBytes(precision: LaPrecision): number {
  return precision === "f16" ? 2 : 4;
}

/**
 * Whether the x operand can be shared by subgroup shuffles (groups of n/rn lanes): f32
 * operands only (16-bit shuffles need a Vulkan feature wgpu may not enable).
 */
function canShuffle(p: Problem, t: Tile, device: GPUDevice): boolean {
  return p.tiling.subgroups && p.precision === "f32" && t.n / t.rn >= t.rm &&
    (t.split ?? 1) === 1 && rowLanesInSubgroups(t, device);
}

/**
 * Whether the `n / rn` invocations sharing a tile row (neighbouring `local_invocation_index`es)
 * lie within one subgroup: the device has subgroups and their size (a power of two) is a multiple
 * of that count, which is then a power of two too.
 */
function rowLanesInSubgroups(t: Tile, device: GPUDevice): boolean {
  const sg = subgroupSize(device);
  return sg !== undefined && sg % (t.n / t.rn) === 0;
}

/** Staging buffers of the state passes. */
function stateBuffers(p: Problem): 1 | 2 {
  return p.tiling.state.buffers ?? p.tiling.buffers;
}

/** The state tile: the tiling's, or with `fill`, the tiling's fill tile. */
function stateTile(p: Problem, device: GPUDevice, fill = false): Tile {
  const c = p.tiling.state;
  const m = featureTile(p.dk, c.maxTile), n = featureTile(p.dv, c.maxTile);
  const ok = (t: Tile) => {
    const nt = tileThreads(t);
    const staged = stateBuffers(p) * t.steps * (m + n) * stagedBytes(p.precision);
    const sums = 16 * (nt - nt / (t.split ?? 1)); // s_sum
    return fits(t, (t.steps * (m + n)) / 4, staged + 16 * nt + sums, device) &&
      nt % (m / 4) === 0 && nt % (n / 4) === 0 &&
      Number.isInteger((t.steps * m) / 4 / nt) && Number.isInteger((t.steps * n) / 4 / nt);
  };
  const wanted = fill
    ? { m, n, rm: c.fill.rowsPerThread, rn: c.fill.colsPerThread, split: c.fill.split }
    : { m, n, rm: c.rowsPerThread, rn: c.colsPerThread };
  const fallback: Tile[] = [
    { ...wanted, steps: (wanted.split ?? 1) * ((fill && c.fill.steps) || c.steps) },
    { m, n, rm: 4, rn: 4, steps: 16 },
    { m, n, rm: 4, rn: 4, steps: 32 },
  ];
  const t = fallback.find(ok);
  if (!t) throw new Error(`${p.op}: internal error, no state tiling fits d_k ${p.dk}, d_v ${p.dv}`);
  return t;
}

/** The smallest power-of-two tile from 16 covering d (all of it). */
function wholeTile(d: number): number {
  let n = 16;
  while (n < d) n *= 2;
  return n;
}

/** The row tiling of `role`: its `byRole` fields over the rows' defaults. */
function rowsOf(p: Problem, role: RowRole): Omit<LaTiling["rows"], "byRole"> {
  const { byRole, ...rows } = p.tiling.rows;
  return { ...rows, ...byRole?.[role] };
}

function rowTile(p: Problem, role: RowRole, device: GPUDevice): Tile {
  const c = rowsOf(p, role);
  const outer = role === "o" || role === "dv" ? p.dv : p.dk;
  const whole = role === "dq" && p.variant.normalised; // dz needs every column of a row
  const n = whole ? wholeTile(outer) : featureTile(outer, c.maxTile);
  const ok = (t: Tile) => {
    const nt = tileThreads(t);
    const staged = p.tiling.buffers * t.steps * (t.m + n) * stagedBytes(p.precision);
    const other = 4 * (LA_MAX_DIM + 3 * t.m + t.m * Math.max(t.steps / 4, n / t.rn));
    return fits(t, (t.m * t.steps) / 4, staged + other, device) &&
      nt % (t.steps / 4) === 0 && Number.isInteger((t.steps * n) / nt) &&
      (t.steps * n) / nt <= 32;
  };
  // The wanted tile first, then smaller ones; all keep the row block (the varlen block table
  // depends on it).
  const candidates: Tile[] = [];
  for (const steps of [c.steps, 16, 8]) {
    for (const rm of [c.rowsPerThread, 8, 4]) {
      for (const rn of [c.colsPerThread, 8, 4, n / 16, n / 8]) {
        candidates.push({ m: c.block, n, rm, rn, steps });
      }
    }
  }
  const t = candidates.find(ok);
  if (!t) throw new Error(`${p.op}: internal error, no ${role} tiling fits d ${outer}`);
  return t;
}

/** One problem: shapes, variant and scalars, already validated. */
export interface Problem {
  /** Op name, for error messages. */
  op: string;
  variant: LaVariant;
  /** Outer items sliced over: B·H (BHTD), B (BTHD) or 1 (varlen). */
  items: number;
  /** Segments per item: 1 (BHTD), H (BTHD) or N_seq·H (varlen). */
  segsPerItem: number;
  /** Heads interleaved in a row: 1 (BHTD) or H. */
  he: number;
  /** Query and key lengths (dense). */
  lq: number;
  lk: number;
  dk: number;
  dv: number;
  /** Shape prefix of the state tensor ([B, H] or [N_seq, H]). */
  statePrefix: number[];
  /** The scale of the numerator state (docs/math.md §1.2). */
  scale: number;
  /** varlen: scale_s = 1/n_s per sequence. */
  scaleDefault: boolean;
  eps: number;
  /** varlen: cu_seqlens. */
  cu?: Int32Array;
  /** Precision of the products. */
  precision: LaPrecision;
  /** Kernel tiling. */
  tiling: LaTiling;
}

/** The differentiable row inputs; `qr`/`kr` are the rotary features (decoupled only). */
export interface Inputs {
  q: Tensor;
  k: Tensor;
  v: Tensor;
  qr?: Tensor;
  kr?: Tensor;
}

const shaders = new Map<string, LaShader>();

function kernelOf(name: string, constants: Kernel["constants"], make: () => LaShader) {
  const key = `${name}:${JSON.stringify(constants)}`;
  let shader = shaders.get(key);
  if (!shader) shaders.set(key, shader = make());
  const kernel: Kernel<LaParamName> = {
    name,
    constants,
    storage: shader.storage,
    uniforms: laParams,
    wgsl: () => shader.wgsl,
  };
  return kernel;
}

/** Uploads u32 metadata (varlen tables) to a pooled buffer held until the next submit. */
function u32Buffer(device: GPUDevice, values: number[]): GPUBuffer {
  return uploadTemporary(device, new Uint32Array(values));
}

/** A varlen table of (sequence, first row) entries, `span` rows each (at least one each). */
function spanTable(cu: Int32Array, span: number) {
  const table: number[] = [];
  const first: number[] = [];
  for (let s = 0; s + 1 < cu.length; s++) {
    first.push(table.length / 2);
    const n = cu[s + 1] - cu[s];
    for (let r = 0; r === 0 || r < n; r += span) table.push(s, r);
  }
  first.push(table.length / 2);
  return { table, first, entries: table.length / 2 };
}

/**
 * `seqs` of a varlen kernel: cu_seqlens, then a table of `span`-row entries, then each
 * sequence's first entry (N + 1 values).
 */
function seqsFor(device: GPUDevice, cu: Int32Array, span: number) {
  const { table, first, entries } = spanTable(cu, span);
  const buffer = u32Buffer(device, [...cu, ...table, ...first]);
  return { buffer, table: cu.length, chunkFirst: cu.length + table.length, entries };
}

/** A row tensor used as f32 scratch (its contents are overwritten later). */
interface Scratch {
  scratchOf: Tensor;
}

type Bound = Record<string, Tensor | Scratch | undefined>;

/** Binds slice `s`'s window of `t` as f32 words; returns the binding and its word offset. */
function scratchWindow(t: Tensor, p: Problem, s: Slice) {
  const perItem = (t.size / p.items) * bytesPerElement(t.dtype);
  const align = t.device.limits.minStorageBufferOffsetAlignment;
  const start = s.start * perItem, end = (s.start + s.count) * perItem;
  const offset = Math.floor(start / align) * align;
  const size = Math.min(Math.ceil(end / 4) * 4, paddedBytes(t)) - offset;
  const binding = { buffer: storageBuffer(t), offset, size };
  return { binding, words: Math.ceil((start - offset) / 4) };
}

/** Bindings of row tensors the kernels read (declared as vec4s with vecLoads). */
const ROW_INPUTS = ["x", "y", "den"];

/**
 * Whether the kernels may load 4 features at a time: d_k and d_v multiples of 4 and the row
 * inputs' windows 4-aligned ({@linkcode alignedWindows}).
 */
function vec4Windows(p: Problem, slices: Slice[], tensors: Bound): boolean {
  if (!p.tiling.vecLoads || p.dk % 4 !== 0 || p.dv % 4 !== 0) return false;
  return alignedWindows(p, slices, tensors, ROW_INPUTS);
}

/**
 * Whether, in every slice, each of the tensors `names` (as {@linkcode launchSliced} binds it)
 * starts at a multiple of `n` elements (4 unless said) and holds a multiple of `n`.
 */
function alignedWindows(
  p: Problem,
  slices: Slice[],
  tensors: Bound,
  names: string[],
  n = 4,
): boolean {
  return names.every((name) => {
    const t = tensors[name];
    if (!t || "scratchOf" in t) return true;
    const perItem = t.size / p.items;
    return slices.every((s) =>
      windowOf(t, s.start * perItem, s.count * perItem).elementOffset % n === 0 &&
      (s.count * perItem) % n === 0
    );
  });
}

/** Every uniform of {@linkcode laParams} at 0: what a kernel does not use. */
const NO_PARAMS = Object.fromEntries(laParams.fields.map(([name]) => [name, 0])) as Record<
  LaParamName,
  number
>;

/**
 * Records one kernel over every slice, binding each tensor's window of the slice. Its uniforms
 * start from {@linkcode NO_PARAMS}: building all of them from entries at every launch cost a third
 * of a vjp + pullback's JavaScript (bench/NOTES.md, session 13).
 */
function launchSliced(
  p: Problem,
  slices: Slice[],
  kernel: Kernel<LaParamName>,
  tensors: Bound,
  params: (segs: number) => Partial<Record<LaParamName, number>>,
  seqs?: { buffer: GPUBuffer; table: number; chunkFirst: number },
) {
  for (const s of slices) {
    const values: Record<LaParamName, number> = {
      ...NO_PARAMS,
      he: p.he,
      dk: p.dk,
      dv: p.dv,
      ld: stateRowLength(p),
      scale: p.scale,
      scale_default: p.scaleDefault ? 1 : 0,
      inv_len: 1 / p.lk,
      eps: p.eps,
      table: seqs?.table ?? 0,
      chunk_first: seqs?.chunkFirst ?? 0,
      ...params(s.count * p.segsPerItem),
    };
    let device: GPUDevice | undefined;
    const storage = Object.fromEntries(kernel.storage.map((b) => {
      if (b.name === "seqs") return [b.name, { buffer: seqs!.buffer }];
      const t = tensors[b.name];
      if (!t) throw new Error(`${p.op}: internal error, no tensor for binding ${b.name}`);
      if ("scratchOf" in t) {
        const w = scratchWindow(t.scratchOf, p, s);
        values[`off_${b.name}` as LaParamName] = w.words;
        return [b.name, w.binding];
      }
      device = t.device;
      const perItem = t.size / p.items;
      const w = windowOf(t, s.start * perItem, s.count * perItem);
      values[`off_${b.name}` as LaParamName] = w.elementOffset;
      return [b.name, w.binding];
    }));
    launch(device!, kernel, { storage, uniforms: values, groups: values.groups });
  }
}

function ceilDiv(a: number, b: number) {
  return Math.ceil(a / b);
}

function roundUp(a: number, b: number) {
  return ceilDiv(a, b) * b;
}

/** How a state pass splits its rows: `chunk` rows per workgroup, `chunks` per dense segment. */
interface ChunkPlan {
  chunk: number;
  chunks: number;
  /** One chunk per segment: the state kernel writes the finished state (no reduce). */
  direct: boolean;
}

/**
 * Chunk length of a state pass reducing `rows` rows per dense segment (varlen: per sequence),
 * sized for about `LA_TILES.state.groups` workgroups, lengthened until every partial state
 * (d_k·ld f32 each) fits in `scratch`'s window of one item, else one chunk (direct).
 */
function chunkPlan(p: Problem, t: Tile, tiles: number, rows: number, scratch: Tensor) {
  const c = p.tiling.state;
  const size = p.dk * stateRowLength(p);
  const words = Math.floor((scratch.size / p.items) * bytesPerElement(scratch.dtype) / 4) - 1;
  const lengths = p.cu ? Array.from(p.cu.slice(1), (e, s) => e - p.cu![s]) : [rows];
  const longest = Math.max(1, ...lengths);
  // Rows summed by the whole pass (every segment; varlen: every sequence × head).
  const totalRows = p.cu ? p.cu[p.cu.length - 1] * p.he : rows * p.segsPerItem * p.items;
  const partials = (chunk: number) =>
    (p.cu ? spanTable(p.cu, chunk).entries * p.he : p.segsPerItem * ceilDiv(rows, chunk)) * size;
  let chunk = roundUp(ceilDiv(totalRows * tiles, c.groups), t.steps);
  chunk = Math.min(Math.max(chunk, roundUp(c.chunkMin, t.steps)), roundUp(c.chunkMax, t.steps));
  while (chunk < longest && partials(chunk) > words) chunk *= 2;
  if (chunk >= longest) return { chunk: longest, chunks: 1, direct: true };
  return { chunk, chunks: ceilDiv(rows, chunk), direct: false };
}

/** Workgroups per state tile of a pass over `rows` rows per segment in chunks of `chunk`. */
function stateGroups(p: Problem, chunk: number, rows: number): number {
  return p.cu
    ? spanTable(p.cu, chunk).entries * p.he
    : p.items * p.segsPerItem * ceilDiv(rows, chunk);
}

/** Loop iterations llvmpipe (Mesa's CPU driver) runs per invocation before it stops a loop. */
const LLVMPIPE_LOOP_CAP = 65535;

/**
 * On llvmpipe / lavapipe every shader loop stops after {@linkcode LLVMPIPE_LOOP_CAP}
 * iterations in total per invocation, which would silently truncate a state kernel's loop
 * over its chunk: refuse such chunks (only a long segment whose scratch is too small to split
 * it, e.g. L_q ≪ L_k) there with a `RangeError`.
 */
function checkLoopCap(
  p: Problem,
  pass: "fwd" | "bwd",
  t: Tile,
  mode: KernelMode,
  chunk: number,
  device: GPUDevice,
) {
  const info = (device as { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  if (!info?.description?.includes("llvmpipe")) return;
  // Per staged step: the main loop and the FMA loop (the fetches and stores are unrolled).
  const perStep = 1 + groupSteps(t) / mode.unroll;
  if (ceilDiv(chunk, t.steps) * perStep > LLVMPIPE_LOOP_CAP - 64 - p.dk) {
    throw new RangeError(
      `${p.op}: a chunk of ${chunk} rows is more than this adapter (llvmpipe, whose shader ` +
        `loops stop after ${LLVMPIPE_LOOP_CAP} iterations) can reduce in the ` +
        `${pass === "fwd" ? "forward" : "backward"} at d_k = ${p.dk}, d_v = ${p.dv} (too few ` +
        `${pass === "fwd" ? "query rows" : "rows"} to split it into chunks)`,
    );
  }
}

/** The compile-time mode of a kernel with tile `t` for problem `p` on these slices. */
function modeOf(
  p: Problem,
  t: Tile,
  vec4: boolean,
  device: GPUDevice,
  precision: LaPrecision = p.precision,
  buffers: 1 | 2 = p.tiling.buffers,
  f16Staging = p.tiling.f16Staging,
): KernelMode {
  return {
    precision,
    f16Staging: f16Staging && p.variant.dtype === "f16",
    vec4,
    shuffle: canShuffle({ ...p, precision }, t, device),
    buffers,
    // The largest divisor of the steps up to the wanted unroll.
    unroll: [groupSteps(t), 16, 8, 4, 2, 1].find((u) =>
      u <= (p.tiling.unroll || groupSteps(t)) && groupSteps(t) % u === 0
    )!,
  };
}

/** Records a state pass (and its reduce) writing `tensors.out`, with scratch in `scratch`. */
function recordState(
  problem: Problem,
  slices: Slice[],
  pass: "fwd" | "bwd",
  tensors: Bound,
  scratch: Tensor,
) {
  // The state tiling of this pass.
  const { byPass, ...state } = problem.tiling.state;
  const p = { ...problem, tiling: { ...problem.tiling, state: { ...state, ...byPass?.[pass] } } };
  const out = tensors.out as Tensor;
  const rows = pass === "fwd" ? p.lk : p.lq;
  const planned = (fill: boolean) => {
    const t = stateTile(p, out.device, fill);
    const tilesA = ceilDiv(p.dk, t.m), tilesB = ceilDiv(p.dv, t.n);
    return { t, tilesA, tilesB, c: chunkPlan(p, t, tilesA * tilesB, rows, scratch) };
  };
  const wide = planned(false);
  const filled =
    stateGroups(p, wide.c.chunk, rows) * wide.tilesA * wide.tilesB < p.tiling.state.fillBelow;
  const { t, tilesA, tilesB, c } = filled ? planned(true) : wide;
  const withGs = tensors.gs !== undefined;
  // S feeds dq, whose terms can nearly cancel: the forward state's products stay f32. The
  // backward's f16 chains with 8 × 8 tiles (64 f16 sums beside 64 f32 accumulators) measured
  // 8 % slower than f32 products on the H200 (bench/NOTES.md, session 4, call 2): f16 products
  // only with 4 × 4 tiles (a tiling's; the default fill tile is 8 × 4, with which `precision:
  // "f16"` measured as fast or faster, session 10, call 2).
  const precision = pass === "fwd" || t.rm * t.rn > 16 ? "f32" : p.precision;
  const vec4 = vec4Windows(p, slices, tensors);
  const f16Staging = p.tiling.state.f16Staging ?? p.tiling.f16Staging;
  const mode = modeOf(p, t, vec4, out.device, precision, stateBuffers(p), f16Staging);
  checkLoopCap(p, pass, t, mode, c.chunk, out.device);
  // 16-byte loads (LaTiling's `wideLoads`): f16 inputs staged as f32, dims and windows 8-aligned.
  const wanted = p.tiling.state.wideLoads;
  const wideLoads = (wanted === "decoupled" ? p.variant.decoupled : wanted) && vec4 &&
    p.variant.dtype === "f16" && precision === "f32" && !mode.f16Staging &&
    p.dk % 8 === 0 && p.dv % 8 === 0 && wideFits(t) &&
    alignedWindows(p, slices, tensors, ROW_INPUTS, 8);
  const k = kernelOf(
    `la_state_${pass}`,
    // Only a form in effect is named in the key (and the WGSL snapshots' file names).
    { ...p.variant, ...t, ...mode, withGs, ...(wideLoads ? { wideLoads } : {}) },
    () => stateKernel(p.variant, pass, t, mode, withGs, wideLoads),
  );
  const seqs = p.cu ? seqsFor(out.device, p.cu, c.chunk) : undefined;
  const common = { rows, chunk: c.chunk, chunks: c.chunks, direct: c.direct ? 1 : 0 };
  const parts = (segs: number) => p.cu ? seqs!.entries * p.he : segs * c.chunks;
  launchSliced(
    p,
    slices,
    k,
    { ...tensors, out: c.direct ? out : { scratchOf: scratch } },
    (segs) => ({
      ...common,
      groups: parts(segs) * tilesA * tilesB,
      tiles_a: tilesA,
      tiles_n: tilesB,
    }),
    seqs,
  );
  if (c.direct) return;
  const r = kernelOf(
    `la_reduce_${pass}`,
    { ...p.variant, withGs },
    () => reduceKernel(p.variant, pass, withGs),
  );
  const perSeg = ceilDiv(p.dk * stateRowLength(p), REDUCE_THREADS);
  launchSliced(p, slices, r, { part: { scratchOf: scratch }, gs: tensors.gs, out }, (segs) => ({
    ...common,
    groups: (p.cu ? (p.cu.length - 1) * p.he : segs) * perSeg,
    tiles_n: perSeg,
  }), seqs);
}

/** `state` transposed per segment into a new tensor (see `transposeKernel`). */
function transposed(p: Problem, slices: Slice[], state: Tensor): Tensor {
  const ld = stateRowLength(p);
  const out = Tensor.empty(state.device, [...p.statePrefix, ld, p.dk], "f32");
  const k = kernelOf("la_transpose", {}, transposeKernel);
  const tilesA = ceilDiv(p.dk, TRANSPOSE_TILE), tilesN = ceilDiv(ld, TRANSPOSE_TILE);
  launchSliced(p, slices, k, { mat: state, out }, (segs) => ({
    rows: segs,
    tiles_a: tilesA,
    tiles_n: tilesN,
    groups: segs * tilesA * tilesN,
  }));
  return out;
}

/** Records a row pass; `stateT`: `tensors.mat` is the transposed state (dq, dk). */
function recordRows(p: Problem, slices: Slice[], role: RowRole, tensors: Bound, stateT = false) {
  const outer = role === "o" || role === "dv" ? p.dv : p.dk;
  const out = tensors.out as Tensor;
  const t = rowTile(p, role, out.device);
  // dq and dk are sums of terms that can nearly cancel (dq: acc/z − (q·acc)/z²·m; dk:
  // scale·v·dSᵀ + dm/L_k): their products stay f32 whatever the precision.
  const precision = role === "dq" || role === "dk" ? "f32" : p.precision;
  const vec4 = vec4Windows(p, slices, tensors);
  const f16Staging = rowsOf(p, role).f16Staging ?? p.tiling.f16Staging;
  const mode = modeOf(p, t, vec4, out.device, precision, p.tiling.buffers, f16Staging);
  const stateVec4 = vec4 && vecState(p) && alignedWindows(p, slices, tensors, ["mat"]) &&
    Number.isInteger((t.steps * t.n) / 4 / tileThreads(t));
  const outVec4 = vec4 && p.tiling.vecStores && alignedWindows(p, slices, tensors, ["out", "out2"]);
  const rowMajorX = p.tiling.rowMajorX && !mode.shuffle && mode.unroll % 4 === 0;
  const dzShuffle = role === "dq" && p.variant.normalised && p.tiling.subgroupSums &&
    rowLanesInSubgroups(t, out.device);
  // Only the forms in effect are named in the key (and the WGSL snapshots' file names).
  const form: RowForm = Object.fromEntries(
    Object.entries({ stateVec4, outVec4, stateT, rowMajorX, dzShuffle }).filter(([, on]) => on),
  );
  const k = kernelOf(
    `la_rows_${role}`,
    { ...p.variant, ...t, ...mode, ...form },
    () => rowKernel(p.variant, role, t, mode, form),
  );
  const rows = role === "o" || role === "dq" ? p.lq : p.lk;
  const tilesN = ceilDiv(outer, t.n), blocks = ceilDiv(rows, t.m);
  const seqs = p.cu ? seqsFor(out.device, p.cu, t.m) : undefined;
  launchSliced(p, slices, k, tensors, (segs) => ({
    // varlen: one workgroup per (block-table entry, head).
    groups: (p.cu ? seqs!.entries * p.he : segs * blocks) * tilesN,
    rows,
    tiles_n: tilesN,
    blocks,
  }), seqs);
}

function plan(p: Problem, tensors: (Tensor | undefined)[]): Slice[] {
  const list = tensors.filter((t): t is Tensor => t !== undefined);
  return planSlices(list, list.map((t) => t.size / p.items), p.items, p.op);
}

function stateTensor(p: Problem, device: GPUDevice): Tensor {
  return Tensor.empty(device, [...p.statePrefix, p.dk, stateRowLength(p)], "f32");
}

/** Whether the row passes may load the state 4 floats at a time (see `vecStateLoads`). */
function vecState(p: Problem): boolean {
  return p.tiling.vecStateLoads && p.tiling.vecLoads && p.dv % 4 === 0;
}

/**
 * Floats per row of the state `[S | m]` (normalised) or S: d_v + 1 or d_v, padded to d_v + 4
 * for the normalised ops when the state is loaded as vec4s.
 */
function stateRowLength(p: Problem): number {
  if (!p.variant.normalised) return p.dv;
  return vecState(p) ? p.dv + 4 : p.dv + 1;
}

/** An f32 tensor of one value per query row (1/z, dz): items · L_q · he values. */
function rowStats(p: Problem, device: GPUDevice): Tensor {
  return Tensor.empty(device, [p.items, p.lq * p.he], "f32");
}

/** Shape of a row tensor like `like` but with feature size `d`. */
function withFeatures(like: Tensor, d: number): number[] {
  return [...like.shape.slice(0, -1), d];
}

/** What the forward keeps for the backward. */
export interface Saved {
  /** The output, in the inputs' dtype and layout. */
  output: Tensor;
  /** `[S | m]` (normalised) or S, f32. */
  state: Tensor;
  /** Normalised ops: w = 1/z = 1/(q·m + ε) per query row, f32 (the backward multiplies by it). */
  w?: Tensor;
}

/** Records the forward: the output, the f32 state and (normalised) 1/z per row. */
export function forward(p: Problem, x: Inputs): Saved {
  const device = x.q.device;
  const state = stateTensor(p, device);
  const output = Tensor.empty(device, withFeatures(x.q, p.dv), x.q.dtype);
  const w = p.variant.normalised ? rowStats(p, device) : undefined;
  const slices = plan(p, [x.q, x.k, x.v, x.qr, x.kr, output, state, w]);
  const dec = p.variant.decoupled;
  recordState(
    p,
    slices,
    "fwd",
    { x: x.kr ?? x.k, y: x.v, den: dec ? x.k : undefined, out: state },
    output,
  );
  recordRows(p, slices, "o", {
    x: x.qr ?? x.q,
    den: dec ? x.q : undefined,
    mat: state,
    out: output,
    w,
  });
  return { output, state, w };
}

/** Frees what {@linkcode forward} kept. */
export function release(saved: Saved): void {
  saved.state.destroy();
  saved.w?.destroy();
}

/** Gradients of the row inputs (`dqr`, `dkr` for the decoupled op only). */
export interface Grads {
  dq: Tensor;
  dk: Tensor;
  dv: Tensor;
  dqr?: Tensor;
  dkr?: Tensor;
}

/**
 * Records the backward for upstream gradient `dO` (and `gs`, the upstream gradient of the
 * returned state of the simple op). `saved` comes from {@linkcode forward}. Normalised ops run
 * the dq pass first: it forms dz_r = −(q_r·dO_r·Sᵀ)/z_r² from f32 products (not from the
 * stored output) and hands it to the state pass, which sums `[dS | dm] = Qᵀ[dO/z | dz]`.
 */
export function backward(p: Problem, x: Inputs, saved: Saved, dO: Tensor, gs?: Tensor): Grads {
  const device = x.q.device;
  const like = (t: Tensor) => Tensor.empty(device, t.shape, t.dtype);
  const dec = p.variant.decoupled, norm = p.variant.normalised;
  const g: Grads = { dq: like(x.q), dk: like(x.k), dv: like(x.v) };
  if (dec) Object.assign(g, { dqr: like(x.q), dkr: like(x.k) });
  const dstate = stateTensor(p, device);
  const dz = norm ? rowStats(p, device) : undefined;
  const { state, w } = saved;
  const slices = plan(p, [
    x.q,
    x.k,
    x.v,
    x.qr,
    x.kr,
    state,
    w,
    dz,
    dO,
    gs,
    dstate,
    g.dq,
    g.dk,
    g.dv,
    g.dqr,
    g.dkr,
  ]);
  // dq and dk read Sᵀ and dSᵀ: from transposed copies, or transposed while staged.
  const copies = p.tiling.transposedState;
  const stateT = copies ? transposed(p, slices, state) : undefined;
  const dq = {
    x: dO,
    mat: stateT ?? state,
    out: dec ? g.dqr : g.dq,
    out2: dec ? g.dq : undefined,
  };
  if (norm) recordRows(p, slices, "dq", { ...dq, den: x.qr ?? x.q, w, dz }, copies);
  recordState(p, slices, "bwd", {
    x: x.qr ?? x.q,
    y: dO,
    den: dec ? x.q : undefined,
    w,
    dz,
    gs,
    out: dstate,
  }, dec ? g.dkr! : g.dk);
  if (!norm) recordRows(p, slices, "dq", dq, copies);
  stateT?.destroy();
  const dstateT = copies ? transposed(p, slices, dstate) : undefined;
  const dk = { x: x.v, mat: dstateT ?? dstate, out: dec ? g.dkr : g.dk, out2: g.dk };
  recordRows(p, slices, "dk", dk, copies);
  recordRows(p, slices, "dv", { x: x.kr ?? x.k, mat: dstate, out: g.dv });
  dstateT?.destroy();
  dstate.destroy();
  dz?.destroy();
  return g;
}
