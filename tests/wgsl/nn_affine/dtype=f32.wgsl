

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
struct Params {
  n: u32,
  alpha: f32,
  beta: f32,
}
@group(0) @binding(2) var<uniform> u: Params;
fn flat_group(wid: vec3u, nwg: vec3u) -> u32 { return wid.x + nwg.x * (wid.y + nwg.y * wid.z); }


@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);
  let i = g * 64u + lid;
  if (i >= u.n) { return; }
  y[i] = f32(u.alpha * f32(x[i]) + u.beta);
}