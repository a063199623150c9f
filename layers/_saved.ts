/**
 * What the pullback of each graph op reads: the tensors among its arguments (and outputs)
 * that must outlive the forward. {@linkcode Graph} frees every other intermediate once a
 * layer's forward is recorded, so a layer's `vjp` keeps only what its backward needs.
 *
 * The entries follow the ops' pullbacks in ops/nn (which buffers their backward kernels bind);
 * an op missing here keeps every tensor it was given and its outputs (always safe).
 * @module
 */
import type { Tensor } from "../ops/_runtime/mod.ts";
import {
  add,
  addScalar,
  broadcastTo,
  concatFeatures,
  depthwiseConv2d,
  div,
  elu,
  eluPlusOne,
  interpolateTokens,
  layerNorm,
  leakyRelu,
  linear,
  matmul,
  mean,
  mergeHeads,
  mul,
  relu,
  reluPower,
  rope2d,
  scale,
  sigmoid,
  softmax,
  softplus,
  spatialReductionConv,
  splitFeatures,
  splitHeads,
  sum,
  transpose,
} from "../ops/nn/mod.ts";

/** The tensors a pullback reads, given the op's arguments and outputs. */
type SavedBy = (args: readonly unknown[], outputs: readonly Tensor[]) => unknown[];

const firstArg: SavedBy = (args) => [args[0]];
const firstTwoArgs: SavedBy = (args) => [args[0], args[1]];
const nothing: SavedBy = () => [];

const SAVED = new Map<object, SavedBy>([
  // dx = dy·W needs the weight, dW = dyᵀ·x needs x
  [linear, firstTwoArgs],
  [matmul, firstTwoArgs],
  [depthwiseConv2d, firstTwoArgs],
  [layerNorm, firstTwoArgs], // (its row statistics are kept by the op itself)
  // elementwise derivatives evaluated at the input
  ...[elu, eluPlusOne, relu, leakyRelu, softplus, sigmoid].map((op) => [op, firstArg] as const),
  // the binary backward kernels bind both operands (even for add)
  ...[add, mul, div, reluPower].map((op) => [op, firstTwoArgs] as const),
  [softmax, (_, outputs) => [...outputs]],
  [rope2d, (args) => [args[1]]], // the rotation table
  // layout copies, reductions and affine maps: the backward reads only shapes
  ...[
    splitHeads,
    mergeHeads,
    splitFeatures,
    concatFeatures,
    sum,
    mean,
    scale,
    addScalar,
    transpose,
    broadcastTo,
    interpolateTokens,
    spatialReductionConv, // (keeps its own patch matrix)
  ].map((op) => [op, nothing] as const),
]);

/** The tensors the pullback of `op` reads (every tensor it touched when `op` is not listed). */
export function savedTensors(
  op: object,
  args: readonly unknown[],
  outputs: readonly Tensor[],
): Set<Tensor> {
  const saved = SAVED.get(op)?.(args, outputs) ?? [...args, ...outputs];
  return new Set(saved.flat().filter((t): t is Tensor => isTensor(t)));
}

function isTensor(value: unknown): value is Tensor {
  return typeof value === "object" && value !== null && "buffer" in value && "shape" in value;
}
