/**
 * Elementwise ops with NumPy-style broadcasting (`add`, `sub`, `mul`, `div`), scalar ops
 * (`scale`, `addScalar`) and strided copies (`transpose`, `broadcastTo`). Math in f32,
 * results stored in the inputs' dtype.
 * @module
 */
import {
  checkFinite,
  checkSameDeviceAndDtype,
  checkTensor,
  type Kernel,
  launch,
  Tensor,
  type Vjp,
} from "../_runtime/mod.ts";
import {
  type BinaryOp,
  ELEMENTWISE_RANK,
  ELEMENTWISE_THREADS,
  elementwiseParams,
  elementwiseWgsl,
  isBinary,
  type UnaryOp,
} from "../../shaders/elementwise.ts";
import { broadcastShapes, broadcastStrides, checkFitsBinding } from "./_shapes.ts";
import { sum } from "./reduce.ts";

/** Records `y[i] = op(a[stridesA·i], b[stridesB·i])` over `outShape`. */
function run(
  op: BinaryOp | UnaryOp,
  inputs: readonly Tensor[],
  strides: readonly (readonly number[])[],
  outShape: readonly number[],
  alpha = 1,
  beta = 0,
): Tensor {
  const first = inputs[0];
  if (outShape.length > ELEMENTWISE_RANK) {
    throw new RangeError(
      `elementwise ops handle rank ≤ ${ELEMENTWISE_RANK}, got shape [${outShape.join(", ")}]`,
    );
  }
  inputs.forEach((t, i) => checkFitsBinding(t, i ? "b" : "a"));
  const y = Tensor.empty(first.device, outShape, first.dtype);
  checkFitsBinding(y, "output");
  const pad = ELEMENTWISE_RANK - outShape.length;
  const values: Record<string, number> = {
    count: y.size,
    off_a: 0,
    off_b: 0,
    off_out: 0,
    alpha,
    beta,
  };
  for (let d = 0; d < ELEMENTWISE_RANK; d++) {
    values[`dim${d}`] = d < pad ? 1 : outShape[d - pad];
    values[`stride_a${d}`] = d < pad ? 0 : strides[0][d - pad];
    values[`stride_b${d}`] = d < pad || !strides[1] ? 0 : strides[1][d - pad];
  }
  const kernel: Kernel = {
    name: "elementwise",
    constants: { dtype: first.dtype, op },
    bindings: isBinary(op) ? ["read", "read", "read_write"] : ["read", "read_write"],
    wgsl: () => elementwiseWgsl({ dtype: first.dtype, op }),
  };
  launch(first.device, kernel, {
    storage: [...inputs, y],
    uniforms: elementwiseParams.pack(values),
    groups: Math.ceil(y.size / ELEMENTWISE_THREADS),
  });
  return y;
}

function binary(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  checkTensor(a, "a");
  checkTensor(b, "b");
  checkSameDeviceAndDtype({ a, b });
  const shape = broadcastShapes(a.shape, b.shape, ["a", "b"]);
  return run(
    op,
    [a, b],
    [broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape)],
    shape,
  );
}

/**
 * Sums `g` down to `shape` (the shape of an input that was broadcast to `g`'s shape): the
 * gradient of a broadcast.
 */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  const lead = g.shape.length - shape.length;
  const padded = [...Array<number>(lead).fill(1), ...shape];
  let t = g;
  let d = 0;
  while (d < padded.length) {
    if (padded[d] === 1 && t.shape[d] !== 1) {
      let e = d;
      while (e + 1 < padded.length && padded[e + 1] === 1 && t.shape[e + 1] !== 1) e++;
      const next = sum(t, { axis: [d, e] });
      if (t !== g) t.destroy();
      t = next;
      d = e + 1;
    } else d++;
  }
  if (t.shape.length === shape.length) return t === g ? broadcastTo(g, shape, shape) : t;
  const out = broadcastTo(t, shape, shape);
  if (t !== g) t.destroy();
  return out;
}

/** Gradients of `a ∘ b` for the binary op `op`. */
function binaryVjp(
  op: BinaryOp,
  a: Tensor,
  b: Tensor,
): Vjp<Tensor, Tensor, { da: Tensor; db: Tensor }> {
  const output = binary(op, a, b);
  return {
    output,
    pullback(dy: Tensor) {
      checkTensor(dy, "dy");
      broadcastShapes(dy.shape, output.shape, ["dy", "output"]);
      const reduceTo = (g: Tensor, shape: readonly number[]) => {
        const r = sumToShape(g, shape);
        g.destroy();
        return r;
      };
      switch (op) {
        case "add":
          return { da: sumToShape(dy, a.shape), db: sumToShape(dy, b.shape) };
        case "sub":
          return { da: sumToShape(dy, a.shape), db: reduceTo(scale(dy, -1), b.shape) };
        case "mul":
          return { da: reduceTo(mul(dy, b), a.shape), db: reduceTo(mul(dy, a), b.shape) };
        case "div": {
          // d(a/b)/db = −a/b² = −output/b.
          const da = reduceTo(div(dy, b), a.shape);
          const t = mul(dy, output);
          const u = div(t, b);
          t.destroy();
          const db = reduceTo(scale(u, -1), b.shape);
          u.destroy();
          return { da, db };
        }
      }
    },
    dispose() {},
    [Symbol.dispose]() {},
  };
}

type BinaryFn = ((a: Tensor, b: Tensor) => Tensor) & {
  /** `{ output, pullback(dy) → { da, db } }`; gradients are summed over broadcast axes. */
  vjp(a: Tensor, b: Tensor): Vjp<Tensor, Tensor, { da: Tensor; db: Tensor }>;
};

function binaryFn(op: BinaryOp): BinaryFn {
  return Object.assign((a: Tensor, b: Tensor) => binary(op, a, b), {
    vjp: (a: Tensor, b: Tensor) => binaryVjp(op, a, b),
  });
}

/**
 * `a + b` with NumPy broadcasting; same dtype and device.
 *
 * @param a any shape (rank ≤ 6)
 * @param b a shape that broadcasts with `a`
 * @returns the broadcast shape
 * @example
 * ```ts
 * import { Tensor } from "../../mod.ts";
 * import { add } from "./elementwise.ts";
 * using a = await Tensor.fromArray([1, 2, 3, 4], [2, 2]);
 * using b = await Tensor.fromArray([10, 20], [2]);
 * using c = add(a, b); // [[11, 22], [13, 24]]
 * const { output, pullback } = add.vjp(a, b); // pullback(dc) → { da, db }
 * ```
 */
export const add: BinaryFn = binaryFn("add");
/** `a − b` with NumPy broadcasting; see {@linkcode add} for shapes and an example. */
export const sub: BinaryFn = binaryFn("sub");
/** `a · b` (elementwise) with NumPy broadcasting; see {@linkcode add} for shapes. */
export const mul: BinaryFn = binaryFn("mul");
/** `a / b` with NumPy broadcasting; see {@linkcode add} for shapes. */
export const div: BinaryFn = binaryFn("div");

function affine(x: Tensor, alpha: number, beta: number): Tensor {
  checkTensor(x, "x");
  return run("affine", [x], [broadcastStrides(x.shape, x.shape)], x.shape, alpha, beta);
}

/**
 * `factor · x`.
 *
 * @param x any shape (rank ≤ 6)
 * @param factor a finite number
 * @example
 * ```ts
 * import { Tensor } from "../../mod.ts";
 * import { scale } from "./elementwise.ts";
 * using x = await Tensor.fromArray([1, 2], [2]);
 * using y = scale(x, 0.5); // [0.5, 1]
 * ```
 */
export function scale(x: Tensor, factor: number): Tensor {
  return affine(x, checkFinite(factor, "factor"), 0);
}

/** Differentiable {@linkcode scale}: `pullback(dy) → { dx: factor · dy }`. */
scale.vjp = (x: Tensor, factor: number): Vjp<Tensor, Tensor, { dx: Tensor }> => ({
  output: scale(x, factor),
  pullback: (dy: Tensor) => ({ dx: scale(dy, factor) }),
  dispose() {},
  [Symbol.dispose]() {},
});

/**
 * `x + value`.
 *
 * @param x any shape (rank ≤ 6)
 * @param value a finite number
 * @example
 * ```ts
 * import { Tensor } from "../../mod.ts";
 * import { addScalar } from "./elementwise.ts";
 * using x = await Tensor.fromArray([1, 2], [2]);
 * using y = addScalar(x, 1e-6);
 * ```
 */
export function addScalar(x: Tensor, value: number): Tensor {
  return affine(x, 1, checkFinite(value, "value"));
}

/** Differentiable {@linkcode addScalar}: `pullback(dy) → { dx: dy }` (a copy). */
addScalar.vjp = (x: Tensor, value: number): Vjp<Tensor, Tensor, { dx: Tensor }> => ({
  output: addScalar(x, value),
  pullback: (dy: Tensor) => ({ dx: scale(dy, 1) }),
  dispose() {},
  [Symbol.dispose]() {},
});

/**
 * Permutes the axes of `x` (a copy): output axis i is input axis `perm[i]`.
 *
 * @param x any shape (rank ≤ 6)
 * @param perm a permutation of `0..rank-1`
 * @example
 * ```ts
 * import { Tensor } from "../../mod.ts";
 * import { transpose } from "./elementwise.ts";
 * using x = await Tensor.fromArray(new Float32Array(24), [2, 3, 4]);
 * using y = transpose(x, [0, 2, 1]); // [2, 4, 3]
 * ```
 */
export function transpose(x: Tensor, perm: readonly number[]): Tensor {
  checkTensor(x, "x");
  const rank = x.shape.length;
  const sorted = [...perm].sort((p, q) => p - q);
  if (perm.length !== rank || sorted.some((p, i) => p !== i)) {
    throw new RangeError(`perm must be a permutation of 0..${rank - 1}, got [${perm.join(", ")}]`);
  }
  const own = broadcastStrides(x.shape, x.shape);
  return run("affine", [x], [perm.map((p) => own[p])], perm.map((p) => x.shape[p]), 1, 0);
}

/** Differentiable {@linkcode transpose}: the pullback applies the inverse permutation. */
transpose.vjp = (x: Tensor, perm: readonly number[]): Vjp<Tensor, Tensor, { dx: Tensor }> => {
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return {
    output: transpose(x, perm),
    pullback: (dy: Tensor) => ({ dx: transpose(dy, inverse) }),
    dispose() {},
    [Symbol.dispose]() {},
  };
};

/**
 * Copies `x`, read as `viewShape` (same element count), broadcast to `outShape` and times
 * `factor`. With `viewShape = outShape` this is a reshape (a copy).
 *
 * @param x any tensor with as many elements as `viewShape`
 * @param viewShape the shape `x` is read as
 * @param outShape a shape that `viewShape` broadcasts to (rank ≤ 6)
 * @param factor multiplies every element (default 1)
 * @example
 * ```ts
 * import { Tensor } from "../../mod.ts";
 * import { broadcastTo } from "./elementwise.ts";
 * using x = await Tensor.fromArray([1, 2], [2]);
 * using y = broadcastTo(x, [2, 1], [2, 3]); // [[1, 1, 1], [2, 2, 2]]
 * ```
 */
export function broadcastTo(
  x: Tensor,
  viewShape: readonly number[],
  outShape: readonly number[],
  factor = 1,
): Tensor {
  checkTensor(x, "x");
  const n = viewShape.reduce((p, d) => p * d, 1);
  if (n !== x.size) {
    throw new RangeError(`viewShape [${viewShape.join(", ")}] does not hold ${x} (${x.size})`);
  }
  const shape = broadcastShapes(viewShape, outShape, ["viewShape", "outShape"]);
  if (shape.join() !== outShape.join()) {
    throw new RangeError(`viewShape [${viewShape}] does not broadcast to [${outShape}]`);
  }
  return run("affine", [x], [broadcastStrides(viewShape, outShape)], outShape, factor, 0);
}
