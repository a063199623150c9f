/**
 * The engine shared by `linearAttention`, `simpleLinearAttention`, `decoupledLinearAttention`
 * and `varlenLinearAttention`: records the forward (state pass, output pass) and the backward
 * (reduction pass, then the dq, dk, dv row passes) of one problem, slice by slice.
 *
 * The state passes split the rows of each segment into chunks (thousands of workgroups at
 * large T); each chunk's partial state goes to scratch inside a buffer that is not written yet
 * (the output o in the forward, the gradient dq in the backward) and a reduce kernel sums the
 * partials in a fixed order. Extra memory: the forward keeps `[S | m]` (f32,
 * B·H·d_k·(d_v+1)); the backward adds `[dS | dm/L_k]` of the same size while it runs.
 * Nothing depends on T.
 * @module
 */
import { type Kernel, launch, planSlices, type Slice, Tensor, windowOf } from "../_runtime/mod.ts";
import {
  bytesPerElement,
  paddedBytes,
  storageBuffer,
  uploadTemporary,
} from "../_runtime/tensor.ts";
import {
  LA_MAX_DIM,
  type LaParamName,
  laParams,
  type LaShader,
  type LaVariant,
  REDUCE_THREADS,
  reduceKernel,
  rowKernel,
  type RowRole,
  rowThreads,
  type RowTiles,
  stateKernel,
  stateThreads,
  type StateTiles,
} from "../../shaders/linear_attention/kernels.ts";

/**
 * Tile sizes of the two kernel shapes (compile-time constants; tune here). Feature tiles are
 * 16, 32 or 64 (the smallest that covers the dimension, capped by `maxTile`). A combination
 * the kernels cannot run (too few invocations for the row statistics) falls back to 4 × 4
 * per invocation. `vecLoads` (off by default, unmeasured): the staging loops load 4 consecutive
 * features per invocation (one vec4 load) where d_k and d_v are multiples of 4 and every row
 * tensor's window starts at a multiple of 4 elements, else they stay scalar.
 */
export const LA_TILES = {
  /** State kernels: a `d_k × d_v` tile per workgroup, looping over one chunk of rows. */
  state: {
    /** Largest tile along d_k and d_v. */
    maxTile: 64,
    /** Fewest rows per chunk (rounded up to a multiple of `rows`). */
    chunkMin: 64,
    /** Most rows per chunk, unless the scratch is too small for that many partial states. */
    chunkMax: 512,
    /** Chunks are sized for about this many workgroups in the whole state pass. */
    groups: 4096,
    /** Sequence rows staged per step. */
    rows: 16,
    /** State rows per invocation (a multiple of 4). */
    rowsPerThread: 4,
    /** vec4 state columns per invocation. */
    vec4sPerThread: 1,
    /** Stage x, y (and den, o) rows 4 features per load (see above). */
    vecLoads: false,
  },
  /** Row kernels: a `rows × features` tile of o, dq, dk or dv per workgroup. */
  rows: {
    /** Largest tile along the output features. */
    maxTile: 64,
    /** Sequence rows per workgroup. */
    block: 64,
    /** Inner-dimension step. */
    inner: 16,
    /** Rows per invocation (a multiple of 4). */
    rowsPerThread: 4,
    /** vec4 output columns per invocation. */
    vec4sPerThread: 1,
    /** Stage x (and den) rows 4 features per load (see above). */
    vecLoads: false,
  },
};

function featureTile(d: number, maxTile: number): number {
  return Math.min(maxTile, d <= 16 ? 16 : d <= 32 ? 32 : 64);
}

/**
 * Workgroup storage (bytes) the generated kernels declare at most: staged tiles (`staged`
 * floats, plus a plain-feature copy of `den` for the decoupled op), m, row stats.
 */
function storageBytes(staged: number, den: number, threads: number, rows: number): number {
  return 4 * (staged + den + LA_MAX_DIM + 2 * threads + 2 * rows);
}

function stateTiles(dk: number, dv: number, device: GPUDevice): StateTiles {
  const c = LA_TILES.state;
  const ta = featureTile(dk, c.maxTile), tb = featureTile(dv, c.maxTile);
  const t = { ta, tb, rows: c.rows, ra: c.rowsPerThread, cv: c.vec4sPerThread };
  const nt = stateThreads(t);
  const ok = ta % t.ra === 0 && tb % (4 * t.cv) === 0 && nt >= t.rows &&
    nt % t.rows === 0 && ta <= nt && nt <= device.limits.maxComputeInvocationsPerWorkgroup &&
    storageBytes(t.rows * (ta + tb), t.rows * ta, nt, t.rows) <=
      device.limits.maxComputeWorkgroupStorageSize;
  return ok ? t : { ta, tb, rows: 16, ra: 4, cv: 1 };
}

function rowTiles(outer: number, device: GPUDevice): RowTiles {
  const c = LA_TILES.rows;
  const tn = featureTile(outer, c.maxTile);
  const t = { bt: c.block, tn, bi: c.inner, rt: c.rowsPerThread, cv: c.vec4sPerThread };
  const nt = rowThreads(t);
  const ok = tn % (4 * t.cv) === 0 && t.bt % t.rt === 0 && nt >= t.bt && nt % t.bt === 0 &&
    nt <= device.limits.maxComputeInvocationsPerWorkgroup &&
    storageBytes(t.bi * (t.bt + tn), t.bi * t.bt, nt, t.bt) <=
      device.limits.maxComputeWorkgroupStorageSize;
  // The fallback keeps the row block (the varlen block table depends on it).
  return ok ? t : { ...t, bi: 16, rt: 4, cv: 1 };
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
  sigma: number;
  /** varlen: σ_s = 1/n_s per sequence. */
  sigmaDefault: boolean;
  eps: number;
  /** varlen: cu_seqlens. */
  cu?: Int32Array;
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
const ROW_INPUTS = ["x", "y", "den", "o"];

/**
 * Whether the kernels may load 4 features at a time: d_k and d_v multiples of 4 and, in every
 * slice, each row input's window (as {@linkcode launchSliced} binds it) starting at a multiple
 * of 4 elements and holding a multiple of 4.
 */
function vec4Windows(p: Problem, slices: Slice[], tensors: Bound): boolean {
  if (p.dk % 4 !== 0 || p.dv % 4 !== 0) return false;
  return ROW_INPUTS.every((name) => {
    const t = tensors[name];
    if (!t || "scratchOf" in t) return true;
    const perItem = t.size / p.items;
    return slices.every((s) =>
      windowOf(t, s.start * perItem, s.count * perItem).elementOffset % 4 === 0 &&
      (s.count * perItem) % 4 === 0
    );
  });
}

/** Records one kernel over every slice, binding each tensor's window of the slice. */
function launchSliced(
  p: Problem,
  slices: Slice[],
  kernel: Kernel<LaParamName>,
  tensors: Bound,
  params: (segs: number) => Partial<Record<LaParamName, number>>,
  seqs?: { buffer: GPUBuffer; table: number; chunkFirst: number },
) {
  for (const s of slices) {
    const values: Record<string, number> = {
      he: p.he,
      dk: p.dk,
      dv: p.dv,
      ld: p.dv + (p.variant.normalised ? 1 : 0),
      sigma: p.sigma,
      sigma_default: p.sigmaDefault ? 1 : 0,
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
        values[`off_${b.name}`] = w.words;
        return [b.name, w.binding];
      }
      device = t.device;
      const perItem = t.size / p.items;
      const w = windowOf(t, s.start * perItem, s.count * perItem);
      values[`off_${b.name}`] = w.elementOffset;
      return [b.name, w.binding];
    }));
    const uniforms = Object.fromEntries(
      laParams.fields.map(([name]) => [name, values[name] ?? 0]),
    ) as Record<LaParamName, number>;
    launch(device!, kernel, {
      storage,
      uniforms,
      groups: uniforms.groups,
    });
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
function chunkPlan(p: Problem, t: StateTiles, tiles: number, rows: number, scratch: Tensor) {
  const c = LA_TILES.state;
  const size = p.dk * (p.dv + (p.variant.normalised ? 1 : 0));
  const words = Math.floor((scratch.size / p.items) * bytesPerElement(scratch.dtype) / 4) - 1;
  const lengths = p.cu ? Array.from(p.cu.slice(1), (e, s) => e - p.cu![s]) : [rows];
  const longest = Math.max(1, ...lengths);
  // Rows summed by the whole pass (every segment; varlen: every sequence × head).
  const totalRows = p.cu ? p.cu[p.cu.length - 1] * p.he : rows * p.segsPerItem * p.items;
  const partials = (chunk: number) =>
    (p.cu ? spanTable(p.cu, chunk).entries * p.he : p.segsPerItem * ceilDiv(rows, chunk)) * size;
  let chunk = roundUp(ceilDiv(totalRows * tiles, c.groups), t.rows);
  chunk = Math.min(Math.max(chunk, roundUp(c.chunkMin, t.rows)), roundUp(c.chunkMax, t.rows));
  while (chunk < longest && partials(chunk) > words) chunk *= 2;
  if (chunk >= longest) return { chunk: longest, chunks: 1, direct: true };
  return { chunk, chunks: ceilDiv(rows, chunk), direct: false };
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
  t: StateTiles,
  chunk: number,
  device: GPUDevice,
) {
  const info = (device as { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  if (!info?.description?.includes("llvmpipe")) return;
  const nt = stateThreads(t), parts = nt / t.rows;
  const stats = pass === "bwd" && p.variant.normalised;
  const perStep = 1 + ceilDiv(t.rows * t.ta, nt) + ceilDiv(t.rows * t.tb, nt) +
    (stats
      ? 1 + parts + ceilDiv(t.rows * t.tb, nt) + ceilDiv(p.dk, parts) + ceilDiv(p.dv, parts)
      : 0);
  const steps = ceilDiv(chunk, t.rows);
  if (steps * perStep > LLVMPIPE_LOOP_CAP - 64 - p.dk) {
    throw new RangeError(
      `${p.op}: a chunk of ${chunk} rows is more than this adapter (llvmpipe, whose shader ` +
        `loops stop after ${LLVMPIPE_LOOP_CAP} iterations) can reduce in the ` +
        `${pass === "fwd" ? "forward" : "backward"} at d_k = ${p.dk}, d_v = ${p.dv} (too few ` +
        `${pass === "fwd" ? "query rows" : "rows"} to split it into chunks)`,
    );
  }
}

/** Records a state pass (and its reduce) writing `tensors.out`, with scratch in `scratch`. */
function recordState(
  p: Problem,
  slices: Slice[],
  pass: "fwd" | "bwd",
  tensors: Bound,
  scratch: Tensor,
) {
  const out = tensors.out as Tensor;
  const t = stateTiles(p.dk, p.dv, out.device);
  const withGs = tensors.gs !== undefined;
  const tilesA = ceilDiv(p.dk, t.ta), tilesB = ceilDiv(p.dv, t.tb);
  const wholeRows = tilesA === 1 && tilesB === 1;
  const rows = pass === "fwd" ? p.lk : p.lq;
  const c = chunkPlan(p, t, tilesA * tilesB, rows, scratch);
  checkLoopCap(p, pass, t, c.chunk, out.device);
  const vecLoads = LA_TILES.state.vecLoads && vec4Windows(p, slices, tensors);
  const k = kernelOf(
    `la_state_${pass}`,
    { ...p.variant, ...t, withGs, wholeRows, vecLoads },
    () => stateKernel(p.variant, pass, t, withGs, wholeRows, vecLoads),
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
  const perSeg = ceilDiv(p.dk * (p.dv + (p.variant.normalised ? 1 : 0)), REDUCE_THREADS);
  launchSliced(p, slices, r, { part: { scratchOf: scratch }, gs: tensors.gs, out }, (segs) => ({
    ...common,
    groups: (p.cu ? (p.cu.length - 1) * p.he : segs) * perSeg,
    tiles_n: perSeg,
  }), seqs);
}

function recordRows(p: Problem, slices: Slice[], role: RowRole, tensors: Bound) {
  const outer = role === "o" || role === "dv" ? p.dv : p.dk;
  const out = tensors.out as Tensor;
  const t = rowTiles(outer, out.device);
  const vecLoads = LA_TILES.rows.vecLoads && vec4Windows(p, slices, tensors);
  const k = kernelOf(
    `la_rows_${role}`,
    { ...p.variant, ...t, vecLoads },
    () => rowKernel(p.variant, role, t, vecLoads),
  );
  const rows = role === "o" || role === "dq" ? p.lq : p.lk;
  const tilesN = ceilDiv(outer, t.tn), blocks = ceilDiv(rows, t.bt);
  const seqs = p.cu ? seqsFor(out.device, p.cu, t.bt) : undefined;
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
  const ld = p.dv + (p.variant.normalised ? 1 : 0);
  return Tensor.empty(device, [...p.statePrefix, p.dk, ld], "f32");
}

/** Shape of a row tensor like `like` but with feature size `d`. */
function withFeatures(like: Tensor, d: number): number[] {
  return [...like.shape.slice(0, -1), d];
}

/**
 * Records the forward: the state `[S | m]` (f32, kept for the backward) and the output
 * `[…, L_q, d_v]` in the inputs' dtype and layout.
 */
export function forward(p: Problem, x: Inputs): { output: Tensor; state: Tensor } {
  const device = x.q.device;
  const state = stateTensor(p, device);
  const output = Tensor.empty(device, withFeatures(x.q, p.dv), x.q.dtype);
  const slices = plan(p, [x.q, x.k, x.v, x.qr, x.kr, output, state]);
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
  });
  return { output, state };
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
 * returned state of the simple op). `output` and `state` come from {@linkcode forward}.
 */
export function backward(
  p: Problem,
  x: Inputs,
  output: Tensor,
  state: Tensor,
  dO: Tensor,
  gs?: Tensor,
): Grads {
  const device = x.q.device;
  const like = (t: Tensor) => Tensor.empty(device, t.shape, t.dtype);
  const dec = p.variant.decoupled;
  const g: Grads = { dq: like(x.q), dk: like(x.k), dv: like(x.v) };
  if (dec) Object.assign(g, { dqr: like(x.q), dkr: like(x.k) });
  const dstate = stateTensor(p, device);
  const slices = plan(p, [
    x.q,
    x.k,
    x.v,
    x.qr,
    x.kr,
    output,
    state,
    dO,
    gs,
    dstate,
    g.dq,
    g.dk,
    g.dv,
    g.dqr,
    g.dkr,
  ]);
  const norm = p.variant.normalised;
  recordState(p, slices, "bwd", {
    x: x.qr ?? x.q,
    y: dO,
    den: dec ? x.q : undefined,
    o: norm ? output : undefined,
    mat: norm ? state : undefined,
    gs,
    out: dstate,
  }, g.dq);
  recordRows(p, slices, "dq", {
    x: dO,
    den: norm ? x.q : undefined,
    o: norm ? output : undefined,
    mat: state,
    out: dec ? g.dqr : g.dq,
    out2: dec ? g.dq : undefined,
  });
  recordRows(p, slices, "dk", { x: x.v, mat: dstate, out: dec ? g.dkr : g.dk, out2: g.dk });
  recordRows(p, slices, "dv", { x: x.kr ?? x.k, mat: dstate, out: g.dv });
  dstate.destroy();
  return g;
}
