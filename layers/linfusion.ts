/**
 * `GeneralizedLinearAttention`: LinFusion's replacement for a diffusers self-attention
 * (docs/math.md §6.1), on the GPU, with gradients.
 * @module
 */
import type { Tensor } from "../ops/_runtime/mod.ts";
import {
  add,
  eluPlusOne,
  layerNorm,
  leakyRelu,
  linear,
  mergeHeads,
  splitHeads,
} from "../ops/nn/mod.ts";
import { linearAttention } from "../ops/linear_attention/mod.ts";
import type { Graph } from "./_graph.ts";
import { Layer, type LayerInit, type LayerVjp } from "./_layer.ts";
import {
  type GeneralizedLinearAttentionConfig,
  type GeneralizedLinearAttentionOptions,
  resolveGeneralizedLinearAttention,
} from "./linfusion_config.ts";

export type { GeneralizedLinearAttentionOptions } from "./linfusion_config.ts";

/** Forward options of {@linkcode GeneralizedLinearAttention}. */
export interface GeneralizedLinearAttentionForward {
  /**
   * Keys and values come from these `[B, Lk, crossAttentionDim]` states (cross-attention,
   * any Lk; docs/math.md §11.8 fixed); default: the input itself (self-attention).
   */
  encoderHiddenStates?: Tensor;
}

/**
 * LinFusion's generalized linear attention (docs/math.md §6.1): `x [B, L, queryDim]` →
 * `[B, L, outDim]`,
 *
 * ```
 * Q = elu(to_q(X + to_q_(X))) + 1,  K = elu(to_k(E + to_k_(E))) + 1,  V = to_v(E)
 * Y = to_out.0( merge( LA(Q, K, V; σ = 1/Lk, ε = 1e-4) ) )
 * ```
 *
 * with `to_q_`/`to_k_` = Linear → LayerNorm → LeakyReLU → Linear (or Identity when
 * `projectionMidDim = -1`) and E the encoder states (default X). Parameters are named like
 * the diffusers state_dict (`to_q.weight`, `to_out.0.bias`, `to_q_.1.weight`, …).
 *
 * Backward memory ({@linkcode GeneralizedLinearAttention.vjp}): only what the backward reads —
 * per projection MLP its four activations and `X + P(X)`, Q and K before the feature map,
 * the per-head Q, K, V and attention output, the merged output, and the output: 18 tensors
 * of `[B, L, inner]` (the K path `[B, L_k, ·]`), plus the attention op's f32 state
 * `[B, heads, d, d]`. Other intermediates are freed when `vjp` returns.
 *
 * @example
 * ```ts
 * import { GeneralizedLinearAttention, requestDevice, Tensor } from "@flash-bla/flash-bla";
 * const device = await requestDevice();
 * using attn = new GeneralizedLinearAttention({ queryDim: 64, heads: 4, dimHead: 16, device });
 * using x = Tensor.fromArraySync(device, new Float32Array(2 * 100 * 64).fill(0.1), [2, 100, 64]);
 * using y = attn.forward(x);
 * console.log(y.shape); // [2, 100, 64]
 * ```
 */
export class GeneralizedLinearAttention extends Layer {
  /** Resolved dimensions (inner width, heads, head width, MLP width). */
  readonly config: GeneralizedLinearAttentionConfig;

  /** Builds the layer with random parameters (or `stateDict`); see the option docs. */
  constructor(options: GeneralizedLinearAttentionOptions & LayerInit) {
    const config = resolveGeneralizedLinearAttention(options);
    super("GeneralizedLinearAttention", config.specs, options);
    this.config = config;
  }

  /** The output `[B, L, outDim]` for `x [B, L, queryDim]`. */
  forward(x: Tensor, options: GeneralizedLinearAttentionForward = {}): Tensor {
    const [xc, e] = this.#check(x, options);
    return this.runForward((g) => this.#graph(g, xc, e));
  }

  /**
   * Forward plus pullback: `pullback(dy)` gives `dx`, `dEncoderHiddenStates` (when given) and
   * the gradient of every parameter, named like the state_dict.
   */
  vjp(x: Tensor, options: GeneralizedLinearAttentionForward = {}): LayerVjp {
    const [xc, e] = this.#check(x, options);
    return this.runVjp(xc, e, (g) => this.#graph(g, xc, e));
  }

  #check(x: Tensor, options: GeneralizedLinearAttentionForward): [Tensor, Tensor | undefined] {
    const c = this.config;
    const xc = this.checkInput(x, "x", null, c.queryDim);
    const given = options?.encoderHiddenStates;
    if (given === undefined) return [xc, undefined];
    const e = this.checkInput(given, "encoderHiddenStates", null, c.kvDim);
    if (e.shape[0] !== xc.shape[0]) {
      throw new RangeError(
        `encoderHiddenStates has batch ${e.shape[0]} but x has batch ${xc.shape[0]}`,
      );
    }
    return [xc, e];
  }

  /** `X + P(X)`: the projection MLP `prefix` (docs/math.md §6.1), or `2X` when it is Identity. */
  #projected(g: Graph, prefix: string, x: Tensor): Tensor {
    if (this.config.mid === null) return g.call(add, [x, x], { da: x, db: x });
    const p = (n: string) => this.param(`${prefix}.${n}`);
    const h1 = g.call(linear, [x, p("0.weight"), p("0.bias")], {
      dx: x,
      dweight: p("0.weight"),
      dbias: p("0.bias"),
    });
    const h2 = g.call(layerNorm, [h1, p("1.weight"), p("1.bias")], {
      dx: h1,
      dweight: p("1.weight"),
      dbias: p("1.bias"),
    });
    const h3 = g.call(leakyRelu, [h2], { dx: h2 });
    const h4 = g.call(linear, [h3, p("3.weight"), p("3.bias")], {
      dx: h3,
      dweight: p("3.weight"),
      dbias: p("3.bias"),
    });
    return g.call(add, [x, h4], { da: x, db: h4 });
  }

  #linear(g: Graph, name: string, x: Tensor): Tensor {
    const w = this.param(`${name}.weight`), b = this.optionalParam(`${name}.bias`);
    return g.call(linear, [x, w, b], { dx: x, dweight: w, dbias: b });
  }

  #graph(g: Graph, x: Tensor, encoder: Tensor | undefined): Tensor {
    const c = this.config, e = encoder ?? x;
    const heads = (t: Tensor) => g.call(splitHeads, [t, c.heads], { dx: t });
    const feature = (t: Tensor) => g.call(eluPlusOne, [t], { dx: t });
    const q = feature(this.#linear(g, "to_q", this.#projected(g, "to_q_", x)));
    const k = feature(this.#linear(g, "to_k", this.#projected(g, "to_k_", e)));
    const v = this.#linear(g, "to_v", e);
    const [qh, kh, vh] = [heads(q), heads(k), heads(v)];
    const o = g.call(linearAttention, [qh, kh, vh, { eps: c.eps }], { dq: qh, dk: kh, dv: vh });
    return this.#linear(g, "to_out.0", g.call(mergeHeads, [o], { dx: o }));
  }
}
