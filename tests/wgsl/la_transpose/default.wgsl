
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
  off_w: u32,
  off_dz: u32,
  off_part: u32,
  off_out: u32,
  off_out2: u32,
}
@group(0) @binding(2) var<uniform> u: Params;
fn flat_group(wid: vec3u, nwg: vec3u) -> u32 { return wid.x + nwg.x * (wid.y + nwg.y * wid.z); }

const W = 16u;
// One column of padding: the transposed reads tile[l.x][l.y] fall in W different banks.
var<workgroup> tile: array<array<f32, W + 1u>, W>;

@compute @workgroup_size(W, W)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_id) l: vec3u) {
  let g = flat_group(wid, nwg);
  if (g >= u.groups) { return; }
  let base = (g / (u.tiles_a * u.tiles_n)) * u.dk * u.ld;  // the segment's state
  let a0 = ((g / u.tiles_n) % u.tiles_a) * W;
  let b0 = (g % u.tiles_n) * W;
  if (a0 + l.y < u.dk && b0 + l.x < u.ld) {
    tile[l.y][l.x] = mat[u.off_mat + base + (a0 + l.y) * u.ld + b0 + l.x];
  }
  workgroupBarrier();
  if (b0 + l.y < u.ld && a0 + l.x < u.dk) {
    out[u.off_out + base + (b0 + l.y) * u.dk + a0 + l.x] = tile[l.x][l.y];
  }
}
