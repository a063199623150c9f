/**
 * `FocusedLinearAttention` (docs/math.md §6.3) and `PolaLinearAttention` (PolaFormer, docs/math.md §6.4) on
 * the GPU, with gradients. Both reduce keys and values spatially when `srRatio > 1` (fewer
 * keys than queries: docs/math.md §11.8 fixed) and take explicit image height and width.
 * @module
 */
import { Tensor } from "../ops/_runtime/mod.ts";
import {
  add,
  concatFeatures,
  depthwiseConv2d,
  div,
  interpolateTokens,
  layerNorm,
  linear,
  mergeHeads,
  mul,
  relu,
  reluPower,
  sigmoid,
  softplus,
  spatialReductionConv,
  splitFeatures,
  splitHeads,
  sum,
} from "../ops/nn/mod.ts";
import { addScalar, scale } from "../ops/nn/elementwise.ts";
import { linearAttention } from "../ops/linear_attention/mod.ts";
import type { Graph } from "./_graph.ts";
import { type ImageForwardOptions, Layer, type LayerInit, type LayerVjp } from "./_layer.ts";
import {
  type FocusedLayerConfig,
  type FocusedLinearAttentionOptions,
  type PolaLinearAttentionOptions,
  resolveFocusedLinearAttention,
  resolvePolaLinearAttention,
} from "./focused_config.ts";

export type {
  FocusedLinearAttentionOptions,
  PolaLinearAttentionOptions,
} from "./focused_config.ts";

/** What Focused and Pola share: the key/value path, the value conv, scalar constants. */
export abstract class FocusedLayer extends Layer {
  /** Resolved dimensions. */
  readonly config: FocusedLayerConfig;

  /** Subclasses pass their name, resolved config and init options. */
  protected constructor(name: string, config: FocusedLayerConfig, init: LayerInit) {
    super(name, config.specs, init);
    this.config = config;
  }

  /** The output `[B, H·W, C]` for `x [B, H·W, C]` (any H, W with a matching positional encoding). */
  forward(x: Tensor, options: ImageForwardOptions): Tensor {
    const [xc, hw] = this.#check(x, options);
    return this.runForward((g) => this.graph(g, xc, hw));
  }

  /** Forward plus pullback: `pullback(dy)` gives `dx` and every parameter's gradient. */
  vjp(x: Tensor, options: ImageForwardOptions): LayerVjp {
    const [xc, hw] = this.#check(x, options);
    return this.runVjp(xc, undefined, (g) => this.graph(g, xc, hw));
  }

  #check(x: Tensor, options: ImageForwardOptions): [Tensor, ImageForwardOptions] {
    const height = options?.height, width = options?.width;
    for (const [name, v] of [["height", height], ["width", width]] as const) {
      if (!Number.isInteger(v) || v < 1) {
        throw new RangeError(`options.${name} must be a positive integer, got ${String(v)}`);
      }
    }
    const { srRatio: sr, posRows, dim } = this.config;
    const xc = this.checkInput(x, "x", null, dim);
    if (xc.shape[1] !== height * width) {
      throw new RangeError(
        `options.height · options.width (${height}·${width}) must equal the token count of x ` +
          `[${xc.shape.join(", ")}]`,
      );
    }
    const keys = Math.floor(height / sr) * Math.floor(width / sr);
    if (keys < 1) {
      throw new RangeError(`height × width (${height} × ${width}) is smaller than srRatio ${sr}`);
    }
    if (posRows !== 1 && posRows !== keys) {
      throw new RangeError(
        `positional_encoding has ${posRows} rows but the image gives ${keys} key tokens ` +
          `(⌊${height}/${sr}⌋·⌊${width}/${sr}⌋); build the layer with numPatches = ${
            height * width
          }`,
      );
    }
    return [xc, { height, width }];
  }

  /** The Linear named `name` (`<name>.weight`, optional `<name>.bias`) applied to x. */
  protected linear(g: Graph, name: string, x: Tensor): Tensor {
    const w = this.param(`${name}.weight`), b = this.optionalParam(`${name}.bias`);
    return g.call(linear, [x, w, b], { dx: x, dweight: w, dbias: b });
  }

  /** A constant `[1]` tensor owned by the graph (a power or exponent). */
  protected constant(g: Graph, value: number): Tensor {
    return g.adopt(Tensor.fromArraySync(this.device, [value], [1], this.dtype));
  }

  /** `[k | v]` of the (spatially reduced) input, k with the positional encoding added. */
  protected keysAndValues(g: Graph, x: Tensor, hw: ImageForwardOptions): Tensor[] {
    let xr = x;
    if (this.config.srRatio > 1) {
      const w = this.param("sr.weight"), b = this.param("sr.bias");
      const srOpts = { ...hw, ratio: this.config.srRatio };
      const reduced = g.call(spatialReductionConv, [x, w, b, srOpts], {
        dx: x,
        dweight: w,
        dbias: b,
      });
      const gamma = this.param("norm.weight"), beta = this.param("norm.bias");
      xr = g.call(layerNorm, [reduced, gamma, beta], { dx: reduced, dweight: gamma, dbias: beta });
    }
    const C = this.config.dim;
    const kv = this.linear(g, "kv", xr);
    const [kRaw, v] = g.callMulti(splitFeatures, [kv, [C, C]], { dx: kv });
    const pos = this.param("positional_encoding");
    const k = g.call(add, [kRaw, pos], { da: kRaw, db: pos });
    return [k, v];
  }

  /** `softplus(scale)`: the per-channel divisor of q and k. */
  protected divisor(g: Graph): Tensor {
    const s = this.param("scale");
    return g.call(softplus, [s], { dx: s });
  }

  /**
   * `merge(DW_ks(v per head))` with the head-shared `dwc` kernel, after upsampling v from n to
   * H·W tokens by 1-D interpolation when the keys were reduced (docs/math.md §6.3).
   */
  protected valueConv(g: Graph, v: Tensor, hw: ImageForwardOptions): Tensor {
    const N = hw.height * hw.width;
    const full = v.shape[1] === N ? v : g.call(interpolateTokens, [v, N], { dx: v });
    // weight [hd, 1, k, k] on [B, N, heads·hd]: channel c uses kernel c % hd (shared by heads)
    const w = this.param("dwc.weight"), b = this.param("dwc.bias");
    return g.call(depthwiseConv2d, [full, w, b, hw], { dx: full, dweight: w, dbias: b });
  }

  /** Records the layer's forward on `g` and returns its output. */
  protected abstract graph(g: Graph, x: Tensor, hw: ImageForwardOptions): Tensor;
}

/**
 * Focused linear attention (FLatten Transformer, docs/math.md §6.3): `x [B, H·W, C]` → `[B, H·W, C]`,
 *
 * ```
 * q = q(x);  [k | v] = kv(x')  with x' = LN(SR(x)) if srRatio > 1 else x;  k += positional_encoding
 * q, k ← focus((relu(·) + 1e-6) / softplus(scale)),  focus(t) = t^f / ‖t^f‖ · ‖t‖  (norms over C)
 * y = proj( merge( LA(q, k, v; σ = 1/n, ε = 1e-6) ) + merge( dwc(v per head) ) )
 * ```
 *
 * (v upsampled from n to H·W tokens by 1-D linear interpolation before `dwc` when
 * srRatio > 1). Parameters: `scale`, `positional_encoding`, `q.*`, `kv.*`, `proj.*`,
 * `sr.*` and `norm.*` (srRatio > 1), `dwc.*` (`[C/heads, 1, k, k]`, shared by the heads).
 *
 * Backward memory ({@linkcode FocusedLinearAttention.vjp}): only what the backward reads — for
 * q and for k the six steps of the focusing map (input, relu, ÷ s, unit vector, power,
 * direction) and two per-token norms, k before the positional encoding, v, the per-head q,
 * k, v and attention output, the two summands, the projection input and the output: 22
 * tensors of `[B, N, C]` (the k/v ones `[B, n, C]`), with srRatio > 1 also the reduced
 * image and the interpolated v, plus the attention op's f32 state. The `[B, n, 2C]`
 * projection and the squares of the norms are freed when `vjp` returns.
 *
 * @example
 * ```ts
 * import { FocusedLinearAttention, requestDevice, Tensor } from "@flash-bla/flash-bla";
 * const device = await requestDevice();
 * using fla = new FocusedLinearAttention({ dim: 32, numPatches: 64, numHeads: 4, srRatio: 2, device });
 * using x = Tensor.fromArraySync(device, new Float32Array(64 * 32).fill(0.5), [1, 64, 32]);
 * using y = fla.forward(x, { height: 8, width: 8 });
 * console.log(y.shape); // [1, 64, 32]
 * ```
 */
export class FocusedLinearAttention extends FocusedLayer {
  /** Builds the layer with random parameters (or `stateDict`). */
  constructor(options: FocusedLinearAttentionOptions & LayerInit) {
    super("FocusedLinearAttention", resolveFocusedLinearAttention(options), options);
  }

  /** Per-token Euclidean norm over the channels: `[B, N, C]` → `[B, N, 1]`. */
  #norm(g: Graph, t: Tensor): Tensor {
    const squares = g.call(mul, [t, t], { da: t, db: t });
    const total = g.call(sum, [squares, { axis: -1 }], { dx: squares });
    return g.call(reluPower, [total, this.constant(g, 0.5)], { da: total });
  }

  /**
   * `focus((relu(t) + 1e-6) / s)` with `focus(u) = u^f / ‖u^f‖ · ‖u‖` (docs/math.md §6.3), evaluated
   * as `‖u‖ · û^f / ‖û^f‖` with `û = u / ‖u‖` (the same value: focus is homogeneous). With
   * every channel of a token negative, u ≈ 1e-6 and `‖u^f‖²` underflows f32, which would turn
   * the backward into NaN; `‖û^f‖ ≥ C^{-f/2}` does not.
   */
  #feature(g: Graph, t: Tensor, s: Tensor): Tensor {
    const r = g.call(relu, [t, { shift: 1e-6 }], { dx: t });
    const u = g.call(div, [r, s], { da: r, db: s });
    const n1 = this.#norm(g, u);
    const unit = g.call(div, [u, n1], { da: u, db: n1 });
    const powered = g.call(reluPower, [unit, this.constant(g, this.config.power)], { da: unit });
    const n2 = this.#norm(g, powered);
    const direction = g.call(div, [powered, n2], { da: powered, db: n2 });
    return g.call(mul, [direction, n1], { da: direction, db: n1 });
  }

  /** docs/math.md §6.3 on `g`. */
  protected graph(g: Graph, x: Tensor, hw: ImageForwardOptions): Tensor {
    const { heads, eps } = this.config;
    const s = this.divisor(g);
    const q = this.#feature(g, this.linear(g, "q", x), s);
    const [kRaw, v] = this.keysAndValues(g, x, hw);
    const k = this.#feature(g, kRaw, s);
    const [qh, kh, vh] = [q, k, v].map((t) => g.call(splitHeads, [t, heads], { dx: t }));
    const o = g.call(linearAttention, [qh, kh, vh, { eps }], { dq: qh, dk: kh, dv: vh });
    const merged = g.call(mergeHeads, [o], { dx: o });
    const conv = this.valueConv(g, v, hw);
    return this.linear(g, "proj", g.call(add, [merged, conv], { da: merged, db: conv }));
  }
}

/**
 * PolaFormer's polarity-aware linear attention (docs/math.md §6.4): `x [B, H·W, C]` → `[B, H·W, C]`,
 *
 * ```
 * [q | g] = qg(x);  k, v as in Focused;  q, k ← · / softplus(scale);  p = 1 + alpha·sigmoid(power)
 * per head: q± = relu(±q)^p, k± = relu(±k)^p,  K = [k⁺ ‖ k⁻]
 *   x_sim = LA([q⁺ ‖ q⁻], K, v[:⌈d/2⌉]),  x_opp = LA([q⁻ ‖ q⁺], K, v[⌈d/2⌉:])   (σ = 1/n, ε = 1e-6)
 * y = proj( (merge([x_sim ‖ x_opp]) + merge(dwc(v per head))) ⊙ g )
 * ```
 *
 * Parameters: `power` `[1, heads, 1, d]`, `scale`, `positional_encoding`, `qg.*`, `kv.*`,
 * `proj.*`, `sr.*`/`norm.*` (srRatio > 1), `dwc.*`.
 *
 * Backward memory ({@linkcode PolaLinearAttention.vjp}): only what the backward reads — q, g,
 * k (before and after the positional encoding) and v, the per-head q, k and their negations,
 * the `2d`-wide features `[q⁺ ‖ q⁻]`, `[q⁻ ‖ q⁺]`, `[k⁺ ‖ k⁻]`, both value halves and
 * attention outputs, the two summands, the gate product and the output: 22 tensors' worth of
 * `[B, N, C]`, plus the two attention calls' f32 states. The `[B, N, 2C]` projections, the
 * single-polarity powers and the unused `[k⁻ ‖ k⁺]` are freed when `vjp` returns.
 *
 * @example
 * ```ts
 * import { PolaLinearAttention, requestDevice, Tensor } from "@flash-bla/flash-bla";
 * const device = await requestDevice();
 * using pola = new PolaLinearAttention({ dim: 32, numPatches: 48, numHeads: 4, device });
 * using x = Tensor.fromArraySync(device, new Float32Array(48 * 32).fill(0.5), [1, 48, 32]);
 * using y = pola.forward(x, { height: 6, width: 8 });
 * console.log(y.shape); // [1, 48, 32]
 * ```
 */
export class PolaLinearAttention extends FocusedLayer {
  /** Builds the layer with random parameters (or `stateDict`). */
  constructor(options: PolaLinearAttentionOptions & LayerInit) {
    super("PolaLinearAttention", resolvePolaLinearAttention(options), options);
  }

  /** Per head `[relu(t)^p ‖ relu(−t)^p]` and `[relu(−t)^p ‖ relu(t)^p]` (docs/math.md §6.4). */
  #polarities(g: Graph, t: Tensor, p: Tensor): [Tensor, Tensor] {
    const neg = g.call(scale, [t, -1], { dx: t });
    const pos = g.call(reluPower, [t, p], { da: t, db: p });
    const negP = g.call(reluPower, [neg, p], { da: neg, db: p });
    return [g.callList(concatFeatures, [pos, negP]), g.callList(concatFeatures, [negP, pos])];
  }

  /** docs/math.md §6.4 on `g`. */
  protected graph(g: Graph, x: Tensor, hw: ImageForwardOptions): Tensor {
    const { dim: C, heads, headDim: d, eps, power: alpha } = this.config;
    const s = this.divisor(g);
    const qg = this.linear(g, "qg", x);
    const [qRaw, gate] = g.callMulti(splitFeatures, [qg, [C, C]], { dx: qg });
    const [kRaw, v] = this.keysAndValues(g, x, hw);
    const qs = g.call(div, [qRaw, s], { da: qRaw, db: s });
    const ks = g.call(div, [kRaw, s], { da: kRaw, db: s });
    const qh = g.call(splitHeads, [qs, heads], { dx: qs });
    const kh = g.call(splitHeads, [ks, heads], { dx: ks });
    const powerParam = this.param("power");
    const sig = g.call(sigmoid, [powerParam], { dx: powerParam });
    const sigA = g.call(scale, [sig, alpha], { dx: sig });
    const p = g.call(addScalar, [sigA, 1], { dx: sigA }); // [1, heads, 1, d]
    const [qSim, qOpp] = this.#polarities(g, qh, p);
    const [kFeat] = this.#polarities(g, kh, p);
    const vh = g.call(splitHeads, [v, heads], { dx: v });
    const d1 = Math.ceil(d / 2);
    const [v1, v2] = g.callMulti(splitFeatures, [vh, [d1, d - d1]], { dx: vh });
    const xSim = g.call(linearAttention, [qSim, kFeat, v1, { eps }], {
      dq: qSim,
      dk: kFeat,
      dv: v1,
    });
    const xOpp = g.call(linearAttention, [qOpp, kFeat, v2, { eps }], {
      dq: qOpp,
      dk: kFeat,
      dv: v2,
    });
    const both = g.callList(concatFeatures, [xSim, xOpp]);
    const merged = g.call(mergeHeads, [both], { dx: both });
    const conv = this.valueConv(g, v, hw);
    const summed = g.call(add, [merged, conv], { da: merged, db: conv });
    const gated = g.call(mul, [summed, gate], { da: summed, db: gate });
    return this.linear(g, "proj", gated);
  }
}
