enable f16;


@group(0) @binding(0) var<storage, read> partial: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f16>;
struct Params {
  rows: u32,
  cols: u32,
  row_offset: u32,
  alpha: f32,
}
@group(0) @binding(2) var<uniform> u: Params;
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
  let base = (u.row_offset + g) * u.cols;
  var acc = 0.0;
  for (var c = lid; c < u.cols; c += 64u) { acc += partial[base + c]; }
  let total = wg_sum(lid, acc);
  if (lid == 0u) { out[g] = f16(u.alpha * total); }
}