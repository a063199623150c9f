enable f16;


@group(0) @binding(0) var<storage, read_write> param: array<f16>;
@group(0) @binding(1) var<storage, read> grad: array<f16>;
@group(0) @binding(2) var<storage, read_write> momentum_buffer: array<f32>;
struct Params {
  n: u32,
  lr: f32,
  weight_decay: f32,
  momentum: f32,
  one_minus_dampening: f32,
  first_step: u32,
  nesterov: u32,
}
@group(0) @binding(3) var<uniform> u: Params;
fn flat_group(wid: vec3u, nwg: vec3u) -> u32 { return wid.x + nwg.x * (wid.y + nwg.y * wid.z); }

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = flat_group(wid, nwg) * 256u + lid;
  if (i >= u.n) { return; }
  var p = f32(param[i]);
  var g = f32(grad[i]) + u.weight_decay * p;
  var b = g;
  if (u.first_step == 0u) { b = u.momentum * momentum_buffer[i] + u.one_minus_dampening * g; }
  momentum_buffer[i] = b;
  if (u.nesterov != 0u) { g = g + u.momentum * b; } else { g = b; }
  p = p - u.lr * g;
  param[i] = f16(p);
}
