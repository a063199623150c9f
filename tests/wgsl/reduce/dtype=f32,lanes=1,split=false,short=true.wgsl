


@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
struct Params {
  outer: u32,
  n: u32,
  inner: u32,
  inner_blocks: u32,
  splits: u32,
  chunk_n: u32,
  factor: f32,
  off_x: u32,
  off_y: u32,
}
@group(0) @binding(2) var<uniform> u: Params;
fn flat_group(wid: vec3u, nwg: vec3u) -> u32 { return wid.x + nwg.x * (wid.y + nwg.y * wid.z); }


@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = flat_group(wid, nwg) * 256u + lid;
  if (i >= u.outer * u.inner) { return; }
  let o_x = u.off_x + (i / u.inner) * u.n * u.inner + i % u.inner;
  var acc = 0.0;
  for (var j = 0u; j < u.n; j += 1u) { acc += f32(x[o_x + j * u.inner]); }
  y[u.off_y + i] = f32(acc * u.factor);
}
