

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
struct Params {
  n: u32,
  src_off: u32,
  dst_off: u32,
  dim0: u32,
  dim1: u32,
  dim2: u32,
  dim3: u32,
  dim4: u32,
  dim5: u32,
  ss0: u32,
  ss1: u32,
  ss2: u32,
  ss3: u32,
  ss4: u32,
  ss5: u32,
  ds0: u32,
  ds1: u32,
  ds2: u32,
  ds3: u32,
  ds4: u32,
  ds5: u32,
}
@group(0) @binding(2) var<uniform> u: Params;
fn flat_group(wid: vec3u, nwg: vec3u) -> u32 { return wid.x + nwg.x * (wid.y + nwg.y * wid.z); }

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);
  let first = g * 1024u + lid;
  let i0 = min(first + 0u, u.n - 1u);
  var si0 = u.src_off;
  var di0 = u.dst_off;
  var rem_0 = i0;
  let c5_0 = rem_0 % u.dim5; rem_0 = rem_0 / u.dim5;
  si0 += c5_0 * u.ss5;
  di0 += c5_0 * u.ds5;
  let c4_0 = rem_0;
  si0 += c4_0 * u.ss4;
  di0 += c4_0 * u.ds4;
  let v0 = src[si0];
  let i1 = min(first + 256u, u.n - 1u);
  var si1 = u.src_off;
  var di1 = u.dst_off;
  var rem_1 = i1;
  let c5_1 = rem_1 % u.dim5; rem_1 = rem_1 / u.dim5;
  si1 += c5_1 * u.ss5;
  di1 += c5_1 * u.ds5;
  let c4_1 = rem_1;
  si1 += c4_1 * u.ss4;
  di1 += c4_1 * u.ds4;
  let v1 = src[si1];
  let i2 = min(first + 512u, u.n - 1u);
  var si2 = u.src_off;
  var di2 = u.dst_off;
  var rem_2 = i2;
  let c5_2 = rem_2 % u.dim5; rem_2 = rem_2 / u.dim5;
  si2 += c5_2 * u.ss5;
  di2 += c5_2 * u.ds5;
  let c4_2 = rem_2;
  si2 += c4_2 * u.ss4;
  di2 += c4_2 * u.ds4;
  let v2 = src[si2];
  let i3 = min(first + 768u, u.n - 1u);
  var si3 = u.src_off;
  var di3 = u.dst_off;
  var rem_3 = i3;
  let c5_3 = rem_3 % u.dim5; rem_3 = rem_3 / u.dim5;
  si3 += c5_3 * u.ss5;
  di3 += c5_3 * u.ds5;
  let c4_3 = rem_3;
  si3 += c4_3 * u.ss4;
  di3 += c4_3 * u.ds4;
  let v3 = src[si3];
  if (first + 0u < u.n) {
    dst[di0] = v0;
  }
  if (first + 256u < u.n) {
    dst[di1] = v1;
  }
  if (first + 512u < u.n) {
    dst[di2] = v2;
  }
  if (first + 768u < u.n) {
    dst[di3] = v3;
  }
}