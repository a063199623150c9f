

@group(0) @binding(0) var<storage, read> y: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
struct Params {
  outer: u32,
  n: u32,
  inner: u32,
}
@group(0) @binding(3) var<uniform> u: Params;
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
  if (g >= u.outer * u.inner) { return; }
  let base = (g / u.inner) * u.n * u.inner + g % u.inner;
  var acc = 0.0;
  for (var j = lid; j < u.n; j += 64u) { acc += f32(y[base + j * u.inner]) * f32(dy[base + j * u.inner]); }
  let dot = wg_sum(lid, acc);
  for (var j = lid; j < u.n; j += 64u) { dx[base + j * u.inner] = f32(f32(y[base + j * u.inner]) * (f32(dy[base + j * u.inner]) - dot)); }
}