/**
 * The vjp shell of the naive (unfused) attention ops: they compute on `[B, H, T, D]` tensors,
 * and for `layout: "BTHD"` this wrapper transposes the inputs in, the output out, and the
 * upstream gradient and the gradients in the pullback; it also owns what the forward keeps.
 * @module
 */
import type { Tensor, Vjp } from "../_runtime/mod.ts";
import { transpose } from "../nn/elementwise.ts";
import { checkCotangent, checkLive, type Layout } from "../_attention_args.ts";

const BHTD_OF_BTHD = [0, 2, 1, 3]; // its own inverse

/** A forward on BHTD tensors: its output, the tensors its backward reads, and the backward. */
export interface BhtdRun<G extends Record<string, Tensor>> {
  /** Output `[B, H, T, D]`. */
  output: Tensor;
  /** Every tensor `backward` reads (inputs, output and intermediates). */
  saved: Tensor[];
  /** Gradients (BHTD) for a BHTD upstream gradient. */
  backward(dO: Tensor): G;
}

/**
 * Runs `forward` on `inputs` (already checked) in `layout` and returns the op's vjp. The
 * intermediates in `saved` are freed by `dispose()`; the caller's inputs and output never.
 */
export function naiveVjp<G extends Record<string, Tensor>>(
  op: string,
  layout: Layout,
  inputs: Record<string, Tensor>,
  forward: (bhtd: Tensor[]) => BhtdRun<G>,
): Vjp<Tensor, Tensor, G> {
  const bthd = layout === "BTHD";
  const given = Object.values(inputs);
  const toBhtd = (t: Tensor) => transpose(t, BHTD_OF_BTHD);
  const bhtd = bthd ? given.map(toBhtd) : given;
  const run = forward(bhtd);
  const output = bthd ? toBhtd(run.output) : run.output;
  // Transposed copies (inputs and output) the backward does not read can go now.
  if (bthd) { for (const t of [...bhtd, run.output]) if (!run.saved.includes(t)) t.destroy(); }
  const owned = run.saved.filter((t) => !given.includes(t) && t !== output);
  // In BHTD the backward reads the caller's tensors themselves: they must outlive it.
  const callers: Record<string, Tensor> = { ...inputs, output };
  const mustLive = bthd ? {} : Object.fromEntries(
    Object.entries(callers).filter(([, t]) => run.saved.includes(t)),
  );
  let disposed = false;
  const dispose = () => {
    if (!disposed) { for (const t of owned) t.destroy(); }
    disposed = true;
  };
  return {
    output,
    pullback(dO: Tensor): G {
      checkLive(op, disposed, mustLive);
      checkCotangent(op, "dO", dO, output);
      if (!bthd) return run.backward(dO);
      const dOb = toBhtd(dO);
      const g = run.backward(dOb);
      dOb.destroy();
      const grads = Object.fromEntries(Object.entries(g).map(([name, t]) => [name, toBhtd(t)]));
      for (const t of Object.values(g)) t.destroy();
      return grads as G;
    },
    dispose,
    [Symbol.dispose]: dispose,
  };
}
