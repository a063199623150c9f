

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> weight: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
struct Params {
  batch: u32,
  h: u32,
  w: u32,
  c: u32,
  cw: u32,
  k: u32,
  chunk: u32,
  chunks: u32,
}
@group(0) @binding(4) var<uniform> u: Params;
fn flat_group(wid: vec3u, nwg: vec3u) -> u32 { return wid.x + nwg.x * (wid.y + nwg.y * wid.z); }


@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);
  let i = g * 64u + lid;
  if (i >= u.batch * u.h * u.w * u.c) { return; }
  let ch = i % u.c;
  let t = i / u.c;
  let tok = t % (u.h * u.w);
  let row = i32(tok / u.w);
  let col = i32(tok % u.w);
  let h = i32(u.h);
  let w = i32(u.w);
  let wc = ch % u.cw;
  var acc = 0.0;
  if (row >= 1 && col >= 1) { acc += f32(weight[wc * 9u + 0u]) * f32(x[u32(i32(t) - 1 * w - 1) * u.c + ch]); }
  if (row >= 1) { acc += f32(weight[wc * 9u + 1u]) * f32(x[u32(i32(t) - 1 * w) * u.c + ch]); }
  if (row >= 1 && col + 1 < w) { acc += f32(weight[wc * 9u + 2u]) * f32(x[u32(i32(t) - 1 * w + 1) * u.c + ch]); }
  if (col >= 1) { acc += f32(weight[wc * 9u + 3u]) * f32(x[u32(i32(t) - 1) * u.c + ch]); }
  acc += f32(weight[wc * 9u + 4u]) * f32(x[u32(i32(t)) * u.c + ch]);
  if (col + 1 < w) { acc += f32(weight[wc * 9u + 5u]) * f32(x[u32(i32(t) + 1) * u.c + ch]); }
  if (row + 1 < h && col >= 1) { acc += f32(weight[wc * 9u + 6u]) * f32(x[u32(i32(t) + 1 * w - 1) * u.c + ch]); }
  if (row + 1 < h) { acc += f32(weight[wc * 9u + 7u]) * f32(x[u32(i32(t) + 1 * w) * u.c + ch]); }
  if (row + 1 < h && col + 1 < w) { acc += f32(weight[wc * 9u + 8u]) * f32(x[u32(i32(t) + 1 * w + 1) * u.c + ch]); }
  y[i] = f32(acc + f32(bias[wc]));
}