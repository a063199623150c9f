

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> partial: array<f32>;
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
@group(0) @binding(3) var<uniform> u: Params;
fn flat_group(wid: vec3u, nwg: vec3u) -> u32 { return wid.x + nwg.x * (wid.y + nwg.y * wid.z); }


@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);
  let blocks = (u.c + 63u) / 64u;
  if (g >= blocks * u.chunks) { return; }
  let ch = (g % blocks) * 64u + lid;
  let chunk = g / blocks;
  if (ch >= u.c) { return; }
  let hw = u.h * u.w;
  let h = i32(u.h);
  let w = i32(u.w);
  var acc0 = 0.0;
  var acc1 = 0.0;
  var acc2 = 0.0;
  var acc3 = 0.0;
  var acc4 = 0.0;
  var acc5 = 0.0;
  var acc6 = 0.0;
  var acc7 = 0.0;
  var acc8 = 0.0;
  var acc_bias = 0.0;
  for (var t = chunk * u.chunk; t < min((chunk + 1u) * u.chunk, u.batch * hw); t += 1u) {
    let tok = t % hw;
    let row = i32(tok / u.w);
    let col = i32(tok % u.w);
    let d = f32(dy[t * u.c + ch]);
    acc_bias += d;
    if (row >= 1 && col >= 1) { acc0 += d * f32(x[u32(i32(t) - 1 * w - 1) * u.c + ch]); }
    if (row >= 1) { acc1 += d * f32(x[u32(i32(t) - 1 * w) * u.c + ch]); }
    if (row >= 1 && col + 1 < w) { acc2 += d * f32(x[u32(i32(t) - 1 * w + 1) * u.c + ch]); }
    if (col >= 1) { acc3 += d * f32(x[u32(i32(t) - 1) * u.c + ch]); }
    acc4 += d * f32(x[u32(i32(t)) * u.c + ch]);
    if (col + 1 < w) { acc5 += d * f32(x[u32(i32(t) + 1) * u.c + ch]); }
    if (row + 1 < h && col >= 1) { acc6 += d * f32(x[u32(i32(t) + 1 * w - 1) * u.c + ch]); }
    if (row + 1 < h) { acc7 += d * f32(x[u32(i32(t) + 1 * w) * u.c + ch]); }
    if (row + 1 < h && col + 1 < w) { acc8 += d * f32(x[u32(i32(t) + 1 * w + 1) * u.c + ch]); }
  }
  let groups = u.c / u.cw;
  let cols = u.chunks * groups;
  let at = chunk * groups + ch / u.cw;
  let wc = ch % u.cw;
  partial[(wc * 9u + 0u) * cols + at] = acc0;
  partial[(wc * 9u + 1u) * cols + at] = acc1;
  partial[(wc * 9u + 2u) * cols + at] = acc2;
  partial[(wc * 9u + 3u) * cols + at] = acc3;
  partial[(wc * 9u + 4u) * cols + at] = acc4;
  partial[(wc * 9u + 5u) * cols + at] = acc5;
  partial[(wc * 9u + 6u) * cols + at] = acc6;
  partial[(wc * 9u + 7u) * cols + at] = acc7;
  partial[(wc * 9u + 8u) * cols + at] = acc8;
  partial[(u.cw * 9u + wc) * cols + at] = acc_bias;
}