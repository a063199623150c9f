/**
 * A small reverse-mode tape over the ops' `vjp`s, so that each layer writes its forward once
 * and gets both an inference path and a backward:
 *
 * - inference (`new Graph(false)`): every op runs plainly; intermediates are freed at the end.
 * - training (`new Graph(true)`): every op runs through its `vjp`; {@linkcode Graph.backward}
 *   calls the pullbacks in reverse order and sums gradients that reach one tensor twice.
 *
 * After the forward of a training graph, {@linkcode Graph.trimForBackward} frees every
 * intermediate that no pullback reads (layers/_saved.ts says which tensors each op's
 * backward reads); the rest, and whatever each op's vjp keeps itself, live until
 * {@linkcode Graph.release}.
 * @module
 */
import { Tensor, type Vjp } from "../ops/_runtime/mod.ts";
import { add } from "../ops/nn/mod.ts";
import { savedTensors } from "./_saved.ts";

/** An op usable in a graph: a plain call and a `vjp` with the same arguments. */
export interface DifferentiableOp<A extends unknown[], G extends object> {
  /** The forward. */
  (...args: A): Tensor;
  /** The forward and its pullback. */
  vjp(...args: A): Vjp<Tensor, Tensor, G>;
}

/** An op with several outputs (e.g. a feature split). */
export interface MultiOutputOp<A extends unknown[], G extends object> {
  /** The forward. */
  (...args: A): Tensor[];
  /** The forward and its pullback (one upstream gradient per output). */
  vjp(...args: A): Vjp<Tensor[], Tensor[], G>;
}

/** An op with a list of inputs (e.g. a concat). */
export interface ListInputOp {
  /** The forward. */
  (xs: readonly Tensor[]): Tensor;
  /** The forward and its pullback (one gradient per input). */
  vjp(xs: readonly Tensor[]): Vjp<Tensor, Tensor, { dxs: Tensor[] }>;
}

interface Node {
  outputs: Tensor[];
  /** The tensors the pullback reads. */
  saved: Set<Tensor>;
  /** Gradients of the outputs → every tensor the pullback made, and which input each feeds. */
  pullback(dys: Tensor[]): { made: Tensor[]; flows: [Tensor, Tensor][] };
  dispose(): void;
}

/** Which input each pullback key (`dx`, `dweight`, …) is the gradient of. */
export type Routes<G> = { [K in keyof G]?: Tensor };

/** Records a layer's forward, for inference or for a backward. */
export class Graph {
  /** Whether ops are recorded for a backward. */
  readonly training: boolean;
  #nodes: Node[] = [];
  #owned: Tensor[] = [];

  /** `training`: record the ops' vjps for {@linkcode Graph.backward}. */
  constructor(training: boolean) {
    this.training = training;
  }

  /**
   * Runs `op(...args)`. `grads` maps the op's pullback keys (e.g. `dx`, `dweight`) to the
   * tensors they are gradients of; leave out inputs that need no gradient.
   */
  call<A extends unknown[], G extends object>(
    op: DifferentiableOp<A, G>,
    args: A,
    grads: Routes<G> = {},
  ): Tensor {
    if (!this.training) return this.#own(op(...args));
    const vjp = op.vjp(...args);
    this.#record(op, args, [vjp.output], vjp, (dys) => routed(vjp.pullback(dys[0]), grads));
    return this.#own(vjp.output);
  }

  /** Runs a several-output op (see {@linkcode Graph.call}). */
  callMulti<A extends unknown[], G extends object>(
    op: MultiOutputOp<A, G>,
    args: A,
    grads: Routes<G> = {},
  ): Tensor[] {
    if (!this.training) return op(...args).map((t) => this.#own(t));
    const vjp = op.vjp(...args);
    this.#record(op, args, vjp.output, vjp, (dys) => routed(vjp.pullback(dys), grads));
    return vjp.output.map((t) => this.#own(t));
  }

  /** Runs a list-input op; every input gets a gradient. */
  callList(op: ListInputOp, xs: readonly Tensor[]): Tensor {
    if (!this.training) return this.#own(op(xs));
    const vjp = op.vjp(xs);
    this.#record(op, [xs], [vjp.output], vjp, (dys) => {
      const { dxs } = vjp.pullback(dys[0]);
      return { made: dxs, flows: xs.map((x, i) => [x, dxs[i]] as [Tensor, Tensor]) };
    });
    return this.#own(vjp.output);
  }

  #record(
    op: object,
    args: readonly unknown[],
    outputs: Tensor[],
    vjp: { dispose(): void },
    pullback: Node["pullback"],
  ): void {
    const saved = savedTensors(op, args, outputs);
    this.#nodes.push({ outputs, saved, pullback, dispose: () => vjp.dispose() });
  }

  /**
   * Frees every intermediate (tensor made by the graph) that no recorded pullback reads,
   * except `keep` (the output). Call it once the forward is recorded.
   */
  trimForBackward(keep: Tensor): void {
    const needed = new Set<Tensor>([keep]);
    for (const node of this.#nodes) for (const t of node.saved) needed.add(t);
    this.#owned = this.#owned.filter((t) => {
      if (needed.has(t)) return true;
      t.destroy();
      return false;
    });
  }

  /** Adopts a tensor the layer made itself (a constant), so that release() frees it. */
  adopt(t: Tensor): Tensor {
    return this.#own(t);
  }

  #own(t: Tensor): Tensor {
    this.#owned.push(t);
    return t;
  }

  /**
   * Throws a `TypeError` when a tensor some pullback reads was destroyed, naming it by `names`
   * (the layer's input, output and parameters); call it before {@linkcode Graph.backward} so
   * that nothing is recorded on a freed buffer.
   */
  checkSavedAlive(names: ReadonlyMap<Tensor, string>): void {
    for (const node of this.#nodes) {
      for (const t of node.saved) {
        if (t.destroyed) {
          throw new TypeError(
            `${names.get(t) ?? "an intermediate tensor"} was destroyed before the backward`,
          );
        }
      }
    }
  }

  /**
   * Gradients of `leaves` for the upstream gradient `dy` of `output`: one new tensor per leaf
   * that `output` depends on (absent otherwise). Can be called more than once.
   */
  backward(output: Tensor, dy: Tensor, leaves: readonly Tensor[]): Map<Tensor, Tensor> {
    if (!this.training) throw new TypeError("backward() needs a graph built with training = true");
    // Gradients of intermediates are freed at the end, not eagerly: a pullback may return
    // its upstream gradient itself, and buffers are only released at the next submit anyway.
    const grads = new Map<Tensor, Tensor>([[output, dy]]);
    const created = new Set<Tensor>();
    for (let i = this.#nodes.length - 1; i >= 0; i--) {
      const node = this.#nodes[i];
      if (!node.outputs.some((t) => grads.has(t))) continue;
      const dys = node.outputs.map((t) => {
        const g = grads.get(t);
        if (g) return g;
        const zeros = zerosLike(t);
        created.add(zeros);
        return zeros;
      });
      const { made, flows } = node.pullback(dys);
      for (const t of made) created.add(t);
      for (const [t, g] of flows) {
        const prev = grads.get(t);
        const total = prev ? add(prev, g) : g;
        created.add(total);
        grads.set(t, total);
      }
    }
    const out = new Map<Tensor, Tensor>();
    for (const leaf of leaves) {
      const g = grads.get(leaf);
      if (g) out.set(leaf, g);
    }
    const returned = new Set(out.values());
    for (const t of created) if (!returned.has(t) && t !== dy) t.destroy();
    return out;
  }

  /** Frees every intermediate and everything the vjps kept, except `keep` (the output). */
  release(keep?: Tensor): void {
    for (const node of this.#nodes) node.dispose();
    for (const t of this.#owned) if (t !== keep) t.destroy();
    this.#nodes = [];
    this.#owned = [];
  }
}

/** The pullback's tensors, and the (input, gradient) pairs `grads` asks for. */
function routed<G extends object>(grads: G, routes: Routes<G>) {
  const result = grads as Record<string, Tensor | undefined>;
  const made = Object.values(result).filter((t): t is Tensor => t !== undefined);
  const flows = Object.entries(routes as Record<string, Tensor | undefined>)
    .filter((e): e is [string, Tensor] => e[1] !== undefined && result[e[0]] !== undefined)
    .map(([key, t]) => [t, result[key]!] as [Tensor, Tensor]);
  return { made, flows };
}

/** A zero tensor shaped like `t`. */
export function zerosLike(t: Tensor): Tensor {
  return Tensor.fromArraySync(t.device, new Float32Array(t.size), t.shape, t.dtype);
}
