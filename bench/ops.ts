/**
 * The ops the bench and the profiler time: one table entry per op. Each entry creates its
 * inputs once and returns closures that record one forward, or one forward + backward, and
 * free everything they made (so that thousands of launches can be queued per await).
 *
 * FLOP counts are the useful work (what the math needs), not what a kernel executes:
 * - linear attention (fused and naive): fwd 4·B·H·T·D², fwd+bwd 12·B·H·T·D² (bench/NOTES.md);
 * - SDPA: fwd 4·B·H·T²·D (QKᵀ and PV), fwd+bwd 14·B·H·T²·D: the backward counted as 2.5× the
 *   forward (dV, dP, dQ, dK plus the recomputed QKᵀ: FlashAttention-2's convention). Our
 *   backward executes 18·B·H·T²·D in all (it recomputes QKᵀ and dP in both passes).
 * - decoupled linear attention (fused and naive) is counted like linear attention (the
 *   denominator's q·mean(k) is O(T·D), negligible beside the D² terms);
 * - varlen (`varlen_la`): B sequences of T tokens each, packed `[B·T, H, D]`: the same counts
 *   as linear attention on `[B, H, T, D]` (`padded_la`, the same op as `linear_attention`,
 *   under the name of the varlen comparison).
 * Bytes: each input read once and each output written once: fwd q, k, v, o (4·B·H·T·D
 * elements); fwd+bwd adds q, k, v, o, dO read and dq, dk, dv written (12·B·H·T·D). With n
 * inputs of that size (5 for decoupled): fwd n + 1, fwd+bwd 3n + 3 tensors.
 * @module
 */
import { type DType, flush, type Tensor, type Vjp } from "../ops/_runtime/mod.ts";
import { featureTensor } from "./inputs.ts";
import {
  decoupledLinearAttention,
  linearAttention,
  naiveDecoupledLinearAttention,
  naiveLinearAttention,
  varlenLinearAttention,
} from "../ops/linear_attention/mod.ts";
import { scaledDotProductAttention } from "../ops/sdpa/mod.ts";
import { piecewiseSparseAttention } from "../ops/piecewise_attention/mod.ts";

/** Problem size (q, k, v all `[B, H, T, D]` or `[B, T, H, D]`). */
export interface Shape {
  B: number;
  H: number;
  T: number;
  D: number;
}

/** Memory layout of the inputs. */
export type Layout = "BHTD" | "BTHD";

/** Recorders of one op at one shape; disposing frees the tensors its setup made. */
export interface Runner extends Disposable {
  /** Records one forward (output freed after submit). */
  fwd(): void;
  /** Records one forward + backward (everything freed after submit). */
  fwdBwd(): void;
}

/** One timed op. */
export interface BenchOp {
  /** CLI name (`--ops`). */
  name: string;
  /** Column prefix in the bench table (`<column>_fwd`, `<column>_bwd`). */
  column: string;
  /** Useful FLOPs of one call. */
  flops(s: Shape, withBackward: boolean): number;
  /** Inputs of `[B, H, T, D]` size (for the byte count); default 3 (q, k, v). */
  inputs?: number;
  /** The recorders of this op on `inputs`. */
  setup(inputs: Inputs): Runner;
}

type QkvVjp = (q: Tensor, k: Tensor, v: Tensor, o: { layout: Layout }) => Vjp<
  Tensor,
  Tensor,
  { dq: Tensor; dk: Tensor; dv: Tensor }
>;

/** The inputs every op is timed on: q, k, v and an upstream gradient dO. */
export interface Inputs extends Disposable {
  q: Tensor;
  k: Tensor;
  v: Tensor;
  dO: Tensor;
  layout: Layout;
}

/**
 * Creates positive random inputs of shape `s` (q, k like elu+1 features; seeds 1–4), made on
 * the GPU by `featureTensor` (bench/inputs.ts).
 */
export function makeInputs(device: GPUDevice, s: Shape, dtype: DType, layout: Layout): Inputs {
  const shape = layout === "BHTD" ? [s.B, s.H, s.T, s.D] : [s.B, s.T, s.H, s.D];
  const [q, k, v, dO] = [1, 2, 3, 4].map((seed) => featureTensor(device, shape, dtype, seed));
  return {
    q,
    k,
    v,
    dO,
    layout,
    [Symbol.dispose]() {
      for (const t of [q, k, v, dO]) t.destroy();
      flush(device);
    },
  };
}

/** Recorders for an op taking `(q, k, v, { layout })` with a `.vjp` of the same signature. */
function qkvRunner(vjp: QkvVjp) {
  return ({ q, k, v, dO, layout }: Inputs): Runner => ({
    fwd() {
      using run = vjp(q, k, v, { layout });
      run.output.destroy();
    },
    fwdBwd() {
      using run = vjp(q, k, v, { layout });
      const g = run.pullback(dO);
      for (const t of [run.output, g.dq, g.dk, g.dv]) t.destroy();
    },
    [Symbol.dispose]() {},
  });
}

type DecoupledVjp = (
  q: Tensor,
  k: Tensor,
  qRope: Tensor,
  kRope: Tensor,
  v: Tensor,
  o: { layout: Layout },
) => Vjp<Tensor, Tensor, Record<"dq" | "dk" | "dqRope" | "dkRope" | "dv", Tensor>>;

/**
 * Recorders for a decoupled op: q, k, v from the inputs plus qRope, kRope made here
 * (independent positive features, like the original's benchmark) and freed on dispose.
 */
function decoupledRunner(vjp: DecoupledVjp) {
  return ({ q, k, v, dO, layout }: Inputs): Runner => {
    const [qRope, kRope] = [5, 6].map((seed) => featureTensor(q.device, q.shape, q.dtype, seed));
    return {
      fwd() {
        using run = vjp(q, k, qRope, kRope, v, { layout });
        run.output.destroy();
      },
      fwdBwd() {
        using run = vjp(q, k, qRope, kRope, v, { layout });
        const g = run.pullback(dO);
        for (const t of [run.output, g.dq, g.dk, g.dqRope, g.dkRope, g.dv]) t.destroy();
      },
      [Symbol.dispose]() {
        qRope.destroy();
        kRope.destroy();
      },
    };
  };
}

/**
 * Recorders of `varlenLinearAttention` on B equal sequences of T tokens: the inputs' values
 * packed as `[B·T, H, D]` (made here, whatever the inputs' layout; freed on dispose) with
 * cuSeqlens = [0, T, 2T, …, B·T].
 */
function varlenRunner({ q, layout }: Inputs): Runner {
  const [B, a, b, D] = q.shape;
  const [H, T] = layout === "BHTD" ? [a, b] : [b, a];
  const packed = [1, 2, 3, 4].map((seed) => featureTensor(q.device, [B * T, H, D], q.dtype, seed));
  const [pq, pk, pv, pdO] = packed;
  const cu = Int32Array.from({ length: B + 1 }, (_, i) => i * T);
  return {
    fwd() {
      using run = varlenLinearAttention.vjp(pq, pk, pv, cu);
      run.output.destroy();
    },
    fwdBwd() {
      using run = varlenLinearAttention.vjp(pq, pk, pv, cu);
      const g = run.pullback(pdO);
      for (const t of [run.output, g.dq, g.dk, g.dv]) t.destroy();
    },
    [Symbol.dispose]() {
      for (const t of packed) t.destroy();
    },
  };
}

const laFlops = (s: Shape, bwd: boolean) => (bwd ? 12 : 4) * s.B * s.H * s.T * s.D * s.D;

/** The ops of the headline table (the original's README): the default of bench and profile. */
export const TABLE_OPS: readonly string[] = ["naive_linear_attention", "linear_attention", "sdpa"];

/** Every op the tools know; adding one is one entry. */
export const BENCH_OPS: readonly BenchOp[] = [
  {
    name: "naive_linear_attention",
    column: "naive_la",
    flops: laFlops,
    setup: qkvRunner(naiveLinearAttention.vjp),
  },
  {
    name: "linear_attention",
    column: "flash_bla",
    flops: laFlops,
    setup: qkvRunner(linearAttention.vjp),
  },
  {
    name: "linear_attention_f16p",
    column: "flash_bla_f16p",
    flops: laFlops,
    setup: qkvRunner((q, k, v, o) => linearAttention.vjp(q, k, v, { ...o, precision: "f16" })),
  },
  {
    name: "sdpa",
    column: "sdpa",
    flops: (s, bwd) => (bwd ? 14 : 4) * s.B * s.H * s.T * s.T * s.D,
    setup: qkvRunner(scaledDotProductAttention.vjp),
  },
  {
    name: "naive_decoupled_la",
    column: "naive_dla",
    flops: laFlops,
    inputs: 5,
    setup: decoupledRunner(naiveDecoupledLinearAttention.vjp),
  },
  {
    name: "decoupled_la",
    column: "flash_dla",
    flops: laFlops,
    inputs: 5,
    setup: decoupledRunner(decoupledLinearAttention.vjp),
  },
  {
    name: "padded_la",
    column: "flash_padded",
    flops: laFlops,
    setup: qkvRunner(linearAttention.vjp),
  },
  {
    name: "varlen_la",
    column: "varlen",
    flops: laFlops,
    setup: varlenRunner,
  },
  ...[0.1, 0.3].map((density): BenchOp => ({
    name: density === 0.1 ? "piecewise_sparse_attention" : `piecewise_sparse_attention_${density}`,
    column: `pisa_${density}`,
    flops: (s, bwd) => pisaFlops(s, density, bwd),
    setup: qkvRunner((q, k, v, o) => piecewiseSparseAttention.vjp(q, k, v, { ...o, density })),
  })),
];

/**
 * PISA (blockSize 64) counted like SDPA over the keys each query sees: top_k·64 exact keys
 * plus NT − top_k chunk pseudo-keys (fwd 4·B·H·T·keys·D, fwd+bwd 14·B·H·T·keys·D).
 */
function pisaFlops(s: Shape, density: number, bwd: boolean): number {
  const nt = Math.ceil(s.T / 64), topK = Math.max(1, Math.trunc(density * nt));
  return (bwd ? 14 : 4) * s.B * s.H * s.T * (topK * 64 + nt - topK) * s.D;
}

/**
 * Bytes of one call with `inputs` tensors of `[B, H, T, D]` size: inputs read once, outputs
 * written once (see the module doc).
 */
export function bytesOf(s: Shape, dtype: DType, withBackward: boolean, inputs = 3): number {
  const tensors = withBackward ? 3 * inputs + 3 : inputs + 1;
  return tensors * s.B * s.H * s.T * s.D * (dtype === "f16" ? 2 : 4);
}
