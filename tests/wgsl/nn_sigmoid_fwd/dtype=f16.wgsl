enable f16;


@group(0) @binding(0) var<storage, read> x: array<f16>;
@group(0) @binding(1) var<storage, read_write> y: array<f16>;
struct Params {
  n: u32,
  shift: f32,
  slope: f32,
}
@group(0) @binding(2) var<uniform> u: Params;
fn flat_group(wid: vec3u, nwg: vec3u) -> u32 { return wid.x + nwg.x * (wid.y + nwg.y * wid.z); }

fn log1p_(z: f32) -> f32 {
  let w = 1.0 + z;
  if (w == 1.0) { return z; }
  return log(w) * z / (w - 1.0);
}
fn sigmoid_d(x: f32) -> f32 { let s = 1.0 / (1.0 + exp(-x)); return s * (1.0 - s); }

fn act(x: f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }
fn d_act(x: f32) -> f32 { return sigmoid_d(x); }

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);
  let i = g * 64u + lid;
  if (i >= u.n) { return; }
  y[i] = f16(act(f32(x[i])) + u.shift);
}