/**
 * Argument checks shared by every op: each failure is a `TypeError` or `RangeError` whose
 * message names the argument and what it got.
 * @module
 */
import { checkDtype, Tensor } from "./tensor.ts";

/** Throws a `TypeError` unless `value` is a live {@linkcode Tensor}. */
export function checkTensor(value: unknown, name: string): Tensor {
  if (!(value instanceof Tensor)) {
    throw new TypeError(`${name} must be a Tensor, got ${describe(value)}`);
  }
  if (value.destroyed) throw new TypeError(`${name} was destroyed`);
  checkDtype(value.device, value.dtype, `${name}.dtype`);
  return value;
}

/** Throws a `RangeError` unless `t` has `rank` dimensions. */
export function checkRank(t: Tensor, rank: number, name: string, layout: string): void {
  if (t.shape.length !== rank) {
    throw new RangeError(
      `${name} must have rank ${rank} (${layout}), got shape [${t.shape.join(", ")}]`,
    );
  }
}

/** Throws unless all tensors share one device and one dtype. */
export function checkSameDeviceAndDtype(tensors: Record<string, Tensor>): void {
  const entries = Object.entries(tensors);
  const [firstName, first] = entries[0];
  for (const [name, t] of entries.slice(1)) {
    if (t.device !== first.device) {
      throw new TypeError(`${name} is on a different GPUDevice than ${firstName}`);
    }
    if (t.dtype !== first.dtype) {
      throw new TypeError(
        `${name} has dtype ${t.dtype} but ${firstName} has ${first.dtype}; mixed dtypes are not supported`,
      );
    }
  }
}

/** Throws a `RangeError` unless dimension `dim` of `t` equals `expected`. */
export function checkDim(
  t: Tensor,
  dim: number,
  expected: number,
  name: string,
  what: string,
): void {
  if (t.shape[dim] !== expected) {
    throw new RangeError(
      `${name} has ${what} = ${t.shape[dim]} (shape [${t.shape.join(", ")}]), expected ${expected}`,
    );
  }
}

/** Throws unless `value` is a finite number (or undefined when `optional`). */
export function checkFinite(value: unknown, name: string): number {
  if (typeof value !== "number") {
    throw new TypeError(`${name} must be a number, got ${describe(value)}`);
  }
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be finite, got ${value}`);
  return value;
}

/** Throws a `RangeError` unless `lo ≤ value ≤ hi` and `value` is an integer. */
export function checkIntRange(value: number, lo: number, hi: number, name: string): void {
  if (!Number.isInteger(value) || value < lo || value > hi) {
    throw new RangeError(`${name} must be an integer in [${lo}, ${hi}], got ${value}`);
  }
}

/** Throws a `TypeError` unless `value` is one of `allowed`. */
export function checkOneOf<T extends string>(
  value: unknown,
  allowed: readonly T[],
  name: string,
): T {
  if (!allowed.includes(value as T)) {
    throw new TypeError(
      `${name} must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}, got ${
        describe(value)
      }`,
    );
  }
  return value as T;
}

/** `options`, or `{}` when undefined; a `TypeError` naming `name` for anything but an object. */
export function checkOptionsObject<T extends object>(options: T | undefined, name = "options"): T {
  if (options === undefined) return {} as T;
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${name} must be an object, got ${describe(options)}`);
  }
  return options;
}

/** Throws a `TypeError` unless `value` is an array of non-negative integers (a shape). */
export function checkShapeArray(value: unknown, name: string): readonly number[] {
  if (!Array.isArray(value) || !value.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new TypeError(
      `${name} must be an array of non-negative integers, got ${
        Array.isArray(value) ? `[${value.join(", ")}]` : describe(value)
      }`,
    );
  }
  return value;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "object") return value.constructor?.name ?? "object";
  return `${typeof value} ${String(value)}`;
}
