/**
 * PISA backward launcher, with the block selection held fixed (the original has no backward).
 *
 * Derivation (one (b, h), query t in block i, g = dO_t; docs/math.md §5.4 notation). With
 * den = Σ_E e^{x_j} + G, P_j = e^{x_j}/den, R_n = e^{μ_n}/den, w_t = σG/(T·den):
 *
 *   o_t = Σ_E P_j v_j + Σ_U R_n vc_n + w_t·(q_t h)
 *
 * - exact keys: ∂o/∂x_j = P_j (v_j − o_t), so dx_j = P_j (g·v_j − D_t) with D_t = g·o_t;
 * - chunk n ∉ Sel(i): μ_n enters e^{μ_n} vc_n, G (numerator via w, and den), so
 *   dμ_n = R_n (g·vc_n − len_n D'_t) with D'_t = D_t − σ (q_t·y_t)/T and y_t = h gᵀ;
 * - first-order term with G fixed: dq_t += w_t y_t and dh += w_t q_tᵀ g.
 *
 * Then x_j = σ q_t·k_j and μ_n = σ q_t·kc_n give
 *
 *   dq_t  = σ Σ_E dx_j k_j + σ Σ_U dμ_n kc_n + w_t y_t
 *   dk_j  = σ Σ_{t sees j exactly} dx_tj q_t          dv_j = Σ_{t sees j exactly} P_tj g_t
 *   dkc_n = σ Σ_{t: n ∉ Sel(i(t))} dμ_tn q_t           dvc_n = Σ_{t: n ∉ Sel(i(t))} R_tn g_t
 *   dh    = Σ_t w_t q_tᵀ g_t
 *
 * and through the chunk statistics (kc_n = mean k, vc_n = Σ v, h = Σ_n Σ_j (k_j − kc_n)ᵀ v_j;
 * qc only moves the selection, which is fixed):
 *
 *   dk_j += dkc_n / len_n + (v_j − vc_n/len_n) dhᵀ        dv_j += dvc_n + (k_j − kc_n) dh
 *
 * Kernels: per-row D, D', w·y (rows "dq1"); dh (outer "dh" + group sum); dq (row kernel);
 * the inverted selection ("seen"); exact dk/dv and dkc/dvc (column kernel, two modes); the
 * final sums (rows "dk", "dv").
 * @module
 */
import { type Kernel, launch, Tensor } from "../_runtime/mod.ts";
import {
  PISA_ROWS_PER_GROUP,
  pisaParams,
  type PisaRowsMode,
  pisaRowsStorage,
  pisaRowsWgsl,
} from "../../shaders/piecewise_attention/stats.ts";
import {
  PISA_SEEN_GROUP,
  PISA_SEEN_STORAGE,
  type PisaColMode,
  pisaColStorage,
  pisaColWgsl,
  pisaSeenWgsl,
} from "../../shaders/piecewise_attention/cols.ts";
import { launchRows, outerKernel, type PisaSaved, sumGroups } from "./fwd.ts";
import { type PisaParamName, type PisaPlan, scratch, uniformsOf } from "./plan.ts";

function rowsKernel(plan: PisaPlan, mode: PisaRowsMode): Kernel<PisaParamName> {
  const outGroups = Math.ceil((mode === "dv" ? plan.dv : plan.dk) / 16);
  const c = { dtype: plan.dtype, layout: plan.layout, mode, outGroups };
  return {
    name: "pisa_row_products",
    constants: { ...c },
    storage: pisaRowsStorage(c),
    uniforms: pisaParams,
    wgsl: () => pisaRowsWgsl(c),
  };
}

function colKernel(plan: PisaPlan, mode: PisaColMode): Kernel<PisaParamName> {
  const c = { dtype: plan.dtype, layout: plan.layout, mode, dk: plan.dk, dv: plan.dv };
  const { tiles, subgroup } = plan.tiles.dkdv;
  const variant = { ...c, ...tiles, subgroup };
  return {
    name: "pisa_cols",
    constants: {
      ...variant,
      subgroup: subgroup ?? 0,
      shuffle: !!tiles.shuffle,
      prefetch: !!tiles.prefetch,
    },
    storage: pisaColStorage(variant),
    uniforms: pisaParams,
    wgsl: () => pisaColWgsl(variant),
  };
}

/** Gradients of q, k, v (new tensors in the inputs' dtype and layout). */
export interface PisaGrads {
  /** Same shape as q. */
  dq: Tensor;
  /** Same shape as k. */
  dk: Tensor;
  /** Same shape as v. */
  dv: Tensor;
}

/** Records the PISA backward for upstream gradient `dO` (validated, the output's shape). */
export function pisaBackward(
  plan: PisaPlan,
  q: Tensor,
  k: Tensor,
  v: Tensor,
  dO: Tensor,
  saved: PisaSaved,
): PisaGrads {
  const { device } = plan;
  const nBh = plan.B * plan.H;
  const { chunk, sel, rows } = saved;
  const u = uniformsOf(plan);
  launch(device, rowsKernel(plan, "dq1"), {
    storage: { dO, xs: q, chunk, rows },
    uniforms: u,
    groups: nBh * Math.ceil(plan.T / PISA_ROWS_PER_GROUP),
  });
  const grads = scratch(plan, plan.sizes.grads, "the gradient scratch");
  const part = scratch(plan, plan.sizes.part, "the dh partials");
  launch(device, outerKernel(plan, "dh"), {
    storage: { xs: q, ys: dO, aux: rows, part },
    uniforms: u,
    groups: nBh * plan.params.n_groups * plan.params.n_tiles,
  });
  sumGroups(plan, part, grads, plan.params.off_dh);
  part.destroy();

  const dq = Tensor.empty(device, q.shape, plan.dtype);
  launchRows(plan, "dq", { q, k, v, dO, chunk, sel, rows, dq });

  // The selection inverted (which query blocks see each chunk), for the column kernel.
  const seen = scratch(plan, plan.sizes.seen, "the inverted selection");
  launch(device, {
    name: "pisa_seen",
    constants: {},
    storage: PISA_SEEN_STORAGE,
    uniforms: pisaParams,
    wgsl: pisaSeenWgsl,
  }, {
    storage: { sel, seen },
    uniforms: u,
    groups: Math.ceil(plan.sizes.seen / PISA_SEEN_GROUP),
  });
  // exact: one split over all query blocks; chunks: the plan's splits. Fused: one dispatch,
  // the exact pass's grid first (the kernel computes it), then the chunk pass's (uniforms).
  const keys = plan.tiles.dkdv.tiles.br;
  const exact = { n_main: Math.ceil(plan.T / keys), n_splits: 1, split_blocks: plan.nt };
  const chunks = {
    n_main: Math.ceil(plan.nt / keys),
    n_splits: plan.params.n_splits,
    split_blocks: plan.params.split_blocks,
  };
  const groups = (s: typeof exact) => nBh * s.n_splits * s.n_main;
  const passes = plan.tiles.dkdv.tiles.fusedCols
    ? [["both", chunks, groups(exact) + groups(chunks)] as const]
    : [["exact", exact, groups(exact)] as const, ["chunks", chunks, groups(chunks)] as const];
  for (const [mode, grid, count] of passes) {
    launch(device, colKernel(plan, mode), {
      storage: { q, k, v, dO, chunk, seen, rows, grads },
      uniforms: uniformsOf(plan, grid),
      groups: count,
    });
  }
  seen.destroy();
  const dk = Tensor.empty(device, k.shape, plan.dtype);
  const dv = Tensor.empty(device, v.shape, plan.dtype);
  launch(device, rowsKernel(plan, "dk"), {
    storage: { xs: v, chunk, grads, out: dk },
    uniforms: u,
    groups: nBh * Math.ceil(plan.T / PISA_ROWS_PER_GROUP),
  });
  launch(device, rowsKernel(plan, "dv"), {
    storage: { xs: k, chunk, grads, out: dv },
    uniforms: u,
    groups: nBh * Math.ceil(plan.T / PISA_ROWS_PER_GROUP),
  });
  grads.destroy();
  return { dq, dk, dv };
}
