/**
 * Float64 reference of `GeneralizedLinearAttention` (LinFusion, docs/math.md §6.1), with
 * cross-attention of any key length (the docs/math.md §11.8 fix).
 * @module
 */
import type { GeneralizedLinearAttentionConfig } from "../linfusion_config.ts";
import {
  addRef,
  decoupledAttentionRef,
  eluPlusOneRef,
  type F64,
  layerNormRef,
  leakyReluRef,
  linearRef,
} from "./primitives.ts";

/** `X + P(X)` with `P = Lin₂(LeakyReLU(LN(Lin₁(X))))`, or `2X` when P is Identity. */
function projected(
  cfg: GeneralizedLinearAttentionConfig,
  p: ReadonlyMap<string, F64>,
  prefix: string,
  x: F64,
  rows: number,
): F64 {
  if (cfg.mid === null) return addRef(x, x);
  const h1 = linearRef(x, rows, p.get(`${prefix}.0.weight`)!, cfg.mid, p.get(`${prefix}.0.bias`));
  const h2 = layerNormRef(h1, cfg.mid, p.get(`${prefix}.1.weight`)!, p.get(`${prefix}.1.bias`)!);
  const h3 = linearRef(
    leakyReluRef(h2),
    rows,
    p.get(`${prefix}.3.weight`)!,
    cfg.inner,
    p.get(`${prefix}.3.bias`),
  );
  return addRef(x, h3);
}

/**
 * `x: [B, L, queryDim]`, optional `encoder: [B, Lk, kvDim]` → `[B, L, outDim]`.
 * `params` holds float64 copies of the state_dict entries.
 */
export function generalizedLinearAttentionRef(
  cfg: GeneralizedLinearAttentionConfig,
  params: ReadonlyMap<string, F64>,
  x: F64,
  batch: number,
  encoder?: F64,
): F64 {
  const p = params;
  const L = x.length / (batch * cfg.queryDim);
  const Lk = encoder ? encoder.length / (batch * cfg.kvDim) : L;
  const out = new Float64Array(batch * L * cfg.outDim);
  for (let b = 0; b < batch; b++) {
    const xb = x.slice(b * L * cfg.queryDim, (b + 1) * L * cfg.queryDim);
    const eb = encoder ? encoder.slice(b * Lk * cfg.kvDim, (b + 1) * Lk * cfg.kvDim) : xb;
    const q = eluPlusOneRef(
      linearRef(
        projected(cfg, p, "to_q_", xb, L),
        L,
        p.get("to_q.weight")!,
        cfg.inner,
        p.get("to_q.bias"),
      ),
    );
    const k = eluPlusOneRef(
      linearRef(
        projected(cfg, p, "to_k_", eb, Lk),
        Lk,
        p.get("to_k.weight")!,
        cfg.inner,
        p.get("to_k.bias"),
      ),
    );
    const v = linearRef(eb, Lk, p.get("to_v.weight")!, cfg.inner, p.get("to_v.bias"));
    const d = cfg.headDim;
    const o = decoupledAttentionRef(
      q,
      k,
      q,
      k,
      v,
      { N: L, n: Lk, heads: cfg.heads, dk: d, dv: d },
      cfg.eps,
    );
    const y = linearRef(o, L, p.get("to_out.0.weight")!, cfg.outDim, p.get("to_out.0.bias"));
    out.set(y, b * L * cfg.outDim);
  }
  return out;
}
