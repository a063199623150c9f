/**
 * Layout blocks (docs/math.md §0.1): head split/merge (`[B, N, heads·hd]` ↔ `[B, heads, N, hd]`,
 * channel `g·hd + d`), feature split/chunk and concat. Each is a strided copy; the gradient of
 * each is the inverse copy.
 * @module
 */
import type { Vjp } from "../_runtime/autodiff.ts";
import { Tensor } from "../_runtime/tensor.ts";
import { checkInt, checkTensors, emptyInBinding, fmtShape, makeVjp } from "./_common.ts";
import { contiguous, stridedCopy } from "./_copy.ts";

function checkRank3(x: Tensor, name: string, layout: string): void {
  if (x.shape.length !== 3) {
    throw new RangeError(`${name} must have rank 3 (${layout}), got shape ${fmtShape(x.shape)}`);
  }
}

/**
 * Splits heads: `x` `[B, N, heads·hd]` → `[B, heads, N, hd]`, output channel `g·hd + d` of the
 * input going to head g, feature d.
 *
 * @example
 * ```ts
 * import { nn, Tensor } from "@flash-bla/flash-bla";
 * const { splitHeads } = nn;
 * using x = await Tensor.fromArray([0, 1, 2, 3, 4, 5, 6, 7], [1, 2, 4]);
 * using h = splitHeads(x, 2); // [1, 2, 2, 2]: [[0, 1], [4, 5]], [[2, 3], [6, 7]]
 * console.log(h.shape, await h.read());
 * ```
 */
export function splitHeads(x: Tensor, heads: number): Tensor {
  checkTensors({ x });
  checkRank3(x, "x", "[B, N, C]");
  checkInt(heads, 1, "heads");
  const [B, N, C] = x.shape;
  if (C % heads !== 0) {
    throw new RangeError(`heads (${heads}) must divide the channels of x ${fmtShape(x.shape)}`);
  }
  const hd = C / heads;
  const out = Tensor.empty(x.device, [B, heads, N, hd], x.dtype);
  stridedCopy(out.shape, { tensor: x, offset: 0, strides: [N * C, hd, C, 1] }, {
    tensor: out,
    offset: 0,
    strides: contiguous(out.shape),
  });
  return out;
}

/**
 * Forward plus pullback of {@linkcode splitHeads}; `dx = mergeHeads(dy)`. Keeps nothing.
 *
 * @example
 * ```ts
 * import { nn, Tensor } from "@flash-bla/flash-bla";
 * const { splitHeads } = nn;
 * using x = await Tensor.fromArray([0, 1, 2, 3], [1, 1, 4]);
 * using v = splitHeads.vjp(x, 2);
 * const { dx } = v.pullback(v.output); // dx equals x
 * console.log(await dx.read());
 * ```
 */
splitHeads.vjp = (x: Tensor, heads: number): Vjp<Tensor, Tensor, { dx: Tensor }> =>
  makeVjp(splitHeads(x, heads), (dy) => ({ dx: mergeHeads(dy) }));

/**
 * Merges heads: `x` `[B, heads, N, hd]` → `[B, N, heads·hd]` (channel `g·hd + d`).
 *
 * @example
 * ```ts
 * import { nn, Tensor } from "@flash-bla/flash-bla";
 * const { mergeHeads } = nn;
 * using x = await Tensor.fromArray([0, 1, 4, 5, 2, 3, 6, 7], [1, 2, 2, 2]);
 * using y = mergeHeads(x); // [1, 2, 4]: [0..7]
 * console.log(y.shape, await y.read());
 * ```
 */
export function mergeHeads(x: Tensor): Tensor {
  checkTensors({ x });
  if (x.shape.length !== 4) {
    throw new RangeError(`x must have rank 4 ([B, heads, N, hd]), got shape ${fmtShape(x.shape)}`);
  }
  const [B, heads, N, hd] = x.shape;
  const C = heads * hd;
  const out = Tensor.empty(x.device, [B, N, C], x.dtype);
  stridedCopy(x.shape, { tensor: x, offset: 0, strides: contiguous(x.shape) }, {
    tensor: out,
    offset: 0,
    strides: [N * C, hd, C, 1],
  });
  return out;
}

/**
 * Forward plus pullback of {@linkcode mergeHeads}; `dx = splitHeads(dy, heads)`. Keeps nothing.
 *
 * @example
 * ```ts
 * import { nn, Tensor } from "@flash-bla/flash-bla";
 * const { mergeHeads } = nn;
 * using x = await Tensor.fromArray([0, 1, 2, 3], [1, 2, 1, 2]);
 * using v = mergeHeads.vjp(x);
 * const { dx } = v.pullback(v.output); // dx equals x
 * console.log(await dx.read());
 * ```
 */
mergeHeads.vjp = (x: Tensor): Vjp<Tensor, Tensor, { dx: Tensor }> =>
  makeVjp(mergeHeads(x), (dy) => ({ dx: splitHeads(dy, x.shape[1]) }));

// Copies x[..., start : start + size] of every row into part (or back when `gather` is false).
function copyColumns(whole: Tensor, part: Tensor, start: number, toPart: boolean): void {
  const m = whole.shape[whole.shape.length - 1];
  const size = part.shape[part.shape.length - 1];
  const rows = whole.size / m;
  const wholeView = { tensor: whole, offset: start, strides: [m, 1] };
  const partView = { tensor: part, offset: 0, strides: [size, 1] };
  if (toPart) stridedCopy([rows, size], wholeView, partView);
  else stridedCopy([rows, size], partView, wholeView);
}

function checkSizes(sizes: readonly number[], m: number, x: Tensor): void {
  if (!Array.isArray(sizes) || sizes.length === 0) {
    throw new TypeError(`sizes must be a non-empty array, got ${String(sizes)}`);
  }
  sizes.forEach((s, i) => checkInt(s, 1, `sizes[${i}]`));
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total !== m) {
    throw new RangeError(
      `sizes [${sizes.join(", ")}] sum to ${total}, but x ${fmtShape(x.shape)} has ${m} features`,
    );
  }
}

/**
 * Splits the last axis: `x` `[..., m]` → `[..., sizes[0]]`, `[..., sizes[1]]`, … (sizes sum to
 * m), e.g. a fused projection `[B, N, 2C]` into `q` and `k`.
 *
 * @example
 * ```ts
 * import { nn, Tensor } from "@flash-bla/flash-bla";
 * const { splitFeatures } = nn;
 * using x = await Tensor.fromArray([0, 1, 2, 3, 4, 5], [2, 3]);
 * const [a, b] = splitFeatures(x, [2, 1]); // [[0, 1], [3, 4]] and [[2], [5]]
 * console.log(await a.read(), await b.read());
 * ```
 */
export function splitFeatures(x: Tensor, sizes: readonly number[]): Tensor[] {
  checkTensors({ x });
  const m = x.shape[x.shape.length - 1];
  checkSizes(sizes, m, x);
  let start = 0;
  return sizes.map((size) => {
    const part = Tensor.empty(x.device, [...x.shape.slice(0, -1), size], x.dtype);
    copyColumns(x, part, start, true);
    start += size;
    return part;
  });
}

/**
 * Forward plus pullback of {@linkcode splitFeatures}: `pullback(dys)` takes one gradient per
 * part and returns `{ dx }` (their concatenation). Keeps nothing.
 *
 * @example
 * ```ts
 * import { nn, Tensor } from "@flash-bla/flash-bla";
 * const { splitFeatures } = nn;
 * using x = await Tensor.fromArray([0, 1, 2, 3], [1, 4]);
 * using v = splitFeatures.vjp(x, [3, 1]);
 * const { dx } = v.pullback(v.output); // dx equals x
 * console.log(await dx.read());
 * ```
 */
splitFeatures.vjp = (
  x: Tensor,
  sizes: readonly number[],
): Vjp<Tensor[], Tensor[], { dx: Tensor }> => {
  const output = splitFeatures(x, sizes);
  const dispose = () => {};
  return {
    output,
    pullback(dys: Tensor[]) {
      if (!Array.isArray(dys) || dys.length !== output.length) {
        throw new TypeError(`dys must be an array of ${output.length} tensors`);
      }
      dys.forEach((dy, i) => {
        if (dy?.shape?.join() !== output[i].shape.join()) {
          throw new RangeError(`dys[${i}] must have shape ${fmtShape(output[i].shape)}`);
        }
      });
      return { dx: concatFeatures(dys) };
    },
    dispose,
    [Symbol.dispose]: dispose,
  };
};

/**
 * `torch.chunk(x, chunks, -1)`: parts of ⌈m/chunks⌉ features, the last one shorter (for 2
 * chunks: ⌈m/2⌉ and m − ⌈m/2⌉; docs/math.md §0.2). Returns fewer parts when m is small, as torch does.
 *
 * @example
 * ```ts
 * import { nn } from "@flash-bla/flash-bla";
 * const { chunkSizes } = nn;
 * console.log(chunkSizes(5, 2)); // [3, 2]
 * ```
 */
export function chunkSizes(m: number, chunks: number): number[] {
  checkInt(m, 1, "m");
  checkInt(chunks, 1, "chunks");
  const size = Math.ceil(m / chunks);
  const sizes: number[] = [];
  for (let start = 0; start < m; start += size) sizes.push(Math.min(size, m - start));
  return sizes;
}

/**
 * Concatenates along the last axis: `[..., m_0]`, `[..., m_1]`, … → `[..., Σ m_i]` (leading
 * dims equal).
 *
 * @example
 * ```ts
 * import { nn, Tensor } from "@flash-bla/flash-bla";
 * const { concatFeatures } = nn;
 * using a = await Tensor.fromArray([0, 1, 3, 4], [2, 2]);
 * using b = await Tensor.fromArray([2, 5], [2, 1]);
 * using y = concatFeatures([a, b]); // [[0, 1, 2], [3, 4, 5]]
 * console.log(await y.read());
 * ```
 */
export function concatFeatures(xs: readonly Tensor[]): Tensor {
  if (!Array.isArray(xs) || xs.length === 0) {
    throw new TypeError(`xs must be a non-empty array of tensors, got ${String(xs)}`);
  }
  const [first] = checkTensors(Object.fromEntries(xs.map((x, i) => [`xs[${i}]`, x])));
  const lead = first.shape.slice(0, -1).join();
  xs.forEach((x, i) => {
    if (x.shape.slice(0, -1).join() !== lead) {
      throw new RangeError(
        `xs[${i}] ${fmtShape(x.shape)} must match xs[0] ${
          fmtShape(first.shape)
        } except in the last axis`,
      );
    }
  });
  const m = xs.reduce((a, x) => a + x.shape[x.shape.length - 1], 0);
  const shape = [...first.shape.slice(0, -1), m];
  const out = emptyInBinding(first.device, shape, first.dtype, "concatFeatures: the output");
  let start = 0;
  for (const x of xs) {
    copyColumns(out, x, start, false);
    start += x.shape[x.shape.length - 1];
  }
  return out;
}

/**
 * Forward plus pullback of {@linkcode concatFeatures}; `pullback(dy)` returns `{ dxs }`, one
 * gradient per input. Keeps nothing.
 *
 * @example
 * ```ts
 * import { nn, Tensor } from "@flash-bla/flash-bla";
 * const { concatFeatures } = nn;
 * using a = await Tensor.fromArray([0, 1], [1, 2]);
 * using b = await Tensor.fromArray([2], [1, 1]);
 * using v = concatFeatures.vjp([a, b]);
 * const { dxs } = v.pullback(v.output); // [a, b]
 * console.log(await dxs[0].read(), await dxs[1].read());
 * ```
 */
concatFeatures.vjp = (xs: readonly Tensor[]): Vjp<Tensor, Tensor, { dxs: Tensor[] }> => {
  const sizes = xs.map((x) => x.shape[x.shape.length - 1]);
  return makeVjp(concatFeatures(xs), (dy) => ({ dxs: splitFeatures(dy, sizes) }));
};
