/**
 * Shared helpers of the PISA tests: inputs with well-separated block scores, the GPU's block
 * selection, layout transposes and GPU-vs-reference runs with the selection held equal.
 */
import { type DType, Tensor } from "../../ops/_runtime/mod.ts";
import { piecewiseSparseAttention } from "../../ops/piecewise_attention/mod.ts";
import { pisaForward } from "../../ops/piecewise_attention/fwd.ts";
import { planPisa } from "../../ops/piecewise_attention/plan.ts";
import {
  piecewiseSparseAttentionBackwardReference,
  piecewiseSparseAttentionReference,
  piecewiseSparseAttentionSelectionReference,
  type PisaDims,
} from "../../ops/piecewise_attention/reference.ts";
import { randn, roundToF16 } from "../_helpers.ts";

/** Options as the op takes them (layout excluded). */
export interface PisaTestOptions {
  density: number;
  blockSize: number;
  useBias?: boolean;
  scale?: number;
}

/**
 * Random q, k, v, dO for `d`, rounded to what `dtype` stores. Each chunk gets its own offset
 * in q and k, so that block scores are well apart (no near-ties between f32 and f64).
 */
export function pisaInputs(d: PisaDims, bt: number, dtype: DType, random: () => number) {
  const round = (x: Float64Array<ArrayBuffer>) =>
    dtype === "f16" ? roundToF16(x) : Float64Array.from(new Float32Array(x));
  const nt = Math.ceil(d.T / bt);
  const offsets = (dim: number) => randn(d.B * d.H * nt * dim, random);
  const withOffsets = (x: Float64Array<ArrayBuffer>, off: Float64Array, dim: number) =>
    x.map((val, e) => {
      const row = Math.floor(e / dim), bh = Math.floor(row / d.T), t = row % d.T;
      return val + 1.5 * off[(bh * nt + Math.floor(t / bt)) * dim + (e % dim)];
    });
  const q = round(withOffsets(randn(d.B * d.H * d.T * d.dk, random), offsets(d.dk), d.dk));
  const k = round(withOffsets(randn(d.B * d.H * d.T * d.dk, random), offsets(d.dk), d.dk));
  const v = round(randn(d.B * d.H * d.T * d.dv, random));
  const dO = round(randn(d.B * d.H * d.T * d.dv, random));
  return { q, k, v, dO };
}

/** `[B, H, T, D]` ↔ `[B, T, H, D]` (the same permutation both ways for these two layouts). */
export function swapHT(x: Float64Array, B: number, A: number, C: number, D: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let b = 0; b < B; b++) {
    for (let a = 0; a < A; a++) {
      for (let c = 0; c < C; c++) {
        for (let f = 0; f < D; f++) {
          out[((b * C + c) * A + a) * D + f] = x[((b * A + a) * C + c) * D + f];
        }
      }
    }
  }
  return out;
}

/** The GPU's block selection `[B·H, NT, topK]` for BHTD tensors q, k, v. */
export async function gpuSelection(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  d: PisaDims,
  o: PisaTestOptions,
): Promise<Int32Array> {
  const plan = planPisa({
    device: q.device,
    dtype: q.dtype,
    layout: "BHTD",
    ...d,
    density: o.density,
    blockSize: o.blockSize,
    scale: o.scale ?? 1 / Math.sqrt(d.dk),
    useBias: o.useBias ?? false,
  });
  const { o: out, saved } = pisaForward(plan, q, k, v, false);
  const raw = await saved.sel.readRaw();
  out.destroy();
  for (const t of Object.values(saved)) t.destroy();
  return new Int32Array(raw.buffer, 0, plan.sizes.sel);
}

/** Relative RMS errors of the GPU forward and backward against the float64 reference. */
export async function compareWithReference(
  device: GPUDevice,
  d: PisaDims,
  o: PisaTestOptions,
  dtype: DType,
  layout: "BHTD" | "BTHD",
  random: () => number,
): Promise<
  { o: number; dq: number; dk: number; dv: number; selection: Int32Array; refSelection: Int32Array }
> {
  const x = pisaInputs(d, o.blockSize, dtype, random);
  const toLayout = (a: Float64Array, D: number) =>
    layout === "BHTD" ? a : swapHT(a, d.B, d.H, d.T, D);
  const fromLayout = (a: ArrayLike<number>, D: number) =>
    layout === "BHTD" ? Float64Array.from(a) : swapHT(Float64Array.from(a), d.B, d.T, d.H, D);
  const shape = (D: number) => layout === "BHTD" ? [d.B, d.H, d.T, D] : [d.B, d.T, d.H, D];
  const up = (a: Float64Array, D: number) =>
    Tensor.fromArraySync(device, toLayout(a, D) as Float64Array<ArrayBuffer>, shape(D), dtype);
  using q = up(x.q, d.dk), k = up(x.k, d.dk), v = up(x.v, d.dv), dO = up(x.dO, d.dv);
  using qh = Tensor.fromArraySync(device, x.q, [d.B, d.H, d.T, d.dk], dtype);
  using kh = Tensor.fromArraySync(device, x.k, [d.B, d.H, d.T, d.dk], dtype);
  using vh = Tensor.fromArraySync(device, x.v, [d.B, d.H, d.T, d.dv], dtype);
  const selection = await gpuSelection(qh, kh, vh, d, o);
  using step = piecewiseSparseAttention.vjp(q, k, v, { ...o, layout });
  using out = step.output;
  const g = step.pullback(dO);
  using dq = g.dq, dk = g.dk, dv = g.dv;
  const refOpts = { ...o, selection };
  const refO = piecewiseSparseAttentionReference(x.q, x.k, x.v, d, refOpts);
  const refG = piecewiseSparseAttentionBackwardReference(x.q, x.k, x.v, x.dO, d, refOpts);
  const err = async (t: Tensor, ref: Float64Array, D: number) => {
    const got = fromLayout(await t.read(), D);
    let num = 0, den = 0;
    for (let i = 0; i < ref.length; i++) {
      if (!Number.isFinite(got[i])) return Infinity;
      num += (got[i] - ref[i]) ** 2;
      den += ref[i] ** 2;
    }
    return den > 0 ? Math.sqrt(num / den) : Math.sqrt(num); // absolute where ref = 0 (T = 1: dq)
  };
  return {
    o: await err(out, refO, d.dv),
    dq: await err(dq, refG.dq, d.dk),
    dk: await err(dk, refG.dk, d.dk),
    dv: await err(dv, refG.dv, d.dv),
    selection,
    refSelection: piecewiseSparseAttentionSelectionReference(x.q, x.k, x.v, d, o),
  };
}
