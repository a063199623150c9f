
@group(0) @binding(0) var<storage, read> mat: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
struct Params {
  groups: u32,
  rows: u32,
  he: u32,
  dk: u32,
  dv: u32,
  ld: u32,
  tiles_n: u32,
  tiles_a: u32,
  blocks: u32,
  table: u32,
  chunk_first: u32,
  chunk: u32,
  chunks: u32,
  direct: u32,
  scale_default: u32,
  scale: f32,
  inv_len: f32,
  eps: f32,
  off_x: u32,
  off_y: u32,
  off_den: u32,
  off_mat: u32,
  off_gs: u32,
  off_z: u32,
  off_dz: u32,
  off_part: u32,
  off_out: u32,
  off_out2: u32,
}
@group(0) @binding(2) var<uniform> u: Params;
fn flat_group(wid: vec3u, nwg: vec3u) -> u32 { return wid.x + nwg.x * (wid.y + nwg.y * wid.z); }

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let e = flat_group(wid, nwg) * 256u + lid;
  let size = u.dk * u.ld;
  if (e >= u.rows * size) { return; }
  let seg = e / size;
  let a = (e % size) / u.ld;
  let b = e % u.ld;
  out[u.off_out + seg * size + b * u.dk + a] = mat[u.off_mat + e];
}
