/**
 * The two RoPE layers on the GPU, with gradients: `MambaLikeLinearAttention` (MLLA,
 * docs/math.md §6.2) and `RALALinearAttention` (docs/math.md §6.5).
 * @module
 */
import type { Tensor } from "../ops/_runtime/mod.ts";
import {
  add,
  depthwiseConv2d,
  eluPlusOne,
  linear,
  mean,
  mergeHeads,
  mul,
  rope2d,
  softmax,
  splitFeatures,
  splitHeads,
  sum,
} from "../ops/nn/mod.ts";
import { decoupledLinearAttention } from "../ops/linear_attention/mod.ts";
import type { Graph } from "./_graph.ts";
import { type ImageForwardOptions, Layer, type LayerInit, type LayerVjp } from "./_layer.ts";
import {
  resolveMambaLikeLinearAttention,
  resolveRALALinearAttention,
  type RopeLayerConfig,
  type RopeLayerOptions,
} from "./rope_layers_config.ts";

export type { RopeLayerOptions } from "./rope_layers_config.ts";

/** Shared plumbing of MLLA and RALA: input checks against the RoPE grid, linear helper. */
export abstract class RopeLayer extends Layer {
  /** Resolved dimensions. */
  readonly config: RopeLayerConfig;

  /** Subclasses pass their name, resolved config and init options. */
  protected constructor(name: string, config: RopeLayerConfig, init: LayerInit) {
    super(name, config.specs, init);
    this.config = config;
  }

  /** The output `[B, H·W, C]` for `x [B, H·W, C]`. */
  forward(x: Tensor, options: ImageForwardOptions): Tensor {
    const xc = this.#check(x, options);
    return this.runForward((g) => this.graph(g, xc));
  }

  /** Forward plus pullback: `pullback(dy)` gives `dx` and every parameter's gradient. */
  vjp(x: Tensor, options: ImageForwardOptions): LayerVjp {
    const xc = this.#check(x, options);
    return this.runVjp(xc, undefined, (g) => this.graph(g, xc));
  }

  #check(x: Tensor, options: ImageForwardOptions): Tensor {
    const { height, width, dim } = this.config;
    if (options?.height !== height || options?.width !== width) {
      throw new RangeError(
        `height × width must equal the layer's inputResolution ${height} × ${width} (the RoPE ` +
          `buffer's grid), got ${options?.height} × ${options?.width}`,
      );
    }
    return this.checkInput(x, "x", height * width, dim);
  }

  /** The Linear named `name` (`<name>.weight`, optional `<name>.bias`) applied to x. */
  protected linear(g: Graph, name: string, x: Tensor): Tensor {
    const w = this.param(`${name}.weight`), b = this.optionalParam(`${name}.bias`);
    return g.call(linear, [x, w, b], { dx: x, dweight: w, dbias: b });
  }

  /** The depthwise conv named `name` on the layer's token grid. */
  protected dwConv(g: Graph, name: string, x: Tensor): Tensor {
    const w = this.param(`${name}.weight`), b = this.param(`${name}.bias`);
    const { height, width } = this.config;
    return g.call(depthwiseConv2d, [x, w, b, { height, width }], {
      dx: x,
      dweight: w,
      dbias: b,
    });
  }

  /** `x [B, N, parts·C]` → parts `[B, N, C]`. */
  protected split(g: Graph, x: Tensor, parts: number): Tensor[] {
    const C = this.config.dim;
    return g.callMulti(splitFeatures, [x, Array(parts).fill(C)], { dx: x });
  }

  /** `[B, N, C]` → `[B, heads, N, d]`. */
  protected heads(g: Graph, t: Tensor): Tensor {
    return g.call(splitHeads, [t, this.config.heads], { dx: t });
  }

  /**
   * The fused decoupled linear attention (docs/math.md §2, σ = 1/N) of `[B, heads, N, d]` features:
   * the numerator from the RoPE'd copies, the denominator from the plain ones.
   */
  protected attention(
    g: Graph,
    q: Tensor,
    k: Tensor,
    qRope: Tensor,
    kRope: Tensor,
    v: Tensor,
  ): Tensor {
    return g.call(decoupledLinearAttention, [q, k, qRope, kRope, v, { eps: this.config.eps }], {
      dq: q,
      dk: k,
      dqRope: qRope,
      dkRope: kRope,
      dv: v,
    });
  }

  /** Records the layer's forward on `g` and returns its output. */
  protected abstract graph(g: Graph, x: Tensor): Tensor;
}

/**
 * Mamba-like linear attention (MLLA, docs/math.md §6.2): `x [B, H·W, C]` → `[B, H·W, C]`,
 *
 * ```
 * [q | k] = qk(x);  q, k ← elu(·) + 1;  q_r, k_r = RoPE over all C channels (rows, then columns)
 * y = merge( DLA(q, k, q_r, k_r, v = x; σ = 1/N, ε = 1e-6) ) + lepe(x)     (lepe: 3×3 depthwise)
 * ```
 *
 * Parameters: `qk.weight`, `qk.bias`, `lepe.weight`, `lepe.bias`, and the buffer
 * `rope.rotations` `[H, W, C/2, 2]` (not trained, no gradient).
 *
 * Backward memory ({@linkcode MambaLikeLinearAttention.vjp}): only what the backward reads —
 * q and k before the feature map, the per-head q, k, RoPE'd q, k and v, the attention output,
 * the two summands and the output: 11 tensors of `[B, N, C]`, plus the f32 state
 * `[B, heads, d, d]` of the fused `decoupledLinearAttention`. The `[B, N, 2C]` projection,
 * the features and their RoPE'd copies before the head split are freed when `vjp` returns.
 *
 * @example
 * ```ts
 * import { MambaLikeLinearAttention, requestDevice, Tensor } from "@flash-bla/flash-bla";
 * const device = await requestDevice();
 * using mlla = new MambaLikeLinearAttention({ dim: 32, inputResolution: [6, 8], numHeads: 4, device });
 * using x = Tensor.fromArraySync(device, new Float32Array(48 * 32).fill(0.5), [1, 48, 32]);
 * using y = mlla.forward(x, { height: 6, width: 8 });
 * console.log(y.shape); // [1, 48, 32]
 * ```
 */
export class MambaLikeLinearAttention extends RopeLayer {
  /** Builds the layer with random parameters (or `stateDict`). */
  constructor(options: RopeLayerOptions & LayerInit) {
    super("MambaLikeLinearAttention", resolveMambaLikeLinearAttention(options), options);
  }

  /** docs/math.md §6.2 on `g`. */
  protected graph(g: Graph, x: Tensor): Tensor {
    const rot = this.param("rope.rotations");
    const [qRaw, kRaw] = this.split(g, this.linear(g, "qk", x), 2);
    const q = g.call(eluPlusOne, [qRaw], { dx: qRaw });
    const k = g.call(eluPlusOne, [kRaw], { dx: kRaw });
    // RoPE over the full C before the head split (docs/math.md §6.2)
    const qr = g.call(rope2d, [q, rot], { dx: q });
    const kr = g.call(rope2d, [k, rot], { dx: k });
    const [qh, kh, qrh, krh, vh] = [q, k, qr, kr, x].map((t) => this.heads(g, t));
    const o = this.attention(g, qh, kh, qrh, krh, vh);
    const merged = g.call(mergeHeads, [o], { dx: o });
    const lepe = this.dwConv(g, "lepe", x);
    return g.call(add, [merged, lepe], { da: merged, db: lepe });
  }
}

/**
 * RALA linear attention (docs/math.md §6.5): `x [B, H·W, C]` → `[B, H·W, C]`,
 *
 * ```
 * [q | k | v | o] = qkvo(x);  lepe = DW_5(v);  q, k ← elu(·) + 1      (then per head:)
 * k_j ← N · softmax_j(d^{-1/2} · mean_i(q_i) · k_j) · k_j
 * y = proj( (merge( DLA(q, k, RoPE(q), RoPE(k); σ = 1/N, ε = 1e-6) ) + lepe) ⊙ o )
 * ```
 *
 * RoPE is applied per head (every head gets rows on its first half of channels, columns on
 * its second). Parameters: `qkvo.*`, `lepe.*`, `proj.*`, buffer `rope.rotations`
 * `[H, W, d/2, 2]`.
 *
 * Backward memory ({@linkcode RALALinearAttention.vjp}): only what the backward reads — the
 * four parts of the projection, lepe, the per-head q, k, reweighted k, RoPE'd q and k and v,
 * the attention output, the gate's operands and product, and the output: 16 tensors of
 * `[B, N, C]`, plus per-head token weights `[B, heads, N, 1]` and the f32 state of the fused
 * `decoupledLinearAttention`. The `[B, N, 4C]` projection is freed when `vjp` returns.
 *
 * @example
 * ```ts
 * import { RALALinearAttention, requestDevice, Tensor } from "@flash-bla/flash-bla";
 * const device = await requestDevice();
 * using rala = new RALALinearAttention({ dim: 32, inputResolution: [4, 4], numHeads: 2, device });
 * using x = Tensor.fromArraySync(device, new Float32Array(16 * 32).fill(0.5), [1, 16, 32]);
 * using y = rala.forward(x, { height: 4, width: 4 });
 * console.log(y.shape); // [1, 16, 32]
 * ```
 */
export class RALALinearAttention extends RopeLayer {
  /** Builds the layer with random parameters (or `stateDict`). */
  constructor(options: RopeLayerOptions & LayerInit) {
    super("RALALinearAttention", resolveRALALinearAttention(options), options);
  }

  /** docs/math.md §6.5 on `g`. */
  protected graph(g: Graph, x: Tensor): Tensor {
    const { headDim: d, height, width } = this.config;
    const N = height * width, rot = this.param("rope.rotations");
    const [qRaw, kRaw, v, gate] = this.split(g, this.linear(g, "qkvo", x), 4);
    const lepe = this.dwConv(g, "lepe", v);
    const qh = this.heads(g, g.call(eluPlusOne, [qRaw], { dx: qRaw }));
    const kh = this.heads(g, g.call(eluPlusOne, [kRaw], { dx: kRaw }));
    // k_j ← N · softmax_j(d^{-1/2} q̄·k_j) · k_j per (batch, head) (docs/math.md §6.5)
    const qMean = g.call(mean, [qh, { axis: 2 }], { dx: qh }); // [B, heads, 1, d]
    const prod = g.call(mul, [kh, qMean, { alpha: 1 / Math.sqrt(d) }], { da: kh, db: qMean });
    const logits = g.call(sum, [prod, { axis: -1 }], { dx: prod }); // [B, heads, N, 1]
    const weights = g.call(softmax, [logits, { axis: 2 }], { dx: logits });
    const kw = g.call(mul, [kh, weights, { alpha: N }], { da: kh, db: weights });
    const qr = g.call(rope2d, [qh, rot], { dx: qh }); // table F = d: per head
    const kr = g.call(rope2d, [kw, rot], { dx: kw });
    const vh = this.heads(g, v);
    const o = this.attention(g, qh, kw, qr, kr, vh);
    const merged = g.call(mergeHeads, [o], { dx: o });
    const withLepe = g.call(add, [merged, lepe], { da: merged, db: lepe });
    const gated = g.call(mul, [withLepe, gate], { da: withLepe, db: gate });
    return this.linear(g, "proj", gated);
  }
}
