/**
 * What every paper layer shares: parameters held as GPU tensors named like the PyTorch
 * state_dict, loading and saving them, and `forward`/`vjp` built from one graph function.
 * @module
 */
import {
  bufferBytes,
  checkBufferBytes,
  checkTensor,
  type DType,
  Tensor,
  type Vjp,
} from "../ops/_runtime/mod.ts";
import {
  checkStateDict,
  type HostTensor,
  type ParamSpec,
  randomParameters,
  type StateDict,
  stateDictFromSafetensors,
  stateDictToSafetensors,
} from "./_params.ts";
import type { SafetensorsFloatDType } from "../ops/safetensors.ts";
import { Graph, zerosLike } from "./_graph.ts";

/** Options every layer constructor takes besides its own. */
export interface LayerInit {
  /** The device holding the parameters. */
  device: GPUDevice;
  /** Storage dtype of parameters and activations; default `"f32"`. */
  dtype?: DType;
  /** Initial parameters; default: {@linkcode randomParameters} with `seed`. */
  stateDict?: ReadonlyMap<string, HostTensor>;
  /** Seed of the random init when no `stateDict` is given; default 0. */
  seed?: number;
}

/** Forward options of the image layers: the token grid (H·W must equal the token count). */
export interface ImageForwardOptions {
  /** Rows of the token grid. */
  height: number;
  /** Columns of the token grid (token `r·width + c`). */
  width: number;
}

/** Gradients of a layer: its input(s) and every parameter, named like the state_dict. */
export interface LayerGrads {
  /** Gradient of the input `x`. */
  dx: Tensor;
  /** Gradient of `encoderHiddenStates`, when it was given (LinFusion cross-attention). */
  dEncoderHiddenStates?: Tensor;
  /** Gradient of every trainable parameter (buffers such as `rope.rotations` excluded). */
  parameters: Map<string, Tensor>;
}

/** The differentiated forward of a layer. */
export type LayerVjp = Vjp<Tensor, Tensor, LayerGrads>;

/** Base class: parameters, state dicts, and forward/vjp from {@linkcode Layer.graph}. */
export abstract class Layer {
  /** The device holding the parameters. */
  readonly device: GPUDevice;
  /** Storage dtype. */
  readonly dtype: DType;
  /** Parameters and buffers as tensors, keyed exactly like the PyTorch state_dict. */
  readonly parameters: Map<string, Tensor> = new Map();
  readonly #specs: readonly ParamSpec[];
  readonly #name: string;

  /** Layers call this with their name (for messages), state_dict specs and init options. */
  protected constructor(name: string, specs: readonly ParamSpec[], init: LayerInit) {
    this.#name = name;
    this.#specs = specs;
    if (typeof init?.device?.createBuffer !== "function") {
      throw new TypeError(`${name}: options.device must be a GPUDevice`);
    }
    this.device = init.device;
    this.dtype = init.dtype ?? "f32";
    if (this.dtype !== "f32" && this.dtype !== "f16") {
      throw new TypeError(
        `${name}: options.dtype must be "f32" or "f16", got ${String(init.dtype)}`,
      );
    }
    const seed = init.seed ?? 0;
    if (!Number.isSafeInteger(seed)) {
      throw new TypeError(`${name}: options.seed must be an integer, got ${JSON.stringify(seed)}`);
    }
    // Before any host array of that size is built by the random init.
    for (const s of specs) {
      checkBufferBytes(
        this.device,
        bufferBytes(s.shape, this.dtype),
        `${name}: parameter "${s.name}" [${s.shape.join(", ")}]`,
      );
    }
    this.loadStateDict(init.stateDict ?? randomParameters(specs, seed));
  }

  /** The state_dict entries of this layer (names, shapes, init roles), in the original's order. */
  get specs(): readonly ParamSpec[] {
    return this.#specs;
  }

  /**
   * Replaces every parameter with the values of `dict` (converted to the layer's dtype).
   * Throws a `TypeError` listing missing and unexpected keys, or a `RangeError` naming a
   * wrong shape; on error the layer is unchanged.
   */
  loadStateDict(dict: ReadonlyMap<string, HostTensor>): void {
    checkStateDict(dict, this.#specs, this.#name);
    const fresh = this.#specs.map((s) =>
      [
        s.name,
        Tensor.fromArraySync(this.device, dict.get(s.name)!.data, s.shape, this.dtype),
      ] as const
    );
    for (const t of this.parameters.values()) t.destroy();
    for (const [name, t] of fresh) this.parameters.set(name, t);
  }

  /**
   * Builds a layer from safetensors bytes (a PyTorch `save_file(layer.state_dict())`), F32, F16
   * or BF16, converted to the layer's dtype; keys and shapes are checked as in
   * {@linkcode Layer.loadStateDict}.
   *
   * @example
   * ```ts
   * import { GeneralizedLinearAttention, requestDevice } from "@flash-bla/flash-bla";
   * const device = await requestDevice();
   * using a = new GeneralizedLinearAttention({ queryDim: 16, heads: 2, dimHead: 8, device });
   * const bytes = await a.toSafetensors();
   * using b = GeneralizedLinearAttention.fromSafetensors(bytes, { queryDim: 16, heads: 2, dimHead: 8, device });
   * ```
   */
  static fromSafetensors<T extends Layer, O extends LayerInit>(
    this: new (options: O) => T,
    bytes: Uint8Array,
    options: O,
  ): T {
    return new this({ ...options, stateDict: stateDictFromSafetensors(bytes) });
  }

  /** The parameters as safetensors bytes (default F32), keyed like the PyTorch state_dict. */
  async toSafetensors(dtype: SafetensorsFloatDType = "F32"): Promise<Uint8Array<ArrayBuffer>> {
    return stateDictToSafetensors(await this.stateDict(), dtype);
  }

  /** Reads every parameter back (float32 values, PyTorch names and shapes). */
  async stateDict(): Promise<StateDict> {
    this.#checkNotDisposed();
    const out: StateDict = new Map();
    for (const s of this.#specs) {
      out.set(s.name, { shape: [...s.shape], data: await this.parameters.get(s.name)!.read() });
    }
    return out;
  }

  /**
   * The trainable parameters by state_dict key: every entry except buffers such as
   * `rope.rotations`. The same names as the gradients of `vjp(...).pullback(dy).parameters`,
   * so it is what an optimizer takes (`new Adam(layer.trainableParameters())`). The tensors
   * are the layer's own; {@linkcode Layer.loadStateDict} replaces them.
   */
  trainableParameters(): Map<string, Tensor> {
    return new Map(this.#trainableNames().map((n) => [n, this.parameters.get(n)!]));
  }

  #trainableNames(): string[] {
    return this.#specs.filter((s) => s.role !== "rotations").map((s) => s.name);
  }

  /** The parameter tensor `name` (a state_dict key). */
  protected param(name: string): Tensor {
    return this.parameters.get(name)!;
  }

  /** Parameter `name`, or undefined when the layer was built without it (optional biases). */
  protected optionalParam(name: string): Tensor | undefined {
    return this.parameters.get(name);
  }

  /** Checks that `x` is a `[B, tokens, channels]` tensor of this layer's device and dtype. */
  protected checkInput(x: unknown, name: string, tokens: number | null, channels: number): Tensor {
    this.#checkNotDisposed();
    const t = checkTensor(x, name);
    if (t.device !== this.device) {
      throw new TypeError(`${name} is on another device than the layer`);
    }
    if (t.dtype !== this.dtype) {
      throw new TypeError(`${name} has dtype ${t.dtype} but the layer is ${this.dtype}`);
    }
    const ok = t.shape.length === 3 && (tokens === null || t.shape[1] === tokens) &&
      t.shape[2] === channels && t.shape[0] > 0 && t.shape[1] > 0;
    if (!ok) {
      throw new RangeError(
        `${name} must have shape [B, ${tokens ?? "tokens"}, ${channels}], got [${
          t.shape.join(", ")
        }]`,
      );
    }
    return t;
  }

  #checkNotDisposed(): void {
    if (this.parameters.size === 0) {
      throw new TypeError(
        `${this.#name} was disposed (its parameters are freed); load a state dict or build a ` +
          `new layer`,
      );
    }
  }

  /** Frees every parameter tensor. */
  dispose(): void {
    for (const t of this.parameters.values()) t.destroy();
    this.parameters.clear();
  }

  /** `using layer = ...` frees the parameters at the end of the scope. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Runs the forward on `graph` after the caller checked the inputs; returns the output. */
  protected runForward(build: (g: Graph) => Tensor): Tensor {
    const g = new Graph(false);
    try {
      const y = build(g);
      g.release(y);
      return y;
    } catch (e) {
      g.release();
      throw e;
    }
  }

  /** Runs the forward on a training graph and wraps its backward as a {@linkcode LayerVjp}. */
  protected runVjp(x: Tensor, encoder: Tensor | undefined, build: (g: Graph) => Tensor): LayerVjp {
    const g = new Graph(true);
    let output: Tensor;
    try {
      output = build(g);
    } catch (e) {
      g.release();
      throw e;
    }
    g.trimForBackward(output);
    const trainable = this.#trainableNames();
    const names = new Map<Tensor, string>([
      [x, "x"],
      [output, "the output"],
      ...[...this.parameters].map(([n, t]) =>
        [t, `parameter "${n}" (freed by dispose() or loadStateDict())`] as const
      ),
    ]);
    if (encoder) names.set(encoder, "encoderHiddenStates");
    let released = false;
    const dispose = () => {
      if (!released) g.release(output);
      released = true;
    };
    return {
      output,
      pullback: (dy: Tensor): LayerGrads => {
        if (released) throw new TypeError(`${this.#name}: pullback called after dispose()`);
        checkTensor(dy, "dy");
        if (dy.dtype !== output.dtype || dy.shape.join() !== output.shape.join()) {
          throw new RangeError(
            `dy must be ${output.dtype} [${output.shape.join(", ")}], got ${dy.dtype} [${
              dy.shape.join(", ")
            }]`,
          );
        }
        g.checkSavedAlive(names);
        const params = trainable.map((n) => this.parameters.get(n)!);
        const leaves = encoder ? [x, encoder, ...params] : [x, ...params];
        const grads = g.backward(output, dy, leaves);
        const get = (t: Tensor) => grads.get(t) ?? zerosLike(t);
        return {
          dx: get(x),
          ...(encoder ? { dEncoderHiddenStates: get(encoder) } : {}),
          parameters: new Map(trainable.map((n, i) => [n, get(params[i])])),
        };
      },
      dispose,
      [Symbol.dispose]: dispose,
    };
  }
}
