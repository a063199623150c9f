

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> stats: array<f32>;
@group(0) @binding(3) var<storage, read_write> partial: array<f32>;
struct Params {
  rows: u32,
  c: u32,
  eps: f32,
  chunk: u32,
  chunks: u32,
}
@group(0) @binding(4) var<uniform> u: Params;
fn flat_group(wid: vec3u, nwg: vec3u) -> u32 { return wid.x + nwg.x * (wid.y + nwg.y * wid.z); }

var<workgroup> s_sum: array<f32, 64>;
fn wg_sum(lid: u32, v: f32) -> f32 {
  workgroupBarrier();
  s_sum[lid] = v;
  workgroupBarrier();
  for (var w = 32u; w > 0u; w = w / 2u) {
    if (lid < w) { s_sum[lid] = s_sum[lid] + s_sum[lid + w]; }
    workgroupBarrier();
  }
  let total = s_sum[0];
  workgroupBarrier();
  return total;
}


@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);
  let blocks = (u.c + 63u) / 64u;
  if (g >= blocks * u.chunks) { return; }
  let ch = (g % blocks) * 64u + lid;
  let chunk = g / blocks;
  if (ch >= u.c) { return; }
  var acc_w = 0.0;
  var acc_b = 0.0;
  for (var r = chunk * u.chunk; r < min((chunk + 1u) * u.chunk, u.rows); r += 1u) {
    let d = f32(dy[r * u.c + ch]);
    acc_w += d * (f32(x[r * u.c + ch]) - stats[2u * r]) * stats[2u * r + 1u];
    acc_b += d;
  }
  partial[ch * u.chunks + chunk] = acc_w;
  partial[(u.c + ch) * u.chunks + chunk] = acc_b;
}