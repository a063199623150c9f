enable f16;


@group(0) @binding(0) var<storage, read_write> dst: array<f16>;
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
@group(0) @binding(1) var<uniform> u: Params;
fn flat_group(wid: vec3u, nwg: vec3u) -> u32 { return wid.x + nwg.x * (wid.y + nwg.y * wid.z); }

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);
  let first = g * 1024u + lid;
  let i0 = min(first + 0u, u.n - 1u);
  
  let i1 = min(first + 256u, u.n - 1u);
  
  let i2 = min(first + 512u, u.n - 1u);
  
  let i3 = min(first + 768u, u.n - 1u);
  
  if (first + 0u < u.n) {
    dst[u.dst_off + i0] = f16(0.0);
  }
  if (first + 256u < u.n) {
    dst[u.dst_off + i1] = f16(0.0);
  }
  if (first + 512u < u.n) {
    dst[u.dst_off + i2] = f16(0.0);
  }
  if (first + 768u < u.n) {
    dst[u.dst_off + i3] = f16(0.0);
  }
}