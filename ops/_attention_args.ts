/**
 * Arguments of the attention ops (linear attention, SDPA, PISA and the naive compositions):
 * layouts, the q/k/v shapes, options, and the pullback's cotangent and liveness checks. Every
 * failure is a `TypeError` or `RangeError` that names the op, the argument and what it got.
 * @module
 */
import {
  checkFinite,
  checkOneOf,
  checkOptionsObject,
  checkRank,
  checkSameDeviceAndDtype,
  checkTensor,
  type Tensor,
} from "./_runtime/mod.ts";

/** Memory layout of the attention ops' rank-4 tensors. */
export type Layout = "BHTD" | "BTHD";

/** Sizes of an attention problem. */
export interface AttentionShape {
  /** Batch. */
  B: number;
  /** Heads. */
  H: number;
  /** Query length. */
  lq: number;
  /** Key (and value) length. */
  lk: number;
  /** Query/key features. */
  dk: number;
  /** Value features. */
  dv: number;
  /** Layout of all tensors. */
  layout: Layout;
}

/** Throws unless `options` is undefined or an object; returns it (or `{}`). */
export function checkOptions<T extends object>(options: T | undefined, op: string): T {
  return checkOptionsObject(options, `${op}: options`);
}

/** `options.layout`, checked; `"BHTD"` by default. */
export function checkLayout(layout: unknown, op: string): Layout {
  return layout === undefined ? "BHTD" : checkOneOf(layout, ["BHTD", "BTHD"], `${op}: layout`);
}

/** A finite number option, or `fallback` when undefined. */
export function numberOption(value: unknown, fallback: number, name: string): number {
  return value === undefined ? fallback : checkFinite(value, name);
}

/** Batch, heads, length and features of a rank-4 tensor in `layout`. */
export function layoutSizes(
  t: Tensor,
  layout: Layout,
): { B: number; H: number; T: number; D: number } {
  const [B, a, b, D] = t.shape;
  return layout === "BHTD" ? { B, H: a, T: b, D } : { B, H: b, T: a, D };
}

/** `checkSameDeviceAndDtype` with the op's name in front of the message. */
export function sameDeviceAndDtype(op: string, tensors: Record<string, Tensor>): void {
  try {
    checkSameDeviceAndDtype(tensors);
  } catch (e) {
    const E = e instanceof RangeError ? RangeError : TypeError;
    throw new E(`${op}: ${(e as Error).message}`);
  }
}

/** A feature size in [1, maxD]. */
export function checkFeatures(
  d: number,
  maxD: number,
  name: string,
  shape: readonly number[],
): void {
  if (d < 1 || d > maxD) {
    const range = maxD === Infinity ? "≥ 1" : `in [1, ${maxD}]`;
    throw new RangeError(`${name} must be ${range}, got ${d} (shape [${shape.join(", ")}])`);
  }
}

/**
 * Checks the query-like tensors (`[B, H, L_q, d_k]`: q, and qRope for decoupled attention),
 * the key-like ones (`[B, H, L_k, d_k]`: k, kRope) and `v` (`[B, H, L_k, d_v]`), or
 * `[B, L, H, D]` for `BTHD`, with 1 ≤ d_k, d_v ≤ `maxD`; returns the sizes. The first query
 * and key tensors are the ones the others are compared with.
 */
export function checkAttention(
  op: string,
  queries: Record<string, unknown>,
  keys: Record<string, unknown>,
  v: unknown,
  layout: Layout,
  maxD: number,
): AttentionShape {
  const all: Record<string, Tensor> = {};
  const form = layout === "BHTD" ? "[B, H, T, D]" : "[B, T, H, D]";
  for (const [name, t] of [...Object.entries(queries), ...Object.entries(keys), ["v", v]]) {
    all[name as string] = checkTensor(t, `${op}: ${name}`);
    checkRank(all[name as string], 4, `${op}: ${name}`, form);
  }
  sameDeviceAndDtype(op, all);
  const sizes = (name: string) => layoutSizes(all[name], layout);
  const [qName] = Object.keys(queries), [kName] = Object.keys(keys);
  const q = sizes(qName), k = sizes(kName), vs = sizes("v");
  const mismatch = (name: string, what: string) =>
    new RangeError(`${op}: ${name} has shape [${all[name].shape.join(", ")}]: ${what} (${layout})`);
  for (const name of Object.keys(all)) {
    const s = sizes(name);
    if (s.B !== q.B || s.H !== q.H) {
      throw mismatch(name, `batch × heads must match ${qName}'s ${q.B}×${q.H}`);
    }
    if (name !== "v" && s.D !== q.D) throw mismatch(name, `d_k must match ${qName}'s ${q.D}`);
    if (name in queries && s.T !== q.T) {
      throw mismatch(name, `the query length must match ${qName}'s ${q.T}`);
    }
    if (!(name in queries) && s.T !== k.T) {
      throw mismatch(name, `the key lengths of ${name} and ${kName} must match (${s.T} vs ${k.T})`);
    }
  }
  if (q.B < 1 || q.H < 1) {
    throw new RangeError(`${op}: ${qName} needs B, H ≥ 1, got [${all[qName].shape.join(", ")}]`);
  }
  if (q.T < 1) throw new RangeError(`${op}: ${qName} needs T ≥ 1 (got a query length of 0)`);
  if (k.T < 1) throw new RangeError(`${op}: ${kName} needs T ≥ 1 (got a key length of 0)`);
  checkFeatures(q.D, maxD, `${op}: d_k of ${qName}`, all[qName].shape);
  checkFeatures(vs.D, maxD, `${op}: d_v of v`, all.v.shape);
  return { B: q.B, H: q.H, lq: q.T, lk: k.T, dk: q.D, dv: vs.D, layout };
}

/** Checks the upstream gradient `g` (argument `name`) of a pullback against the output. */
export function checkCotangent(op: string, name: string, g: unknown, like: Tensor): Tensor {
  const t = checkTensor(g, `${op} pullback: ${name}`);
  sameDeviceAndDtype(`${op} pullback`, { output: like, [name]: t });
  if (t.shape.length !== like.shape.length || t.shape.some((d, i) => d !== like.shape[i])) {
    throw new RangeError(
      `${op} pullback: ${name} has shape [${t.shape.join(", ")}], expected ` +
        `[${like.shape.join(", ")}]`,
    );
  }
  return t;
}

/**
 * Throws a `TypeError` unless a pullback may run: its vjp was not disposed, and no tensor the
 * backward reads was destroyed after the forward.
 */
export function checkLive(
  op: string,
  disposed: boolean,
  tensors: Record<string, Tensor | undefined>,
): void {
  if (disposed) throw new TypeError(`${op} pullback: called after dispose()`);
  for (const [name, t] of Object.entries(tensors)) {
    if (t?.destroyed) {
      throw new TypeError(`${op} pullback: ${name} was destroyed, but the backward reads it`);
    }
  }
}
