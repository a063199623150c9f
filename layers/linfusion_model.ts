/**
 * `LinFusion`: the set of `GeneralizedLinearAttention` modules that replace a diffusion UNet's
 * self-attentions (docs/math.md §7), built from the original's `config.json` and
 * `diffusion_pytorch_model.safetensors`.
 * @module
 */
import type { DType } from "../ops/_runtime/mod.ts";
import type { SafetensorsFloatDType } from "../ops/safetensors.ts";
import {
  checkStateDict,
  type HostTensor,
  type StateDict,
  stateDictFromSafetensors,
  stateDictToSafetensors,
} from "./_params.ts";
import { GeneralizedLinearAttention } from "./linfusion.ts";

/** One entry of `modules_list` in LinFusion's config.json (names as in the file). */
export interface LinFusionModuleEntry {
  /** Dotted path of the attention inside the UNet, e.g. `down_blocks.0.attentions.0.transformer_blocks.0.attn1`. */
  module_name: string;
  /** Channels of the attention (query_dim = out_dim). */
  dim_n: number;
  /** Heads (dim_head = dim_n / heads). */
  heads: number;
  /** Hidden width of the to_q_/to_k_ MLPs; null = dim_n; -1 = Identity. */
  projection_mid_dim: number | null;
}

/** LinFusion's config.json: `{ "modules_list": [...] }` (other keys, e.g. `_class_name`, ignored). */
export interface LinFusionConfig {
  /** One entry per replaced attention, in checkpoint order (entry i owns keys `"{i}.*"`). */
  modules_list: LinFusionModuleEntry[];
}

/** Options of {@linkcode LinFusion}. */
export interface LinFusionOptions {
  /** Device holding the parameters. */
  device: GPUDevice;
  /** Storage dtype; default `"f32"`. */
  dtype?: DType;
  /** Flat state dict with keys `"{i}.to_q.weight"`, …; default: random (seeds 0, 1, …). */
  stateDict?: ReadonlyMap<string, HostTensor>;
}

function checkEntry(entry: unknown, i: number): LinFusionModuleEntry {
  const e = entry as LinFusionModuleEntry;
  const where = `config.modules_list[${i}]`;
  if (typeof e !== "object" || e === null || typeof e.module_name !== "string") {
    throw new TypeError(`${where} must be an object with a string module_name`);
  }
  for (const key of ["dim_n", "heads"] as const) {
    if (!Number.isInteger(e[key]) || e[key] < 1) {
      throw new RangeError(`${where}.${key} must be a positive integer, got ${String(e[key])}`);
    }
  }
  if (e.dim_n % e.heads !== 0) {
    // The original takes dim_head = dim_n // heads, then diffusers heads = dim_n // dim_head:
    // another head count than the config's, or a division by zero.
    throw new RangeError(
      `${where}: heads (${e.heads}) must divide dim_n (${e.dim_n}) (dim_head = dim_n / heads)`,
    );
  }
  const mid = e.projection_mid_dim ?? null;
  if (mid !== null && !Number.isInteger(mid)) {
    throw new TypeError(`${where}.projection_mid_dim must be an integer or null`);
  }
  return { module_name: e.module_name, dim_n: e.dim_n, heads: e.heads, projection_mid_dim: mid };
}

/**
 * LinFusion (docs/math.md §7): one {@linkcode GeneralizedLinearAttention} per `modules_list` entry,
 * built like the original (`queryDim = outDim = dim_n`, `dimHead = ⌊dim_n / heads⌋`), in
 * {@linkcode LinFusion.modules} keyed by the UNet module name, so that your own UNet runtime
 * can call `modules.get(name)!.forward(hiddenStates)` in place of that self-attention.
 * Checkpoint keys are `"{i}.<layer key>"` as in `diffusion_pytorch_model.safetensors`.
 *
 * @example
 * ```ts
 * import { LinFusion, requestDevice } from "@flash-bla/flash-bla";
 * const device = await requestDevice();
 * const config = { modules_list: [
 *   { module_name: "down_blocks.0.attentions.0.transformer_blocks.0.attn1", dim_n: 32, heads: 2, projection_mid_dim: null },
 * ] };
 * using model = new LinFusion(config, { device });
 * const attn = model.modules.get("down_blocks.0.attentions.0.transformer_blocks.0.attn1")!;
 * console.log(attn.config.heads); // 2
 * ```
 */
export class LinFusion {
  /** The parsed config (modules_list). */
  readonly config: LinFusionConfig;
  /** module_name → its attention layer, in config order. */
  readonly modules: Map<string, GeneralizedLinearAttention> = new Map();
  readonly #ordered: GeneralizedLinearAttention[] = [];

  /** Builds the modules of `config` (an object or config.json text). */
  constructor(config: LinFusionConfig | string, options: LinFusionOptions) {
    const parsed = typeof config === "string" ? parseConfig(config) : config;
    if (!Array.isArray(parsed?.modules_list)) {
      throw new TypeError("config must have a modules_list array (LinFusion's config.json)");
    }
    const entries = parsed.modules_list.map(checkEntry);
    this.config = { modules_list: entries };
    const perModule = options?.stateDict ? splitStateDict(options.stateDict, entries.length) : [];
    entries.forEach((e: LinFusionModuleEntry, i: number) => {
      if (this.modules.has(e.module_name)) {
        this.dispose();
        throw new TypeError(`config.modules_list has module_name "${e.module_name}" twice`);
      }
      try {
        const layer = new GeneralizedLinearAttention({
          queryDim: e.dim_n,
          outDim: e.dim_n,
          dimHead: Math.floor(e.dim_n / e.heads),
          projectionMidDim: e.projection_mid_dim,
          device: options.device,
          dtype: options.dtype,
          stateDict: perModule[i],
          seed: i,
        });
        this.modules.set(e.module_name, layer);
        this.#ordered.push(layer);
      } catch (err) {
        this.dispose();
        throw prefixed(err, `LinFusion module ${i} (${e.module_name})`);
      }
    });
  }

  /** Loads a flat `"{i}.<key>"` state dict into every module (all checked before any load). */
  loadStateDict(dict: ReadonlyMap<string, HostTensor>): void {
    const parts = splitStateDict(dict, this.#ordered.length);
    this.#ordered.forEach((layer, i) => {
      try {
        checkStateDict(parts[i], layer.specs, "GeneralizedLinearAttention");
      } catch (err) {
        throw prefixed(err, `LinFusion module ${i} (${this.config.modules_list[i].module_name})`);
      }
    });
    this.#ordered.forEach((layer, i) => layer.loadStateDict(parts[i]));
  }

  /** The flat state dict `"{i}.<key>"` of every module, read back as float32. */
  async stateDict(): Promise<StateDict> {
    const out: StateDict = new Map();
    for (const [i, layer] of this.#ordered.entries()) {
      for (const [k, t] of await layer.stateDict()) out.set(`${i}.${k}`, t);
    }
    return out;
  }

  /**
   * Loads a LinFusion checkpoint: the text of its `config.json` and the bytes of its
   * `diffusion_pytorch_model.safetensors` (F32, F16 or BF16).
   *
   * @example With a checkpoint downloaded to `LinFusion-1-5/` (not run as a doc test)
   * ```ts ignore
   * import { LinFusion, requestDevice } from "@flash-bla/flash-bla";
   * const device = await requestDevice();
   * const config = await Deno.readTextFile("LinFusion-1-5/config.json");
   * const weights = await Deno.readFile("LinFusion-1-5/diffusion_pytorch_model.safetensors");
   * using model = LinFusion.fromPretrained(config, weights, { device });
   * console.log([...model.modules.keys()].length); // 16 for Stable Diffusion 1.5
   * ```
   */
  static fromPretrained(
    configJson: string | LinFusionConfig,
    weights: Uint8Array,
    options: LinFusionOptions,
  ): LinFusion {
    return new LinFusion(configJson, { ...options, stateDict: stateDictFromSafetensors(weights) });
  }

  /** The weights as `diffusion_pytorch_model.safetensors` bytes (default F32). */
  async toSafetensors(dtype: SafetensorsFloatDType = "F32"): Promise<Uint8Array<ArrayBuffer>> {
    return stateDictToSafetensors(await this.stateDict(), dtype, { format: "pt" });
  }

  /** config.json text, as diffusers' `save_pretrained` writes it. */
  configJson(): string {
    return JSON.stringify({ _class_name: "LinFusion", ...this.config }, null, 2);
  }

  /** Frees every module's parameters. */
  dispose(): void {
    for (const layer of this.#ordered) layer.dispose();
  }

  /** `using model = ...` frees the parameters at the end of the scope. */
  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** Splits `"{i}.<key>"` entries into one state dict per module; other keys are an error. */
function splitStateDict(dict: ReadonlyMap<string, HostTensor>, modules: number): StateDict[] {
  if (!(dict instanceof Map)) throw new TypeError("LinFusion: state dict must be a Map");
  const parts: StateDict[] = Array.from({ length: modules }, () => new Map());
  const stray: string[] = [];
  for (const [key, t] of dict) {
    const m = /^(\d+)\.(.+)$/.exec(key);
    const i = m ? Number(m[1]) : -1;
    if (i >= 0 && i < modules) parts[i].set(m![2], t);
    else stray.push(key);
  }
  if (stray.length) {
    throw new TypeError(
      `LinFusion: unexpected keys (not "{i}.<name>" with i < ${modules}): ${stray.join(", ")}`,
    );
  }
  return parts;
}

function parseConfig(text: string): LinFusionConfig {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new TypeError(
      `config is not valid JSON (LinFusion's config.json): ${(e as Error).message}`,
    );
  }
}

function prefixed(err: unknown, where: string): unknown {
  if (err instanceof Error) err.message = `${where}: ${err.message}`;
  return err;
}
