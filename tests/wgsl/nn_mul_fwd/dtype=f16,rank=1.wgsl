enable f16;


@group(0) @binding(0) var<storage, read> in_a: array<f16>;
@group(0) @binding(1) var<storage, read> in_b: array<f16>;
@group(0) @binding(2) var<storage, read_write> out: array<f16>;
struct Params {
  n: u32,
  r: u32,
  chunk: u32,
  chunks: u32,
  alpha: f32,
  dim0: u32,
  dim1: u32,
  dim2: u32,
  dim3: u32,
  dim4: u32,
  dim5: u32,
  as0: u32,
  as1: u32,
  as2: u32,
  as3: u32,
  as4: u32,
  as5: u32,
  bs0: u32,
  bs1: u32,
  bs2: u32,
  bs3: u32,
  bs4: u32,
  bs5: u32,
  os0: u32,
  os1: u32,
  os2: u32,
  os3: u32,
  os4: u32,
  os5: u32,
  xd0: u32,
  xd1: u32,
  xd2: u32,
  xd3: u32,
  xd4: u32,
  xd5: u32,
}
@group(0) @binding(3) var<uniform> u: Params;
fn flat_group(wid: vec3u, nwg: vec3u) -> u32 { return wid.x + nwg.x * (wid.y + nwg.y * wid.z); }

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);
  let first = g * 1024u + lid;
  let i0 = min(first + 0u, u.n - 1u);
  var o0 = vec3u(0u);
  var rem_0 = i0;
  let c5_0 = rem_0;
  o0.x += c5_0 * u.as5;
  o0.y += c5_0 * u.bs5;
  o0.z += c5_0 * u.os5;
  let a0 = f32(in_a[o0.x]); let b0 = f32(in_b[o0.y]);
  let i1 = min(first + 256u, u.n - 1u);
  var o1 = vec3u(0u);
  var rem_1 = i1;
  let c5_1 = rem_1;
  o1.x += c5_1 * u.as5;
  o1.y += c5_1 * u.bs5;
  o1.z += c5_1 * u.os5;
  let a1 = f32(in_a[o1.x]); let b1 = f32(in_b[o1.y]);
  let i2 = min(first + 512u, u.n - 1u);
  var o2 = vec3u(0u);
  var rem_2 = i2;
  let c5_2 = rem_2;
  o2.x += c5_2 * u.as5;
  o2.y += c5_2 * u.bs5;
  o2.z += c5_2 * u.os5;
  let a2 = f32(in_a[o2.x]); let b2 = f32(in_b[o2.y]);
  let i3 = min(first + 768u, u.n - 1u);
  var o3 = vec3u(0u);
  var rem_3 = i3;
  let c5_3 = rem_3;
  o3.x += c5_3 * u.as5;
  o3.y += c5_3 * u.bs5;
  o3.z += c5_3 * u.os5;
  let a3 = f32(in_a[o3.x]); let b3 = f32(in_b[o3.y]);
  if (first + 0u < u.n) {
    { let a = a0; let b = b0; out[i0] = f16(u.alpha * (a * b)); }
  }
  if (first + 256u < u.n) {
    { let a = a1; let b = b1; out[i1] = f16(u.alpha * (a * b)); }
  }
  if (first + 512u < u.n) {
    { let a = a2; let b = b2; out[i2] = f16(u.alpha * (a * b)); }
  }
  if (first + 768u < u.n) {
    { let a = a3; let b = b3; out[i3] = f16(u.alpha * (a * b)); }
  }
}