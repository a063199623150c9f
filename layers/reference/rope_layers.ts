/**
 * Float64 references of `MambaLikeLinearAttention` (docs/math.md §6.2) and `RALALinearAttention`
 * (docs/math.md §6.5), with explicit (possibly non-square) image height and width.
 * @module
 */
import type { RopeLayerConfig } from "../rope_layers_config.ts";
import {
  addRef,
  columnsRef,
  decoupledAttentionRef,
  dwConvTokensRef,
  eluPlusOneRef,
  type F64,
  linearRef,
  mulRef,
  ropeTokensRef,
} from "./primitives.ts";

/** MLLA: `x: [B, H·W, C]` → `[B, H·W, C]`; H, W are the config's input resolution. */
export function mambaLikeLinearAttentionRef(
  cfg: RopeLayerConfig,
  p: ReadonlyMap<string, F64>,
  x: F64,
  batch: number,
): F64 {
  const { dim: C, height: H, width: W, heads, headDim: d } = cfg;
  const N = H * W;
  const out = new Float64Array(x.length);
  for (let b = 0; b < batch; b++) {
    const xb = x.slice(b * N * C, (b + 1) * N * C);
    const qk = linearRef(xb, N, p.get("qk.weight")!, 2 * C, p.get("qk.bias"));
    const q = eluPlusOneRef(columnsRef(qk, 2 * C, 0, C));
    const k = eluPlusOneRef(columnsRef(qk, 2 * C, C, C));
    const rot = p.get("rope.rotations")!;
    const qr = ropeTokensRef(q, C, 1, rot), kr = ropeTokensRef(k, C, 1, rot);
    const o = decoupledAttentionRef(q, k, qr, kr, xb, { N, n: N, heads, dk: d, dv: d }, cfg.eps);
    const lepe = dwConvTokensRef(xb, H, W, C, p.get("lepe.weight")!, p.get("lepe.bias")!, 3);
    out.set(addRef(o, lepe), b * N * C);
  }
  return out;
}

/** RALA: `x: [B, H·W, C]` → `[B, H·W, C]`. */
export function ralaLinearAttentionRef(
  cfg: RopeLayerConfig,
  p: ReadonlyMap<string, F64>,
  x: F64,
  batch: number,
): F64 {
  const { dim: C, height: H, width: W, heads, headDim: d } = cfg;
  const N = H * W;
  const out = new Float64Array(x.length);
  for (let b = 0; b < batch; b++) {
    const xb = x.slice(b * N * C, (b + 1) * N * C);
    const qkvo = linearRef(xb, N, p.get("qkvo.weight")!, 4 * C, p.get("qkvo.bias"));
    const v = columnsRef(qkvo, 4 * C, 2 * C, C), gate = columnsRef(qkvo, 4 * C, 3 * C, C);
    const lepe = dwConvTokensRef(v, H, W, C, p.get("lepe.weight")!, p.get("lepe.bias")!, 5);
    const q = eluPlusOneRef(columnsRef(qkvo, 4 * C, 0, C));
    const k = eluPlusOneRef(columnsRef(qkvo, 4 * C, C, C));
    // k'_j = n · softmax_j(d^{-1/2} q̄·k_j) · k_j per head, q̄ the mean query (docs/math.md §6.5)
    for (let g = 0; g < heads; g++) {
      const qMean = new Float64Array(d);
      for (let i = 0; i < N; i++) for (let a = 0; a < d; a++) qMean[a] += q[i * C + g * d + a] / N;
      const logits = new Float64Array(N);
      for (let j = 0; j < N; j++) {
        for (let a = 0; a < d; a++) logits[j] += qMean[a] * k[j * C + g * d + a] / Math.sqrt(d);
      }
      const max = Math.max(...logits);
      const e = logits.map((l) => Math.exp(l - max));
      const sum = e.reduce((s, v) => s + v, 0);
      for (let j = 0; j < N; j++) {
        for (let a = 0; a < d; a++) k[j * C + g * d + a] *= N * e[j] / sum;
      }
    }
    const rot = p.get("rope.rotations")!;
    const qr = ropeTokensRef(q, C, heads, rot), kr = ropeTokensRef(k, C, heads, rot);
    const o = decoupledAttentionRef(q, k, qr, kr, v, { N, n: N, heads, dk: d, dv: d }, cfg.eps);
    const y = mulRef(addRef(o, lepe), gate);
    out.set(linearRef(y, N, p.get("proj.weight")!, C, p.get("proj.bias")), b * N * C);
  }
  return out;
}
