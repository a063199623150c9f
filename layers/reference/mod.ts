/**
 * Float64 CPU references of the paper layers (SPEC §6) and of the building blocks they use.
 * @module
 */
export * from "./primitives.ts";
export * from "./linfusion.ts";
export * from "./rope_layers.ts";
export * from "./focused.ts";
