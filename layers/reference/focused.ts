/**
 * Float64 references of `FocusedLinearAttention` (docs/math.md §6.3) and `PolaLinearAttention`
 * (docs/math.md §6.4), including `srRatio > 1` with fewer keys than queries (the docs/math.md §11.8 fix) and
 * explicit, possibly non-square, image height and width.
 * @module
 */
import type { FocusedLayerConfig } from "../focused_config.ts";
import {
  columnsRef,
  decoupledAttentionRef,
  dwConvTokensRef,
  type F64,
  interp1dRef,
  layerNormRef,
  linearRef,
  mapRef,
  mulRef,
  reluScalar,
  sigmoidScalar,
  softplusScalar,
  srConvTokensRef,
} from "./primitives.ts";

/** Keys (with the positional encoding) and values of one image, and their token count n. */
function keysAndValues(
  cfg: FocusedLayerConfig,
  p: ReadonlyMap<string, F64>,
  x: F64,
  H: number,
  W: number,
) {
  const C = cfg.dim, sr = cfg.srRatio;
  let xr = x, n = H * W;
  if (sr > 1) {
    const reduced = srConvTokensRef(x, H, W, C, p.get("sr.weight")!, p.get("sr.bias")!, sr);
    xr = layerNormRef(reduced, C, p.get("norm.weight")!, p.get("norm.bias")!);
    n = Math.floor(H / sr) * Math.floor(W / sr);
  }
  const kv = linearRef(xr, n, p.get("kv.weight")!, 2 * C, p.get("kv.bias"));
  const pos = p.get("positional_encoding")!;
  const k = mapRef(columnsRef(kv, 2 * C, 0, C), (v, i) => v + pos[cfg.posRows === 1 ? i % C : i]);
  return { k, v: columnsRef(kv, 2 * C, C, C), n };
}

/** `x + DW_ks(v)` where v (n tokens, upsampled to H·W by 1-D interpolation) is convolved per head with the shared `dwc`. */
function addValueConv(
  cfg: FocusedLayerConfig,
  p: ReadonlyMap<string, F64>,
  x: F64,
  v: F64,
  n: number,
  H: number,
  W: number,
): F64 {
  const { dim: C, heads, headDim: d, kernelSize: ks } = cfg;
  const N = H * W;
  const vFull = n === N ? v : interp1dRef(v, n, N);
  const out = Float64Array.from(x);
  for (let g = 0; g < heads; g++) {
    const conv = dwConvTokensRef(
      columnsRef(vFull, C, g * d, d),
      H,
      W,
      d,
      p.get("dwc.weight")!,
      p.get("dwc.bias")!,
      ks,
    );
    for (let t = 0; t < N; t++) {
      for (let a = 0; a < d; a++) out[t * C + g * d + a] += conv[t * d + a];
    }
  }
  return out;
}

/** Per-token focusing `t ↦ t^f / ‖t^f‖ · ‖t‖` over all C channels (docs/math.md §6.3). */
function focus(t: F64, C: number, f: number): F64 {
  const out = new Float64Array(t.length);
  for (let i = 0; i < t.length / C; i++) {
    let n1 = 0, n2 = 0;
    for (let c = 0; c < C; c++) {
      n1 += t[i * C + c] ** 2;
      n2 += t[i * C + c] ** (2 * f);
    }
    for (let c = 0; c < C; c++) out[i * C + c] = t[i * C + c] ** f / Math.sqrt(n2) * Math.sqrt(n1);
  }
  return out;
}

/** Focused linear attention: `x: [B, H·W, C]` → `[B, H·W, C]`. */
export function focusedLinearAttentionRef(
  cfg: FocusedLayerConfig,
  p: ReadonlyMap<string, F64>,
  x: F64,
  batch: number,
  H: number,
  W: number,
): F64 {
  const C = cfg.dim, N = H * W, d = cfg.headDim;
  const out = new Float64Array(x.length);
  const s = mapRef(p.get("scale")!, softplusScalar);
  const feature = (t: F64) =>
    focus(mapRef(t, (v, i) => (reluScalar(v) + 1e-6) / s[i % C]), C, cfg.power);
  for (let b = 0; b < batch; b++) {
    const xb = x.slice(b * N * C, (b + 1) * N * C);
    const q = feature(linearRef(xb, N, p.get("q.weight")!, C, p.get("q.bias")));
    const kv = keysAndValues(cfg, p, xb, H, W);
    const o = decoupledAttentionRef(q, feature(kv.k), q, feature(kv.k), kv.v, {
      N,
      n: kv.n,
      heads: cfg.heads,
      dk: d,
      dv: d,
    }, cfg.eps);
    const y = addValueConv(cfg, p, o, kv.v, kv.n, H, W);
    out.set(linearRef(y, N, p.get("proj.weight")!, C, p.get("proj.bias")), b * N * C);
  }
  return out;
}

/** Per head `[relu(±t)^p ‖ relu(∓t)^p]` features of width 2·hd (docs/math.md §6.4). */
function polarFeatures(t: F64, cfg: FocusedLayerConfig, power: F64, flip: boolean): F64 {
  const { dim: C, heads, headDim: d } = cfg;
  const rows = t.length / C;
  const out = new Float64Array(rows * 2 * C);
  for (let r = 0; r < rows; r++) {
    for (let g = 0; g < heads; g++) {
      for (let a = 0; a < d; a++) {
        const v = t[r * C + g * d + a], e = power[g * d + a];
        const pos = reluScalar(v) ** e, neg = reluScalar(-v) ** e;
        out[r * 2 * C + g * 2 * d + a] = flip ? neg : pos;
        out[r * 2 * C + g * 2 * d + d + a] = flip ? pos : neg;
      }
    }
  }
  return out;
}

/** Columns of every head's features `[from, from + count)` of token-major `[rows, heads·d]`. */
function headColumns(t: F64, heads: number, d: number, from: number, count: number): F64 {
  const rows = t.length / (heads * d);
  const out = new Float64Array(rows * heads * count);
  for (let r = 0; r < rows; r++) {
    for (let g = 0; g < heads; g++) {
      for (let a = 0; a < count; a++) {
        out[(r * heads + g) * count + a] = t[r * heads * d + g * d + from + a];
      }
    }
  }
  return out;
}

/** PolaFormer linear attention: `x: [B, H·W, C]` → `[B, H·W, C]`. */
export function polaLinearAttentionRef(
  cfg: FocusedLayerConfig,
  p: ReadonlyMap<string, F64>,
  x: F64,
  batch: number,
  H: number,
  W: number,
): F64 {
  const { dim: C, heads, headDim: d } = cfg;
  const N = H * W, d1 = Math.ceil(d / 2), d2 = d - d1;
  const s = mapRef(p.get("scale")!, softplusScalar);
  const power = mapRef(p.get("power")!, (v) => 1 + cfg.power * sigmoidScalar(v));
  const out = new Float64Array(x.length);
  for (let b = 0; b < batch; b++) {
    const xb = x.slice(b * N * C, (b + 1) * N * C);
    const qg = linearRef(xb, N, p.get("qg.weight")!, 2 * C, p.get("qg.bias"));
    const q = mapRef(columnsRef(qg, 2 * C, 0, C), (v, i) => v / s[i % C]);
    const gate = columnsRef(qg, 2 * C, C, C);
    const kv = keysAndValues(cfg, p, xb, H, W);
    const k = polarFeatures(mapRef(kv.k, (v, i) => v / s[i % C]), cfg, power, false);
    const qSim = polarFeatures(q, cfg, power, false), qOpp = polarFeatures(q, cfg, power, true);
    const v1 = headColumns(kv.v, heads, d, 0, d1), v2 = headColumns(kv.v, heads, d, d1, d2);
    const shape = { N, n: kv.n, heads, dk: 2 * d };
    const xSim = decoupledAttentionRef(qSim, k, qSim, k, v1, { ...shape, dv: d1 }, cfg.eps);
    const xOpp = decoupledAttentionRef(qOpp, k, qOpp, k, v2, { ...shape, dv: d2 }, cfg.eps);
    const merged = new Float64Array(N * C);
    for (let t = 0; t < N; t++) {
      for (let g = 0; g < heads; g++) {
        for (let a = 0; a < d; a++) {
          merged[t * C + g * d + a] = a < d1
            ? xSim[(t * heads + g) * d1 + a]
            : xOpp[(t * heads + g) * d2 + a - d1];
        }
      }
    }
    const y = mulRef(addValueConv(cfg, p, merged, kv.v, kv.n, H, W), gate);
    out.set(linearRef(y, N, p.get("proj.weight")!, C, p.get("proj.bias")), b * N * C);
  }
  return out;
}
