/**
 * The fixed list of shapes whose kernels the WGSL snapshots keep: every public op, forward and
 * backward, in each dtype and layout, at sizes that reach each tile variant the launchers
 * pick. {@linkcode captureKernels} runs it and returns the WGSL of every kernel launched,
 * by kernel name and variant key. Nothing is compiled or run: only the WGSL text matters here
 * (the op tests run every kernel).
 */
import {
  type DType,
  flush,
  type Kernel,
  kernelWgsl,
  onLaunch,
  subgroupSize,
  Tensor,
  type Vjp,
} from "../../ops/_runtime/mod.ts";
import * as nn from "../../ops/nn/mod.ts";
import {
  decoupledLinearAttention,
  linearAttention,
  naiveDecoupledLinearAttention,
  naiveLinearAttention,
  simpleLinearAttention,
  type SimpleLinearAttentionResult,
  varlenLinearAttention,
} from "../../ops/linear_attention/mod.ts";
import { scaledDotProductAttention } from "../../ops/sdpa/mod.ts";
import {
  piecewiseSparseAttention,
  piecewiseSparseAttentionWith,
} from "../../ops/piecewise_attention/mod.ts";
import { pisaTiles } from "../../shaders/piecewise_attention/tiles.ts";
import { Adam, AdamW, mseLoss, SGD } from "../../ops/optim/mod.ts";
import {
  FocusedLinearAttention,
  GeneralizedLinearAttention,
  MambaLikeLinearAttention,
  PolaLinearAttention,
  RALALinearAttention,
} from "../../layers/mod.ts";
import { randn, rng } from "../_helpers.ts";

/** WGSL by kernel name, then by variant key (see {@linkcode variantKey}). */
export type Captured = Map<string, Map<string, string>>;

/** A kernel's compile-time constants as a file-name-safe key, e.g. `dtype=f16,lanes=16`. */
export function variantKey(constants: Kernel["constants"]): string {
  const key = Object.entries(constants).map(([k, v]) => `${k}=${v}`).join(",");
  return key === "" ? "default" : key.replace(/[^A-Za-z0-9=,._-]/g, "_");
}

/** Runs the catalogue on `device` and returns the WGSL of every kernel it launched. */
export async function captureKernels(device: GPUDevice): Promise<Captured> {
  const captured: Captured = new Map();
  onLaunch((kernel) => {
    let variants = captured.get(kernel.name);
    if (!variants) captured.set(kernel.name, variants = new Map());
    const key = variantKey(kernel.constants);
    if (!variants.has(key)) variants.set(key, kernelWgsl(kernel));
  }, { dispatch: false });
  try {
    for (const dtype of dtypesOf(device)) runCatalogue(new Catalogue(device, dtype));
    await flush(device);
  } finally {
    onLaunch(undefined);
  }
  return captured;
}

function dtypesOf(device: GPUDevice): DType[] {
  return device.features.has("shader-f16") ? ["f32", "f16"] : ["f32"];
}

/** Tensor factory and vjp driver that frees what it made. */
class Catalogue {
  readonly #made: { destroy(): void }[] = [];
  readonly #random = rng(1);
  constructor(readonly device: GPUDevice, readonly dtype: DType) {}

  /** A random tensor of `shape` (values in (0.5, 1.5): positive, as feature maps need). */
  tensor(shape: number[], dtype: DType = this.dtype): Tensor {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = randn(n, this.#random).map((x) => 1 + 0.1 * Math.tanh(x));
    return this.keep(Tensor.fromArraySync(this.device, data, shape, dtype));
  }

  keep<T extends { destroy(): void } | { dispose(): void }>(t: T): T {
    this.#made.push("destroy" in t ? t : { destroy: () => t.dispose() });
    return t;
  }

  /** Runs a vjp and its pullback with a random cotangent of the output's shape. */
  grad<G>(vjp: Vjp<Tensor, Tensor, G>): void {
    this.keep(vjp.output);
    const grads = vjp.pullback(this.tensor([...vjp.output.shape], vjp.output.dtype));
    for (const g of Object.values(grads as Record<string, unknown>)) {
      if (g instanceof Tensor) this.keep(g);
    }
    (vjp as { dispose?: () => void }).dispose?.();
  }

  free(): void {
    for (const t of this.#made.splice(0)) t.destroy();
  }
}

function runCatalogue(c: Catalogue): void {
  for (const step of [nnOps, linearAttentionOps, sdpaOps, pisaOps, optimizers, layers]) {
    step(c);
    c.free();
  }
}

function nnOps(c: Catalogue): void {
  const x = c.tensor([2, 6, 8]), y = c.tensor([2, 6, 8]), row = c.tensor([1, 1, 8]);
  for (const f of [nn.elu, nn.eluPlusOne, nn.relu, nn.leakyRelu, nn.softplus, nn.sigmoid]) {
    c.grad(f.vjp(x));
  }
  for (const f of [nn.add, nn.mul, nn.div, nn.reluPower]) {
    c.grad(f.vjp(x, y));
    c.grad(f.vjp(x, row)); // broadcast: the backward reduces
  }
  c.grad(nn.scale.vjp(x, 2));
  c.grad(nn.addScalar.vjp(x, 2));
  c.grad(nn.transpose.vjp(x, [1, 0, 2]));
  c.keep(nn.broadcastTo(row, [1, 1, 8], [2, 6, 8]));
  c.grad(nn.sum.vjp(x));
  c.grad(nn.sum.vjp(x, { axis: 1 }));
  c.grad(nn.mean.vjp(x, { axis: [0, 1] }));
  c.grad(nn.softmax.vjp(x));
  c.grad(nn.interpolateTokens.vjp(x, 9));
  c.grad(nn.layerNorm.vjp(x, c.tensor([8]), c.tensor([8])));
  c.grad(nn.splitHeads.vjp(x, 2));
  c.grad(nn.mergeHeads.vjp(c.tensor([2, 2, 6, 4])));
  const split = nn.splitFeatures.vjp(x, [3, 5]);
  split.output.forEach((t) => c.keep(t));
  c.keep(split.pullback(split.output).dx);
  const concat = nn.concatFeatures.vjp([x, y]);
  c.keep(concat.output);
  concat.pullback(c.tensor([2, 6, 16])).dxs.forEach((t) => c.keep(t));
  c.grad(nn.matmul.vjp(x, c.tensor([2, 8, 5])));
  c.grad(nn.matmul.vjp(x, c.tensor([2, 5, 8]), { transposeB: true }));
  c.grad(nn.matmul.vjp(c.tensor([2, 8, 6]), c.tensor([2, 8, 5]), { transposeA: true }));
  c.grad(nn.linear.vjp(x, c.tensor([5, 8]), c.tensor([5])));
  c.grad(nn.linear.vjp(c.tensor([2, 70, 40]), c.tensor([33, 40])));
  const image = { height: 3, width: 4 };
  c.grad(
    nn.depthwiseConv2d.vjp(c.tensor([2, 12, 8]), c.tensor([8, 1, 3, 3]), c.tensor([8]), image),
  );
  const rotations = c.keep(nn.rope2dRotations(c.device, 3, 4, 8, c.dtype));
  c.grad(nn.rope2d.vjp(c.tensor([2, 12, 8]), rotations));
  for (const [height, width] of [[4, 4], [5, 3]]) { // 5 × 3: the backward zero-fills dx
    const x = c.tensor([2, height * width, 8]), w = c.tensor([8, 8, 2, 2]), b = c.tensor([8]);
    c.grad(nn.spatialReductionConv.vjp(x, w, b, { height, width, ratio: 2 }));
  }
}

function linearAttentionOps(c: Catalogue): void {
  for (
    const [layout, dk, dv] of [["BHTD", 17, 33], ["BTHD", 64, 64], ["BHTD", 100, 130]] as const
  ) {
    const shape = (d: number) => layout === "BHTD" ? [2, 3, 70, d] : [2, 70, 3, d];
    const q = c.tensor(shape(dk)), k = c.tensor(shape(dk)), v = c.tensor(shape(dv));
    c.grad(linearAttention.vjp(q, k, v, { layout }));
    c.grad(naiveLinearAttention.vjp(q, k, v, { layout }));
    const simple = simpleLinearAttention.vjp(q, k, v, { layout, returnState: true });
    const { output, state } = simple.output as SimpleLinearAttentionResult;
    c.keep(output);
    c.keep(state);
    const sg = simple.pullback({
      output: c.tensor(shape(dv)),
      state: c.tensor([...state.shape], "f32"),
    });
    for (const g of Object.values(sg)) if (g instanceof Tensor) c.keep(g);
    simple.dispose?.();
    c.grad(decoupledLinearAttention.vjp(q, k, q, k, v, { layout }));
    c.grad(naiveDecoupledLinearAttention.vjp(q, k, q, k, v, { layout }));
    // f16 staging (f16 storage; the same kernels as the default for f32 storage).
    const f16Staging = { layout, tiling: { f16Staging: true, state: { f16Staging: true } } };
    c.grad(linearAttention.vjp(q, k, v, f16Staging));
    // Without returnState the output is one tensor.
    c.grad(simpleLinearAttention.vjp(q, k, v, f16Staging) as Vjp<Tensor, Tensor, unknown>);
    // The state loaded and the outputs stored one float at a time, the FMA loop not unrolled,
    // 8 × 8 state tiles, Sᵀ transposed while staged.
    const scalar = {
      vecStateLoads: false,
      vecStores: false,
      unroll: 2,
      state: { fillBelow: 0, rowsPerThread: 8, colsPerThread: 8 },
      transposedState: false,
    };
    c.grad(linearAttention.vjp(q, k, v, { layout, tiling: scalar }));
  }
  // State passes of two chunks: their partials summed by the reduce kernels.
  const long = c.tensor([1, 1, 1000, 64]);
  c.grad(linearAttention.vjp(long, long, long));
  c.keep(simpleLinearAttention(long, long, long) as Tensor);
  const cu = new Int32Array([0, 5, 75, 100]);
  const x = c.tensor([100, 3, 24]);
  c.grad(varlenLinearAttention.vjp(x, x, x, cu));
  c.grad(varlenLinearAttention.vjp(x, x, x, cu, { scale: 0.5 }));
}

function sdpaOps(c: Catalogue): void {
  for (
    const [layout, dk, dv] of [["BHTD", 17, 33], ["BTHD", 64, 64], ["BHTD", 128, 128], [
      "BHTD",
      256,
      60,
    ]] as const
  ) {
    const shape = (t: number, d: number) => layout === "BHTD" ? [1, 2, t, d] : [1, t, 2, d];
    c.grad(
      scaledDotProductAttention.vjp(
        c.tensor(shape(40, dk)),
        c.tensor(shape(37, dk)),
        c.tensor(shape(37, dv)),
        { layout },
      ),
    );
  }
}

function pisaOps(c: Catalogue): void {
  for (
    const [layout, d, useBias] of [["BHTD", 17, false], ["BTHD", 64, true], [
      "BHTD",
      128,
      true,
    ]] as const
  ) {
    const shape = layout === "BHTD" ? [1, 2, 100, d] : [1, 100, 2, d];
    const q = c.tensor(shape), k = c.tensor(shape), v = c.tensor(shape);
    c.grad(piecewiseSparseAttention.vjp(q, k, v, { layout, useBias, density: 0.5, blockSize: 16 }));
  }
  // The opt-in tiling fields: the forward and dq with the pseudo-key tiles prefetched, dk/dv's
  // two passes in one dispatch.
  const shape = [1, 100, 2, 64], size = subgroupSize(c.device);
  const optIn = (kind: "fwd" | "dq" | "dkdv", field: "prefetchPseudo" | "fusedCols") => ({
    ...pisaTiles(kind, 16, 64, 64, c.device.limits, size).tiles,
    [field]: true,
  });
  const op = piecewiseSparseAttentionWith({
    tiles: {
      fwd: optIn("fwd", "prefetchPseudo"),
      dq: optIn("dq", "prefetchPseudo"),
      dkdv: optIn("dkdv", "fusedCols"),
    },
  });
  const q = c.tensor(shape), k = c.tensor(shape), v = c.tensor(shape);
  c.grad(op.vjp(q, k, v, { layout: "BTHD", useBias: true, density: 0.5, blockSize: 16 }));
}

function optimizers(c: Catalogue): void {
  const grads = () => ({ w: c.tensor([5, 3]), b: c.tensor([3]) });
  for (
    const make of [
      (p: Record<string, Tensor>) => new SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true }),
      (p: Record<string, Tensor>) => new SGD(p, { lr: 0.1 }),
      (p: Record<string, Tensor>) => new Adam(p, { lr: 0.1 }),
      (p: Record<string, Tensor>) => new AdamW(p, { lr: 0.1 }),
    ]
  ) {
    const opt = c.keep(make(grads()));
    opt.step(grads());
  }
  const loss = mseLoss(c.tensor([4, 5]), c.tensor([4, 5]));
  c.keep(loss.loss);
  c.keep(loss.grad);
}

function layers(c: Catalogue): void {
  const { device, dtype } = c;
  const image = { height: 4, width: 4 };
  const x = c.tensor([2, 16, 16]);
  const run = (
    layer: { vjp(x: Tensor, o: object): Vjp<Tensor, Tensor, unknown>; destroy?(): void },
    o: object,
  ) => {
    c.grad(layer.vjp(x, o) as Vjp<Tensor, Tensor, Record<string, unknown>>);
  };
  const common = { device, dtype };
  run(
    c.keep(
      new FocusedLinearAttention({ dim: 16, numPatches: 16, numHeads: 2, srRatio: 2, ...common }),
    ),
    image,
  );
  run(
    c.keep(
      new PolaLinearAttention({ dim: 16, numPatches: 16, numHeads: 2, kernelSize: 3, ...common }),
    ),
    image,
  );
  run(
    c.keep(
      new MambaLikeLinearAttention({ dim: 16, inputResolution: [4, 4], numHeads: 2, ...common }),
    ),
    image,
  );
  run(
    c.keep(new RALALinearAttention({ dim: 16, inputResolution: [4, 4], numHeads: 2, ...common })),
    image,
  );
  run(
    c.keep(new GeneralizedLinearAttention({ queryDim: 16, heads: 2, dimHead: 8, ...common })),
    {},
  );
}
