enable f16;


@group(0) @binding(0) var<storage, read_write> param: array<f16>;
@group(0) @binding(1) var<storage, read> grad: array<f16>;
struct Params {
  n: u32,
  lr: f32,
  weight_decay: f32,
}
@group(0) @binding(2) var<uniform> u: Params;
fn flat_group(wid: vec3u, nwg: vec3u) -> u32 { return wid.x + nwg.x * (wid.y + nwg.y * wid.z); }

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = flat_group(wid, nwg) * 256u + lid;
  if (i >= u.n) { return; }
  var p = f32(param[i]);
  let g = f32(grad[i]) + u.weight_decay * p;
  p = p - u.lr * g;
  param[i] = f16(p);
}
