/**
 * WGSL generators of the depthwise conv `DW_k` (docs/math.md §0.2: cross-correlation, padding k//2,
 * bias) on token-layout input `[B, H·W, C]` (token n = r·W + c). Channel ch uses weight
 * channel `ch % cw`: cw = C is the usual depthwise conv; cw = hd shares one hd-channel kernel
 * across heads (Focused/Pola `dwc`, docs/math.md §6.3).
 * @module
 */
import { FLAT_GROUP_WGSL, read, readWrite, type StorageBinding, UniformBlock } from "../common.ts";
import type { DType } from "../common.ts";
import { CHANNEL_CHUNK_WGSL, enableFor, MAIN_WGSL, NN_WORKGROUP } from "./common.ts";

/** Uniforms: batch, image height/width, channels, weight channels, kernel size. */
export const dwconvParams = new UniformBlock({
  batch: "u32",
  h: "u32",
  w: "u32",
  c: "u32",
  cw: "u32",
  k: "u32",
  chunk: "u32",
  chunks: "u32",
});

/** Which kernel: forward (x, weight, bias, y), dx (dy, weight, dx), or dweight/dbias. */
export type DwconvPass = "forward" | "grad_x" | "grad_params";

/**
 * Tap t = (a, b) of a k × k kernel, read at (row + sign·(a − k/2), col + sign·(b − k/2)) of the
 * token grid (sign −1: the transpose, for dx): the WGSL test that the position lies inside the
 * image (empty when it always does) and the token offset `+ da * w + db`, for a token `t` at
 * (`row`, `col`) in an image of `h` × `w` (i32s in scope).
 */
function tapAt(k: number, t: number, sign: 1 | -1) {
  const half = (k - 1) / 2;
  const da = sign * (Math.floor(t / k) - half), db = sign * ((t % k) - half);
  // `v` added to an expression: " + 2", " - 1", or nothing.
  const plus = (v: number) => (v > 0 ? ` + ${v}` : v < 0 ? ` - ${-v}` : "");
  const inside = [
    ...(da < 0 ? [`row >= ${-da}`] : da > 0 ? [`row${plus(da)} < h`] : []),
    ...(db < 0 ? [`col >= ${-db}`] : db > 0 ? [`col${plus(db)} < w`] : []),
  ].join(" && ");
  return { inside, offset: `${da === 0 ? "" : `${plus(da)} * w`}${plus(db)}` };
}

/** `line` for every tap of a k × k kernel, each run only where its position is inside. */
function eachTap(
  k: number,
  sign: 1 | -1,
  line: (t: number, offset: string) => string,
  pad = "  ",
): string {
  return Array.from({ length: k * k }, (_, t) => {
    const { inside, offset } = tapAt(k, t, sign);
    return inside ? `${pad}if (${inside}) { ${line(t, offset)} }` : `${pad}${line(t, offset)}`;
  }).join("\n");
}

// Element i of [B, H·W, C]: channel ch, token t over the batch, its row and column.
const ELEMENT = `let ch = i % u.c;
  let t = i / u.c;
  let tok = t % (u.h * u.w);
  let row = i32(tok / u.w);
  let col = i32(tok % u.w);
  let h = i32(u.h);
  let w = i32(u.w);
  let wc = ch % u.cw;`;

/** Storage of the kernel of `pass`. */
export function dwconvStorage(pass: DwconvPass, t: DType): StorageBinding[] {
  switch (pass) {
    case "forward":
      return [read("x", t), read("weight", t), read("bias", t), readWrite("y", t)];
    case "grad_x":
      return [read("dy", t), read("weight", t), readWrite("dx", t)];
    case "grad_params": // partial: f32 [cw·k² weight rows, then cw bias rows; chunks · C/cw].
      return [read("x", t), read("dy", t), readWrite("partial", "f32")];
  }
}

function body(pass: DwconvPass, dtype: DType, k: number): string {
  // Tap weights: weight channel wc's k² values, tap order.
  const weightOf = (tap: number) => `f32(weight[wc * ${k * k}u + ${tap}u])`;
  if (pass === "forward") {
    return `let i = g * ${NN_WORKGROUP}u + lid;
  if (i >= u.batch * u.h * u.w * u.c) { return; }
  ${ELEMENT}
  var acc = 0.0;
${eachTap(k, 1, (tap, off) => `acc += ${weightOf(tap)} * f32(x[u32(i32(t)${off}) * u.c + ch]);`)}
  y[i] = ${dtype}(acc + f32(bias[wc]));`;
  }
  if (pass === "grad_x") {
    return `let i = g * ${NN_WORKGROUP}u + lid;
  if (i >= u.batch * u.h * u.w * u.c) { return; }
  ${ELEMENT}
  var acc = 0.0;
${eachTap(k, -1, (tap, off) => `acc += ${weightOf(tap)} * f32(dy[u32(i32(t)${off}) * u.c + ch]);`)}
  dx[i] = ${dtype}(acc);`;
  }
  return gradParams(k);
}

/**
 * The parameter gradient for kernel size `k`: each invocation owns one channel (neighbouring
 * invocations, neighbouring channels: every load coalesced) and one chunk of
 * `CHANNEL_CHUNK` (common.ts) tokens (over the whole batch), and sums dy·x for each of the k² taps
 * and dy for the bias, in token order, in registers. Its sums go to column `chunk · C/cw + ch /
 * cw` of the f32 partials `[cw·k² weight rows, then cw bias rows; chunks · C/cw]`, which
 * partialSumWgsl adds in column order (deterministic). On the H200 the former kernel, one
 * workgroup per (weight channel, tap, chunk) reading one channel per token, took 8.1 ms for
 * Focused's 128×128-token backward (bench/NOTES.md, session 12, call 4).
 */
function gradParams(k: number): string {
  const taps = Array.from({ length: k * k }, (_, t) => t);
  return `${CHANNEL_CHUNK_WGSL}
  let hw = u.h * u.w;
  let h = i32(u.h);
  let w = i32(u.w);
${taps.map((t) => `  var acc${t} = 0.0;`).join("\n")}
  var acc_bias = 0.0;
  for (var t = chunk * u.chunk; t < min((chunk + 1u) * u.chunk, u.batch * hw); t += 1u) {
    let tok = t % hw;
    let row = i32(tok / u.w);
    let col = i32(tok % u.w);
    let d = f32(dy[t * u.c + ch]);
    acc_bias += d;
${eachTap(k, 1, (tap, off) => `acc${tap} += d * f32(x[u32(i32(t)${off}) * u.c + ch]);`, "    ")}
  }
  let groups = u.c / u.cw;
  let cols = u.chunks * groups;
  let at = chunk * groups + ch / u.cw;
  let wc = ch % u.cw;
${taps.map((t) => `  partial[(wc * ${k * k}u + ${t}u) * cols + at] = acc${t};`).join("\n")}
  partial[(u.cw * ${k * k}u + wc) * cols + at] = acc_bias;`;
}

/** Depthwise-conv kernel of `pass` (`k`: the kernel size, compiled in: every tap unrolled). */
export function dwconvWgsl(pass: DwconvPass, dtype: DType, k: number): string {
  return `${enableFor(dtype)}
${FLAT_GROUP_WGSL}
${MAIN_WGSL}
  ${body(pass, dtype, k)}
}`;
}
