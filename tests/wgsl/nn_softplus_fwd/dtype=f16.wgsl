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

fn act(x: f32) -> f32 { return select(max(x, 0.0) + log1p_(exp(-abs(x))), x, x > 20.0); }
fn d_act(x: f32) -> f32 { return select(1.0 / (1.0 + exp(-x)), 1.0, x > 20.0); }
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);
  let first = g * 1024u + lid;
  let i0 = min(first + 0u, u.n - 1u);
  let x0 = f32(x[i0]);
  let i1 = min(first + 256u, u.n - 1u);
  let x1 = f32(x[i1]);
  let i2 = min(first + 512u, u.n - 1u);
  let x2 = f32(x[i2]);
  let i3 = min(first + 768u, u.n - 1u);
  let x3 = f32(x[i3]);
  if (first + 0u < u.n) {
    y[i0] = f16(act(x0) + u.shift);
  }
  if (first + 256u < u.n) {
    y[i1] = f16(act(x1) + u.shift);
  }
  if (first + 512u < u.n) {
    y[i2] = f16(act(x2) + u.shift);
  }
  if (first + 768u < u.n) {
    y[i3] = f16(act(x3) + u.shift);
  }
}