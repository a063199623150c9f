/**
 * What SGD and Adam share: a named set of parameter tensors, f32 state per tensor, checks of
 * the gradients given to `step`, and one fused update kernel launched per parameter tensor.
 * @module
 */
import { checkFinite, checkTensor, deviceContext, launch, Tensor } from "../_runtime/mod.ts";
import {
  OPTIM_WORKGROUP,
  optimizerStorage,
  optimizerWgsl,
  optimParams,
  STATE_NAMES,
  type UpdateRule,
} from "../../shaders/optim/update.ts";

/** Named tensors: a `Map` (e.g. a layer's `parameters`) or a plain object. */
export type NamedTensors = ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>;

function entriesOf(tensors: NamedTensors, name: string): [string, Tensor][] {
  if (tensors instanceof Map) return [...tensors.entries()];
  if (tensors === null || typeof tensors !== "object") {
    throw new TypeError(`${name} must be a Map or an object of Tensors, got ${String(tensors)}`);
  }
  return Object.entries(tensors);
}

/** Throws a `RangeError` unless `value` is a finite number ≥ `lo`. */
export function checkAtLeast(value: unknown, lo: number, name: string): number {
  const v = checkFinite(value, name);
  if (v < lo) throw new RangeError(`${name} must be ≥ ${lo}, got ${v}`);
  return v;
}

/**
 * Base class of the optimizers. The parameter tensors are updated in place by
 * {@linkcode Optimizer.step}; the optimizer holds them (it does not own them) and owns its
 * f32 state tensors, freed by {@linkcode Optimizer.dispose}.
 */
export abstract class Optimizer {
  /** The device of the parameters. */
  readonly device: GPUDevice;
  readonly #rule: UpdateRule;
  readonly #params: Map<string, Tensor>;
  readonly #state = new Map<string, Record<string, Tensor>>();
  #lr = 0;
  #steps = 0;

  /** Subclasses pass the parameters, their update rule and the learning rate. */
  protected constructor(params: NamedTensors, rule: UpdateRule, lr: number) {
    const entries = entriesOf(params, "params");
    if (entries.length === 0) throw new TypeError("params must hold at least one tensor");
    const seen = new Set<Tensor>();
    for (const [name, t] of entries) {
      checkTensor(t, `params["${name}"]`);
      if (seen.has(t)) throw new TypeError(`params["${name}"] is a tensor listed twice`);
      seen.add(t);
      if (t.device !== entries[0][1].device) {
        throw new TypeError(
          `params["${name}"] is on another device than params["${entries[0][0]}"]`,
        );
      }
      const limit = deviceContext(t.device).maxBindingBytes;
      if (t.byteLength > limit) {
        throw new RangeError(
          `params["${name}"] ${t} is larger than the device's largest storage binding (${limit} bytes)`,
        );
      }
    }
    this.device = entries[0][1].device;
    this.#rule = rule;
    this.#params = new Map(entries);
    this.lr = lr;
  }

  /** The learning rate (settable between steps, e.g. for a schedule); finite, ≥ 0. */
  get lr(): number {
    return this.#lr;
  }

  set lr(value: number) {
    this.#lr = checkAtLeast(value, 0, "lr");
  }

  /** Number of steps taken. */
  get stepCount(): number {
    return this.#steps;
  }

  /** The parameter tensors, by name. */
  get parameters(): ReadonlyMap<string, Tensor> {
    return this.#params;
  }

  /**
   * The f32 state tensors of parameter `name`, keyed like PyTorch's `optimizer.state[p]`
   * (`momentum_buffer`; `exp_avg`, `exp_avg_sq`); empty before the first step.
   */
  state(name: string): Record<string, Tensor> {
    if (!this.#params.has(name)) throw new TypeError(`no parameter named "${name}"`);
    return { ...this.#state.get(name) };
  }

  /** Rule-specific uniforms of step `step` (1-based), without the element count `n`. */
  protected abstract uniforms(step: number): Record<string, number>;

  /**
   * Records one update of every parameter from `grads` (one gradient per parameter name, same
   * shape, dtype and device). Synchronous: the kernels run with the next submit. Throws before
   * recording anything when a gradient is missing, unexpected or mismatched.
   */
  step(grads: NamedTensors): void {
    const given = new Map(entriesOf(grads, "grads"));
    const missing = [...this.#params.keys()].filter((n) => !given.has(n));
    const unexpected = [...given.keys()].filter((n) => !this.#params.has(n));
    if (missing.length || unexpected.length) {
      throw new TypeError(
        `grads must hold one tensor per parameter: missing [${missing.join(", ")}], ` +
          `unexpected [${unexpected.join(", ")}]`,
      );
    }
    for (const [name, p] of this.#params) {
      checkTensor(p, `params["${name}"]`);
      const g = checkTensor(given.get(name), `grads["${name}"]`);
      if (g.device !== p.device || g.dtype !== p.dtype) {
        throw new TypeError(
          `grads["${name}"] must be a ${p.dtype} tensor on the parameter's device, got ${g}`,
        );
      }
      if (g.shape.join() !== p.shape.join()) {
        throw new RangeError(
          `grads["${name}"] has shape [${g.shape.join(", ")}], but the parameter has [${
            p.shape.join(", ")
          }]`,
        );
      }
    }
    const values = this.uniforms(++this.#steps);
    const rule = this.#rule;
    for (const [name, p] of this.#params) {
      const state = this.#stateOf(name, p);
      launch<string>(this.device, {
        name: "optim_update",
        constants: { rule, dtype: p.dtype },
        storage: optimizerStorage(rule, p.dtype),
        uniforms: optimParams[rule],
        wgsl: () => optimizerWgsl(rule, p.dtype),
      }, {
        storage: { param: p, grad: given.get(name)!, ...state },
        uniforms: { ...values, n: p.size },
        groups: Math.ceil(p.size / OPTIM_WORKGROUP),
      });
    }
  }

  #stateOf(name: string, p: Tensor): Record<string, Tensor> {
    let state = this.#state.get(name);
    if (!state) {
      state = Object.fromEntries(STATE_NAMES[this.#rule].map((s) => [
        s,
        Tensor.fromArraySync(p.device, new Float32Array(p.size), p.shape, "f32"),
      ]));
      this.#state.set(name, state);
    }
    return state;
  }

  /** Frees the state tensors (the parameters stay the caller's). */
  dispose(): void {
    for (const state of this.#state.values()) for (const t of Object.values(state)) t.destroy();
    this.#state.clear();
  }

  /** `using opt = ...` frees the state at the end of the scope. */
  [Symbol.dispose](): void {
    this.dispose();
  }
}
