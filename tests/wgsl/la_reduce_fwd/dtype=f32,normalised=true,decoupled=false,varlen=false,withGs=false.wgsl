
@group(0) @binding(0) var<storage, read> part: array<f32>;
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


fn seg_row0(i_seg: u32) -> u32 { return (i_seg / u.he) * u.rows; }
fn seg_rows(i_seg: u32) -> u32 { return u.rows; }
fn seg_inv_len(i_seg: u32) -> f32 { return u.inv_len; }
fn seg_scale(i_seg: u32) -> f32 { return u.scale; }
var<private> seg_first: u32;  // first row of the current segment
var<private> seg_head: u32;  // its head within an interleaved row
fn enter_segment(i_seg: u32) {
  seg_first = seg_row0(i_seg);
  seg_head = i_seg % u.he;
}
// Element index (before the window offset) of row r of the current segment, feature size d.
fn row_at(r: u32, d: u32) -> u32 { return (seg_first + r) * u.he * d + seg_head * d; }
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);
  if (g >= u.groups) { return; }
  let size = u.dk * u.ld;
  let i_seg = g / u.tiles_n;
  let e = (g % u.tiles_n) * 256u + lid;
  if (e >= size) { return; }
  let count = u.chunks;
  let stride = 1u;
  let base = i_seg * u.chunks;
  // The partials summed in chunk order, 8 loads in flight: the same additions as one
  // at a time, without waiting for each load before issuing the next.
  let at = u.off_part + base * size + e;
  let step = stride * size;
  var sum = 0.0;
  var c = 0u;
  for (; c + 8u <= count; c += 8u) {
    let p0 = part[at + (c + 0u) * step];
    let p1 = part[at + (c + 1u) * step];
    let p2 = part[at + (c + 2u) * step];
    let p3 = part[at + (c + 3u) * step];
    let p4 = part[at + (c + 4u) * step];
    let p5 = part[at + (c + 5u) * step];
    let p6 = part[at + (c + 6u) * step];
    let p7 = part[at + (c + 7u) * step];
    sum += p0;
    sum += p1;
    sum += p2;
    sum += p3;
    sum += p4;
    sum += p5;
    sum += p6;
    sum += p7;
  }
  for (; c < count; c += 1u) { sum += part[at + c * step]; }
  let b = e % u.ld;
  if (b < u.dv) {
    sum *= seg_scale(i_seg);
    
  } else {
    sum *= seg_inv_len(i_seg);
  }
  out[u.off_out + i_seg * size + e] = sum;
}
