

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
struct Params {
  outer: u32,
  n: u32,
  inner: u32,
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

var<workgroup> s_max: array<f32, 64>;
fn wg_max(lid: u32, v: f32) -> f32 {
  workgroupBarrier();
  s_max[lid] = v;
  workgroupBarrier();
  for (var w = 32u; w > 0u; w = w / 2u) {
    if (lid < w) { s_max[lid] = max(s_max[lid], s_max[lid + w]); }
    workgroupBarrier();
  }
  let total = s_max[0];
  workgroupBarrier();
  return total;
}


@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);
  if (g >= u.outer * u.inner) { return; }
  let base = (g / u.inner) * u.n * u.inner + g % u.inner;
  var m = -3.4e38;
  for (var j = lid; j < u.n; j += 64u) { m = max(m, f32(x[base + j * u.inner])); }
  let row_max = wg_max(lid, m);
  var acc = 0.0;
  for (var j = lid; j < u.n; j += 64u) { acc += exp(f32(x[base + j * u.inner]) - row_max); }
  let inv = 1.0 / wg_sum(lid, acc);
  for (var j = lid; j < u.n; j += 64u) { y[base + j * u.inner] = f32(exp(f32(x[base + j * u.inner]) - row_max) * inv); }
}