enable f16;


@group(0) @binding(0) var<storage, read_write> param: array<f16>;
@group(0) @binding(1) var<storage, read> grad: array<f16>;
@group(0) @binding(2) var<storage, read_write> exp_avg: array<f32>;
@group(0) @binding(3) var<storage, read_write> exp_avg_sq: array<f32>;
struct Params {
  n: u32,
  decay: f32,
  l2: f32,
  one_minus_beta1: f32,
  beta2: f32,
  one_minus_beta2: f32,
  step_size: f32,
  bc2_sqrt: f32,
  eps: f32,
}
@group(0) @binding(4) var<uniform> u: Params;
fn flat_group(wid: vec3u, nwg: vec3u) -> u32 { return wid.x + nwg.x * (wid.y + nwg.y * wid.z); }

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = flat_group(wid, nwg) * 256u + lid;
  if (i >= u.n) { return; }
  var p = f32(param[i]);
  p = p * u.decay;
  let g = f32(grad[i]) + u.l2 * p;
  let m = exp_avg[i] + u.one_minus_beta1 * (g - exp_avg[i]);
  let v = u.beta2 * exp_avg_sq[i] + u.one_minus_beta2 * g * g;
  exp_avg[i] = m;
  exp_avg_sq[i] = v;
  p = p - u.step_size * m / (sqrt(v) / u.bc2_sqrt + u.eps);
  param[i] = f16(p);
}
