enable f16;


@group(0) @binding(0) var<storage, read> src: array<f16>;
@group(0) @binding(1) var<storage, read_write> dst: array<f16>;
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


@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);
  let i = g * 64u + lid;
  if (i >= u.n) { return; }
  var si = u.src_off;
  var di = u.dst_off;
  var rem = i;
  let c5 = rem % u.dim5; rem = rem / u.dim5;
  si += c5 * u.ss5;
  di += c5 * u.ds5;
  let c4 = rem % u.dim4; rem = rem / u.dim4;
  si += c4 * u.ss4;
  di += c4 * u.ds4;
  let c3 = rem % u.dim3; rem = rem / u.dim3;
  si += c3 * u.ss3;
  di += c3 * u.ds3;
  let c2 = rem % u.dim2; rem = rem / u.dim2;
  si += c2 * u.ss2;
  di += c2 * u.ds2;
  let c1 = rem % u.dim1; rem = rem / u.dim1;
  si += c1 * u.ss1;
  di += c1 * u.ds1;
  let c0 = rem % u.dim0; rem = rem / u.dim0;
  si += c0 * u.ss0;
  di += c0 * u.ds0;
  dst[di] = src[si];
}