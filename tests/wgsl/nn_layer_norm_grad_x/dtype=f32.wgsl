

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read> stats: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;
struct Params {
  rows: u32,
  c: u32,
  eps: f32,
  chunk: u32,
  chunks: u32,
}
@group(0) @binding(5) var<uniform> u: Params;
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
  if (g >= u.rows) { return; }
  let row = g * u.c;
  let mean = stats[2u * g];
  let rstd = stats[2u * g + 1u];
  var acc_g = 0.0;
  var acc_gx = 0.0;
  for (var i = lid; i < u.c; i += 64u) {
    let gi = f32(dy[row + i]) * f32(w[i]);
    acc_g += gi;
    acc_gx += gi * (f32(x[row + i]) - mean) * rstd;
  }
  let mean_g = wg_sum(lid, acc_g) / f32(u.c);
  let mean_gx = wg_sum(lid, acc_gx) / f32(u.c);
  for (var i = lid; i < u.c; i += 64u) {
    let xhat = (f32(x[row + i]) - mean) * rstd;
    dx[row + i] = f32(rstd * (f32(dy[row + i]) * f32(w[i]) - mean_g - xhat * mean_gx));
  }
}