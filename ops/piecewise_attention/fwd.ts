/**
 * PISA forward launcher (docs/math.md §5.2–5.4): chunk statistics, block selection, fused attention.
 * Five dispatches, all recorded without awaiting the GPU.
 * @module
 */
import { type Kernel, launch, Tensor } from "../_runtime/mod.ts";
import {
  PISA_SELECT_STORAGE,
  PISA_SUM_GROUPS_STORAGE,
  type PisaIo,
  pisaMeansStorage,
  pisaMeansWgsl,
  type PisaOuterMode,
  pisaOuterStorage,
  pisaOuterWgsl,
  pisaParams,
  pisaSelectWgsl,
  pisaSumGroupsWgsl,
} from "../../shaders/piecewise_attention/stats.ts";
import {
  type PisaRowKind,
  pisaRowStorage,
  pisaRowWgsl,
} from "../../shaders/piecewise_attention/rows.ts";
import { checkBindable, type PisaParamName, type PisaPlan, scratch, uniformsOf } from "./plan.ts";

function io(plan: PisaPlan): PisaIo {
  return { dtype: plan.dtype, layout: plan.layout };
}

/** The outer-product kernel (moments or dh) for `plan`. */
export function outerKernel(plan: PisaPlan, mode: PisaOuterMode): Kernel<PisaParamName> {
  const c = { ...io(plan), mode, bt: plan.bt };
  return {
    name: "pisa_outer",
    constants: { ...c },
    storage: pisaOuterStorage(c),
    uniforms: pisaParams,
    wgsl: () => pisaOuterWgsl(c),
  };
}

/** Sums outer-product partials into `out` at element `offset` (h or dh). */
export function sumGroups(plan: PisaPlan, part: Tensor, out: Tensor, offset: number): void {
  const kernel: Kernel<PisaParamName> = {
    name: "pisa_sum_groups",
    constants: {},
    storage: PISA_SUM_GROUPS_STORAGE,
    uniforms: pisaParams,
    wgsl: pisaSumGroupsWgsl,
  };
  launch(plan.device, kernel, {
    storage: { part, out },
    uniforms: uniformsOf(plan, { off_out: offset }),
    groups: Math.ceil((plan.B * plan.H * plan.dk * plan.dv) / 256),
  });
}

/** The row-stationary attention kernel (fwd or dq) for `plan`. */
export function rowKernel(
  plan: PisaPlan,
  kind: PisaRowKind,
  saveOutput = false,
): Kernel<PisaParamName> {
  const { tiles, subgroup } = plan.tiles[kind];
  const variant = { ...io(plan), ...tiles, subgroup, kind, dk: plan.dk, dv: plan.dv, saveOutput };
  return {
    name: `pisa_${kind}`,
    constants: {
      ...variant,
      subgroup: subgroup ?? 0,
      shuffle: !!tiles.shuffle,
      prefetch: !!tiles.prefetch,
    },
    storage: pisaRowStorage(variant),
    uniforms: pisaParams,
    wgsl: () => pisaRowWgsl(variant),
  };
}

/** Records the row kernel `kind` over every (bh, query tile). */
export function launchRows(
  plan: PisaPlan,
  kind: PisaRowKind,
  storage: Record<string, Tensor>,
  saveOutput = false,
): void {
  const nMain = Math.ceil(plan.T / plan.tiles[kind].tiles.br);
  launch(plan.device, rowKernel(plan, kind, saveOutput), {
    storage,
    uniforms: uniformsOf(plan, { n_main: nMain }),
    groups: plan.B * plan.H * nMain,
  });
}

/** What the forward leaves for the backward (and for tests). */
export interface PisaSaved {
  /** Chunk statistics qc | kc | vc | h (f32). */
  chunk: Tensor;
  /** Selected chunk indices `[B·H, NT, topK]` (u32 bits in an f32-typed tensor). */
  sel: Tensor;
  /** Per query (lse, w, D, D'), then room for dq's first-order part when kept for backward. */
  rows: Tensor;
}

/**
 * Records the PISA forward for validated inputs and returns the output and the saved
 * scratch (`forBackward` makes `rows` large enough for the pullback). The caller destroys
 * the saved tensors.
 */
export function pisaForward(
  plan: PisaPlan,
  q: Tensor,
  k: Tensor,
  v: Tensor,
  forBackward: boolean,
): { o: Tensor; saved: PisaSaved } {
  const { device } = plan;
  const nBh = plan.B * plan.H;
  for (const [t, name] of [[q, "q"], [k, "k"], [v, "v"]] as const) {
    checkBindable(device, t.byteLength, name);
  }
  const chunk = scratch(plan, plan.sizes.chunk, "the chunk statistics");
  const part = scratch(plan, plan.sizes.part, "the first-order moment partials");
  const sel = scratch(plan, plan.sizes.sel, "the block selection");
  const rows = scratch(
    plan,
    forBackward ? plan.sizes.rowsBwd : plan.sizes.rows,
    "the row statistics",
  );
  const o = Tensor.empty(
    device,
    plan.layout === "BHTD" ? [plan.B, plan.H, plan.T, plan.dv] : [plan.B, plan.T, plan.H, plan.dv],
    plan.dtype,
  );
  const u = uniformsOf(plan);
  const means: Kernel<PisaParamName> = {
    name: "pisa_means",
    constants: { ...io(plan) },
    storage: pisaMeansStorage(io(plan)),
    uniforms: pisaParams,
    wgsl: () => pisaMeansWgsl(io(plan)),
  };
  launch(device, means, { storage: { q, k, v, chunk }, uniforms: u, groups: nBh * plan.nt });
  launch(device, outerKernel(plan, "moments"), {
    storage: { xs: k, ys: v, aux: chunk, part },
    uniforms: u,
    groups: nBh * plan.params.n_groups * plan.params.n_tiles,
  });
  sumGroups(plan, part, chunk, plan.params.off_h);
  const keysPerThread = 2 ** Math.ceil(Math.log2(Math.ceil(plan.nt / 256)));
  const selectC = { keysPerThread, useBias: plan.useBias };
  const select: Kernel<PisaParamName> = {
    name: "pisa_select",
    constants: selectC,
    storage: PISA_SELECT_STORAGE,
    uniforms: pisaParams,
    wgsl: () => pisaSelectWgsl(selectC),
  };
  launch(device, select, { storage: { chunk, part, sel }, uniforms: u, groups: nBh * plan.nt });
  part.destroy();
  launchRows(plan, "fwd", { q, k, v, chunk, sel, o, rows }, forBackward);
  return { o, saved: { chunk, sel, rows } };
}
