/**
 * What every command-line entry (profile, bench files, bench:layers, train-demo) does the same
 * way: `--help` prints the usage (exit 0); a bad argument prints ONE `error:` line naming the
 * flag and a hint where the usage is (exit 2), never a stack trace; the value parsers below
 * refuse what is not a number instead of passing NaN on.
 * @module
 */

/** A bad command line; the message names the flag. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** `value` as a positive integer, else a {@linkcode UsageError} naming `flag`. */
export function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < 1) {
    throw new UsageError(`${flag}: expected a positive integer, got "${value}"`);
  }
  return n;
}

/** A comma-separated list of positive integers (`"64,128"`). */
export function positiveInts(value: string, flag: string): number[] {
  const items = value.split(",").map((s) => s.trim()).filter(Boolean);
  if (!items.length) throw new UsageError(`${flag}: empty list`);
  return items.map((item) => positiveInt(item, flag));
}

/** `value` as a finite number > 0, else a {@linkcode UsageError} naming `flag`. */
export function positiveNumber(value: string, flag: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n <= 0) {
    throw new UsageError(`${flag}: expected a positive number, got "${value}"`);
  }
  return n;
}

/** `value` if it is one of `allowed`, else a {@linkcode UsageError} listing them. */
export function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if (!allowed.includes(value as T)) {
    throw new UsageError(`${flag}: unknown value "${value}" (allowed: ${allowed.join(", ")})`);
  }
  return value as T;
}

/** Whether `args` ask for the usage (`--help` or `-h`). */
export function wantsHelp(args: readonly string[]): boolean {
  return args.includes("--help") || args.includes("-h");
}

/**
 * Whether `e` is a bad command line: a {@linkcode UsageError}, or an error of `node:util`'s
 * `parseArgs` (unknown flag, missing value, stray positional).
 */
export function isUsageError(e: unknown): e is Error {
  return e instanceof UsageError ||
    (e instanceof Error && /^ERR_PARSE_ARGS_/.test((e as { code?: string }).code ?? ""));
}

/** Prints the one error line and the hint for `e` (see {@linkcode isUsageError}). */
export function printUsageError(e: Error, command: string): void {
  console.error(`error: ${e.message.replace(/\s*\n\s*/g, " ")}`); // parseArgs' span lines
  console.error(`hint: \`${command} --help\` lists the flags`);
}

/**
 * Runs a command-line entry: `--help` prints `usage` (exit 0); `parse(args)` throwing a usage
 * error prints one line and a hint (exit 2); otherwise `run` decides the exit code. Errors that
 * `run` throws propagate (with their stack: they are not the user's typo).
 */
export async function runCli<O>(
  command: string,
  usage: string,
  args: string[],
  parse: (args: string[]) => O,
  run: (options: O) => Promise<number>,
): Promise<never> {
  if (wantsHelp(args)) {
    console.log(usage);
    Deno.exit(0);
  }
  let options: O;
  try {
    options = parse(args);
  } catch (e) {
    if (!isUsageError(e)) throw e;
    printUsageError(e, command);
    Deno.exit(2);
  }
  Deno.exit(await run(options));
}
