/**
 * The outer-product tile shared by the linear-attention kernels (`linear_attention/kernels.ts`)
 * and the matmul (`nn/matmul.ts`): `C[m, n] += Σ_s X[s, m] · Y[s, n]` with `s` staged through
 * workgroup memory in steps. A workgroup holds an `m × n` tile of C, each invocation `rm × rn`
 * accumulators (vec4s named `acc_j_c`); the generated register block reads every staged value
 * through a constant or loop-invariant workgroup index (Naga clamps dynamic ones), and the staged
 * loop fetches the next step into registers while it multiplies this one (two buffers, one
 * barrier per step).
 *
 * A kernel built on it declares the staging arrays `s_x` and `s_y` in the layouts the register
 * block reads (see {@linkcode registerBlock}), the functions `fetch_<op>(from, k)` and
 * `store_<op>(buf, k, item)` that {@linkcode fetchStore} calls, the constant `STEP` (staged
 * indices per step) and the variables `s_begin`, `s_end`, `tm`, `tn` that
 * {@linkcode stagedLoop} and the block read.
 * @module
 */
import { unroll } from "./common.ts";

/** Arithmetic of the products: f32, or f16 products in short chains (f32 accumulators). */
export type Precision = "f32" | "f16";

/**
 * One outer-product tile: `m × n` outputs per workgroup, `rm × rn` per invocation (multiples
 * of 4), `steps` reduction indices staged per barrier. State kernels may `split` the workgroup
 * into groups of invocations that each cover the whole tile and multiply `steps / split` of the
 * staged indices, their sums added at the end (more invocations per tile without smaller
 * per-invocation tiles).
 */
export interface Tile {
  m: number;
  n: number;
  rm: number;
  rn: number;
  steps: number;
  split?: number;
}

/** How a kernel is compiled besides its tile. */
export interface KernelMode {
  /** Staging and product precision. */
  precision: Precision;
  /**
   * Stage the operands that are unmodified row inputs (f16 storage only) as f16: half the
   * workgroup-memory bytes, each value converted to f32 where it is read, so that the f32
   * products equal those of f32 staging bit for bit. Derived operands (the states, dO/z) stay
   * f32; f16 precision stages every operand as f16 anyway.
   */
  f16Staging: boolean;
  /** Row tensors declared as vec4s (d % 4 = 0 and aligned windows; the launcher checks). */
  vec4: boolean;
  /** Share the x operand through `subgroupShuffle` (lane groups of `n / rn` lanes). */
  shuffle: boolean;
  /** Staging buffers: 2 = one barrier per step (fetch of the next step overlaps the FMAs). */
  buffers: 1 | 2;
  /** Staged indices per iteration of the FMA loop (divides the tile's `steps`). */
  unroll: number;
}

/** Invocations of a workgroup with tile `t`. */
export function tileThreads(t: Tile): number {
  return (t.m / t.rm) * (t.n / t.rn) * (t.split ?? 1);
}

/** Staged indices each invocation multiplies per step (all of them unless `t.split`). */
export function groupSteps(t: Tile): number {
  return t.steps / (t.split ?? 1);
}

/** WGSL types of the staged vec4s of the x and y operands. */
export interface Staged {
  x: "vec4h" | "vec4f";
  y: "vec4h" | "vec4f";
}

/**
 * The generated register block: accumulator declarations (`decl`), the products of one staged
 * buffer (`fma`: a loop over the invocation's `groupSteps(t)` staged indices s, `mode.unroll`
 * per iteration, each `acc_j_c += x[j] · y[c]` with `x`, `y` read from `s_x[buf][s][·][tm]`,
 * `s_y[buf][s][·][tn]`, of types `types`, converted to f32 where f16 staged with f32 products)
 * and `each(f)`: `f(j, c, acc_j_c)` for every accumulator. f16 precision sums each staged step's
 * products in f16 (`h_j_c`) first.
 *
 * `xRows`: x is staged as its rows are stored, `s_x[buf][q][tm][j]` = staged indices 4q..4q + 3
 * of the invocation's row j (e.g. the rows of a matrix stored row-major, as a linear-attention row kernel's X or a matmul's A): one workgroup read
 * gives x for 4 staged indices, so the loop takes them 4 at a time (`mode.unroll` a multiple of
 * 4, no shuffle). The same products are added in the same order.
 */
export function registerBlock(t: Tile, mode: KernelMode, types: Staged, xRows = false) {
  if (xRows && (mode.shuffle || mode.unroll % 4 !== 0)) {
    throw new RangeError(`row-major x needs an unroll that is a multiple of 4 and no shuffle`);
  }
  const xv = t.rm / 4, yv = t.rn / 4;
  const half = mode.precision === "f16";
  // f16 staged operands feeding f32 products: converted where read (exact).
  const widen = (type: Staged["x"], read: string, convert: string) =>
    type === "vec4h" && !half ? `${convert}(${read})` : read;
  const names = unroll(t.rm, (j) => unroll(yv, (c) => `${j}_${c}`)).split("\n");
  const decl = names.map((n) => `  var acc_${n} = vec4f(0.0);`).join("\n");
  const el = half ? "f16" : "f32";
  const xOf = (v: number) =>
    mode.shuffle
      ? `vec4<${el}>(${
        Array.from({ length: 4 }, (_, c) => `subgroupShuffle(x_own, x_lane + ${v * 4 + c}u)`)
          .join(", ")
      })`
      : widen(types.x, `s_x[buf][s][${v}][tm]`, "vec4f");
  const target = (n: string) => (half ? `h_${n}` : `acc_${n}`);
  // All staged indices in one iteration: literals, so that every workgroup read has a constant
  // index (Naga clamps a loop counter's; the hot loop then does index arithmetic per read).
  const steps = groupSteps(t);
  const full = mode.unroll === steps;
  // Staged index s: its y reads and every accumulator's product, x_j's value written by `xAt(j)`.
  const products = (pad: string, xAt: (j: number) => string) =>
    `${unroll(yv, (c) => `${pad}let y${c} = ${widen(types.y, `s_y[buf][s][${c}][tn]`, "vec4f")};`)}
${
      unroll(t.rm, (j) =>
        unroll(yv, (c) => {
          const n = target(`${j}_${c}`);
          return `${pad}${n} = fma(vec4<${el}>(${xAt(j)}), y${c}, ${n});`;
        }))
    }`;
  const step = (u: number) =>
    `      {
        let s = ${full ? `${u}u` : `s2 + ${u}u`};
${
      mode.shuffle
        ? `        let x_own = ${widen(types.x, "s_x[buf][s][tn / 4u][tm][tn % 4u]", "f32")};`
        : ""
    }
${unroll(xv, (v) => `        let x${v} = ${xOf(v)};`)}
${products("        ", (j) => `x${j >> 2}[${j & 3}]`)}
      }`;
  // xRows: staged indices 4g.. of this iteration, x read once for the 4; f16 x held as read
  // and each value widened where multiplied (the same conversions, half the registers).
  const held = types.x === "vec4h" && !half;
  const group = (g: number) =>
    `      {
        let q = ${full ? `${g}u` : `s2 / 4u + ${g}u`};
${
      unroll(t.rm, (j) =>
        `        let x${j} = ${
          held ? `s_x[buf][q][tm][${j}]` : widen(types.x, `s_x[buf][q][tm][${j}]`, "vec4f")
        };`)
    }
${
      unroll(4, (f) =>
        `        {
          let s = ${full ? `${4 * g + f}u` : `s2 + ${4 * g + f}u`};
${products("          ", (j) => held ? `f32(x${j}[${f}])` : `x${j}[${f}]`)}
        }`)
    }
      }`;
  const body = (count: number) => xRows ? unroll(count / 4, group) : unroll(count, step);
  const loop = full ? body(steps) : `    for (var s2 = 0u; s2 < ${steps}u; s2 += ${mode.unroll}u) {
${body(mode.unroll)}
    }`;
  const fma = half
    ? `${names.map((n) => `    var h_${n} = vec4h(0.0);`).join("\n")}
${loop}
${names.map((n) => `    acc_${n} += vec4f(h_${n});`).join("\n")}`
    : loop;
  const each = (f: (j: number, c: number, acc: string) => string) =>
    unroll(t.rm, (j) => unroll(yv, (c) => f(j, c, `acc_${j}_${c}`)));
  return { decl, fma, each };
}

/**
 * The lines fetching this invocation's `count` items of operand `op` and storing them;
 * `storeExtra(k)` adds arguments to the store of item k.
 */
export function fetchStore(op: string, count: number, storeExtra = (_k: number) => "") {
  return {
    fetch: (from: string) =>
      unroll(count, (k) => `    let f_${op}${k} = fetch_${op}(${from}, ${k}u);`),
    store: (buf: string) =>
      unroll(count, (k) => `    store_${op}(${buf}, ${k}u, f_${op}${k}${storeExtra(k)});`),
  };
}

/** The non-empty ones of `parts`, each ended by a newline. */
export function lines(...parts: string[]): string {
  return parts.filter((p) => p !== "").map((p) => `${p}\n`).join("");
}

/**
 * The staged main loop shared by both kernel shapes: `s0` runs from `begin` to `end` in steps
 * of `STEP`; `fetch(from)`/`store(buf)` are the generated lines, `fma` the register block
 * (reading buffer `buf`). `prologue`: lines loading what the kernel keeps in workgroup memory
 * besides the staged operands (`fetch`) and storing it (`store`), issued with the first step's
 * fetch so that the workgroup waits for one round of loads, not one after another.
 */
export function stagedLoop(
  mode: KernelMode,
  fetch: (from: string) => string,
  store: (buf: string) => string,
  fma: string,
  prologue = { fetch: "", store: "" },
  epilogue?: { decl: string; fetch: string },
): string {
  if (mode.buffers === 1) {
    return `${
      lines(prologue.fetch, prologue.store)
    }  for (var s0 = s_begin; s0 < s_end; s0 += STEP) {
    let buf = 0u;
${fetch("s0")}
${store("0u")}
    workgroupBarrier();
${fma}
    workgroupBarrier();
  }
${epilogue ? lines(epilogue.decl, epilogue.fetch) : ""}`;
  }
  // Fetch the next step into registers, multiply this one, then stage the next one in the
  // other buffer: nobody reads that buffer since the last barrier. Two steps per iteration, so
  // that the buffer index is a constant in each.
  const stepIn = (buf: number, next: string) =>
    `    {
      let buf = ${buf}u;
${fetch(next)}
${fma}
${store(`${1 - buf}u`)}
      workgroupBarrier();
    }`;
  const start = `  {
${lines(prologue.fetch, fetch("s_begin"), prologue.store, store("0u"))}  }
  workgroupBarrier();`;
  if (!epilogue) {
    return `${start}
  for (var s0 = s_begin; s0 < s_end; s0 += 2u * STEP) {
${stepIn(0, "s0 + STEP")}
    if (s0 + STEP >= s_end) { break; }
${stepIn(1, "s0 + 2u * STEP")}
  }`;
  }
  // The last step loads what the epilogue reads in place of a next step (nothing then waits for
  // those loads but the epilogue, and their registers are live in that step only). With the sums
  // of laneSums, dq −4.5 % at T = 32768 on the H200 (bench/NOTES.md, session 8, call 4).
  const last = (buf: number) =>
    `    {
      let buf = ${buf}u;
${epilogue.fetch}
${fma}
    }`;
  return `${start}
  var s0 = s_begin;
  for (; s0 + 2u * STEP < s_end; s0 += 2u * STEP) {
${stepIn(0, "s0 + STEP")}
${stepIn(1, "s0 + 2u * STEP")}
  }
${epilogue.decl}
  if (s0 + STEP < s_end) {
${stepIn(0, "s0 + STEP")}
${last(1)}
  } else {
${last(0)}
  }`;
}
