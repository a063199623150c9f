enable f16;

@group(0) @binding(0) var<storage, read> x: array<f16>;
@group(0) @binding(1) var<storage, read> y: array<f16>;
@group(0) @binding(2) var<storage, read> o: array<f16>;
@group(0) @binding(3) var<storage, read> mat: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
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
  sigma_default: u32,
  sigma: f32,
  inv_len: f32,
  eps: f32,
  off_x: u32,
  off_y: u32,
  off_den: u32,
  off_o: u32,
  off_mat: u32,
  off_gs: u32,
  off_part: u32,
  off_out: u32,
  off_out2: u32,
}
@group(0) @binding(5) var<uniform> u: Params;


fn flat_group(wid: vec3u, nwg: vec3u) -> u32 { return wid.x + nwg.x * (wid.y + nwg.y * wid.z); }

fn ld_x(i: u32) -> f32 { return f32(x[u.off_x + i]); }
fn ld_y(i: u32) -> f32 { return f32(y[u.off_y + i]); }
fn ld_den(i: u32) -> f32 { return f32(x[u.off_x + i]); }
fn ld_o(i: u32) -> f32 { return f32(o[u.off_o + i]); }
fn ld_dout(i: u32) -> f32 { return f32(y[u.off_y + i]); }

fn seg_row0(i_seg: u32) -> u32 { return (i_seg / u.he) * u.rows; }
fn seg_rows(i_seg: u32) -> u32 { return u.rows; }
fn seg_inv_len(i_seg: u32) -> f32 { return u.inv_len; }
fn seg_sigma(i_seg: u32) -> f32 { return u.sigma; }
// Element index (before the window offset) of row r of segment i_seg, feature size d.
fn row_index(i_seg: u32, r: u32, d: u32) -> u32 {
  return (seg_row0(i_seg) + r) * u.he * d + (i_seg % u.he) * d;
}

const TA = 32u;  // d_k rows of the state per workgroup
const TB = 64u;  // d_v columns per workgroup
const BR = 16u;  // sequence rows staged per step
const NT = 128u;
var<workgroup> s_x: array<vec4f, 128>;  // [BR][TA]: x rows
var<workgroup> s_y: array<vec4f, 256>;  // [BR][TB]: y rows (bwd: / z_r)

var<workgroup> s_o: array<f32, 1024>;  // [BR][TB]: o rows
var<workgroup> s_m: array<f32, 256>;

var<workgroup> s_part: array<vec2f, NT>;
var<workgroup> s_w: array<f32, 16>;  // 1 / z_r
var<workgroup> s_c: array<f32, 16>;  // dz_r
fn row_stats(i_seg: u32, r0: u32, end: u32, lid: u32) {
  let r = lid / 8u;
  let p = lid % 8u;
  var part = vec2f(0.0);
  if (r0 + r < end) {
    for (var a = p; a < 32u; a += 8u) { part.x += s_x[(r * TA + a) / 4u][a % 4u] * s_m[a]; }
    for (var b = p; b < 64u; b += 8u) {
      let i = r * 64u + b;
      part.y += s_y[i / 4u][i % 4u] * s_o[i];
    }
  }
  s_part[lid] = part;
  workgroupBarrier();
  if (lid < 16u) {
    var sum = vec2f(0.0);
    for (var i = 0u; i < 8u; i += 1u) { sum += s_part[lid * 8u + i]; }
    let z = sum.x + u.eps;
    let inside = r0 + lid < end;
    s_w[lid] = select(0.0, 1.0 / z, inside);
    s_c[lid] = select(0.0, -sum.y / z, inside);
  }
  workgroupBarrier();
}

@compute @workgroup_size(NT)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);
  if (g >= u.groups) { return; }
  let i_b = g % u.tiles_n;
  let i_a = (g / u.tiles_n) % u.tiles_a;
  let part = g / (u.tiles_n * u.tiles_a);  // partial index: (segment, chunk)
  let i_seg = part / u.chunks;
  let r_begin = (part % u.chunks) * u.chunk;
  let r_end = min(r_begin + u.chunk, seg_rows(i_seg));
  let a0 = i_a * TA;
  let b0 = i_b * TB;
  // The first column tile also sums the vector column: invocation lid owns state row a0 + lid.
  let vec_col = true && i_b == 0u;
  let with_den = true;  // stage the plain features
  let o_mat = u.off_mat + i_seg * u.dk * u.ld;
  for (var a = lid; a < u.dk; a += NT) { s_m[a] = mat[o_mat + a * u.ld + u.dv]; }
  workgroupBarrier();
  let tb = lid % 16u;  // this invocation: state rows ta·RA.., vec4 columns tb·CV..
  let ta = lid / 16u;
  // Blocked summation: `acc` sums FLUSH steps of BR rows, then is added to `total`.
  var acc: array<vec4f, 4>;
  var total: array<vec4f, 4>;
  var b_vec = 0.0;
  var b_total = 0.0;
  var steps = 0u;
  for (var r0 = r_begin; r0 < r_end; r0 += BR) {
    
    for (var e = lid; e < BR * TA; e += NT) {
      let r = e / TA;
      let a = e % TA;
      var val = 0.0;
      
      if (r0 + r < r_end && a0 + a < u.dk) {
        let i = row_index(i_seg, r0 + r, u.dk) + a0 + a;
        val = ld_x(i);
        
      }
      s_x[e / 4u][e % 4u] = val;
      
    }
    for (var e = lid; e < BR * TB; e += NT) {
      let r = e / TB;
      let b = e % TB;
      var val = 0.0;
      var o_val = 0.0;
      if (r0 + r < r_end && b0 + b < u.dv) {
        let i = row_index(i_seg, r0 + r, u.dv) + b0 + b;
        val = ld_y(i);
        o_val = ld_o(i);
      }
      s_y[e / 4u][e % 4u] = val;
      s_o[e] = o_val;
    }
    workgroupBarrier();
    row_stats(i_seg, r0, r_end, lid);
    {
      let x0 = s_x[0u + ta * 1u + 0u];
      let y0 = s_y[0u + tb * 1u + 0u] * s_w[0u];
      acc[0] = fma(vec4f(x0[0]), y0, acc[0]);
      acc[1] = fma(vec4f(x0[1]), y0, acc[1]);
      acc[2] = fma(vec4f(x0[2]), y0, acc[2]);
      acc[3] = fma(vec4f(x0[3]), y0, acc[3]);
    }
    {
      let x0 = s_x[8u + ta * 1u + 0u];
      let y0 = s_y[16u + tb * 1u + 0u] * s_w[1u];
      acc[0] = fma(vec4f(x0[0]), y0, acc[0]);
      acc[1] = fma(vec4f(x0[1]), y0, acc[1]);
      acc[2] = fma(vec4f(x0[2]), y0, acc[2]);
      acc[3] = fma(vec4f(x0[3]), y0, acc[3]);
    }
    {
      let x0 = s_x[16u + ta * 1u + 0u];
      let y0 = s_y[32u + tb * 1u + 0u] * s_w[2u];
      acc[0] = fma(vec4f(x0[0]), y0, acc[0]);
      acc[1] = fma(vec4f(x0[1]), y0, acc[1]);
      acc[2] = fma(vec4f(x0[2]), y0, acc[2]);
      acc[3] = fma(vec4f(x0[3]), y0, acc[3]);
    }
    {
      let x0 = s_x[24u + ta * 1u + 0u];
      let y0 = s_y[48u + tb * 1u + 0u] * s_w[3u];
      acc[0] = fma(vec4f(x0[0]), y0, acc[0]);
      acc[1] = fma(vec4f(x0[1]), y0, acc[1]);
      acc[2] = fma(vec4f(x0[2]), y0, acc[2]);
      acc[3] = fma(vec4f(x0[3]), y0, acc[3]);
    }
    {
      let x0 = s_x[32u + ta * 1u + 0u];
      let y0 = s_y[64u + tb * 1u + 0u] * s_w[4u];
      acc[0] = fma(vec4f(x0[0]), y0, acc[0]);
      acc[1] = fma(vec4f(x0[1]), y0, acc[1]);
      acc[2] = fma(vec4f(x0[2]), y0, acc[2]);
      acc[3] = fma(vec4f(x0[3]), y0, acc[3]);
    }
    {
      let x0 = s_x[40u + ta * 1u + 0u];
      let y0 = s_y[80u + tb * 1u + 0u] * s_w[5u];
      acc[0] = fma(vec4f(x0[0]), y0, acc[0]);
      acc[1] = fma(vec4f(x0[1]), y0, acc[1]);
      acc[2] = fma(vec4f(x0[2]), y0, acc[2]);
      acc[3] = fma(vec4f(x0[3]), y0, acc[3]);
    }
    {
      let x0 = s_x[48u + ta * 1u + 0u];
      let y0 = s_y[96u + tb * 1u + 0u] * s_w[6u];
      acc[0] = fma(vec4f(x0[0]), y0, acc[0]);
      acc[1] = fma(vec4f(x0[1]), y0, acc[1]);
      acc[2] = fma(vec4f(x0[2]), y0, acc[2]);
      acc[3] = fma(vec4f(x0[3]), y0, acc[3]);
    }
    {
      let x0 = s_x[56u + ta * 1u + 0u];
      let y0 = s_y[112u + tb * 1u + 0u] * s_w[7u];
      acc[0] = fma(vec4f(x0[0]), y0, acc[0]);
      acc[1] = fma(vec4f(x0[1]), y0, acc[1]);
      acc[2] = fma(vec4f(x0[2]), y0, acc[2]);
      acc[3] = fma(vec4f(x0[3]), y0, acc[3]);
    }
    {
      let x0 = s_x[64u + ta * 1u + 0u];
      let y0 = s_y[128u + tb * 1u + 0u] * s_w[8u];
      acc[0] = fma(vec4f(x0[0]), y0, acc[0]);
      acc[1] = fma(vec4f(x0[1]), y0, acc[1]);
      acc[2] = fma(vec4f(x0[2]), y0, acc[2]);
      acc[3] = fma(vec4f(x0[3]), y0, acc[3]);
    }
    {
      let x0 = s_x[72u + ta * 1u + 0u];
      let y0 = s_y[144u + tb * 1u + 0u] * s_w[9u];
      acc[0] = fma(vec4f(x0[0]), y0, acc[0]);
      acc[1] = fma(vec4f(x0[1]), y0, acc[1]);
      acc[2] = fma(vec4f(x0[2]), y0, acc[2]);
      acc[3] = fma(vec4f(x0[3]), y0, acc[3]);
    }
    {
      let x0 = s_x[80u + ta * 1u + 0u];
      let y0 = s_y[160u + tb * 1u + 0u] * s_w[10u];
      acc[0] = fma(vec4f(x0[0]), y0, acc[0]);
      acc[1] = fma(vec4f(x0[1]), y0, acc[1]);
      acc[2] = fma(vec4f(x0[2]), y0, acc[2]);
      acc[3] = fma(vec4f(x0[3]), y0, acc[3]);
    }
    {
      let x0 = s_x[88u + ta * 1u + 0u];
      let y0 = s_y[176u + tb * 1u + 0u] * s_w[11u];
      acc[0] = fma(vec4f(x0[0]), y0, acc[0]);
      acc[1] = fma(vec4f(x0[1]), y0, acc[1]);
      acc[2] = fma(vec4f(x0[2]), y0, acc[2]);
      acc[3] = fma(vec4f(x0[3]), y0, acc[3]);
    }
    {
      let x0 = s_x[96u + ta * 1u + 0u];
      let y0 = s_y[192u + tb * 1u + 0u] * s_w[12u];
      acc[0] = fma(vec4f(x0[0]), y0, acc[0]);
      acc[1] = fma(vec4f(x0[1]), y0, acc[1]);
      acc[2] = fma(vec4f(x0[2]), y0, acc[2]);
      acc[3] = fma(vec4f(x0[3]), y0, acc[3]);
    }
    {
      let x0 = s_x[104u + ta * 1u + 0u];
      let y0 = s_y[208u + tb * 1u + 0u] * s_w[13u];
      acc[0] = fma(vec4f(x0[0]), y0, acc[0]);
      acc[1] = fma(vec4f(x0[1]), y0, acc[1]);
      acc[2] = fma(vec4f(x0[2]), y0, acc[2]);
      acc[3] = fma(vec4f(x0[3]), y0, acc[3]);
    }
    {
      let x0 = s_x[112u + ta * 1u + 0u];
      let y0 = s_y[224u + tb * 1u + 0u] * s_w[14u];
      acc[0] = fma(vec4f(x0[0]), y0, acc[0]);
      acc[1] = fma(vec4f(x0[1]), y0, acc[1]);
      acc[2] = fma(vec4f(x0[2]), y0, acc[2]);
      acc[3] = fma(vec4f(x0[3]), y0, acc[3]);
    }
    {
      let x0 = s_x[120u + ta * 1u + 0u];
      let y0 = s_y[240u + tb * 1u + 0u] * s_w[15u];
      acc[0] = fma(vec4f(x0[0]), y0, acc[0]);
      acc[1] = fma(vec4f(x0[1]), y0, acc[1]);
      acc[2] = fma(vec4f(x0[2]), y0, acc[2]);
      acc[3] = fma(vec4f(x0[3]), y0, acc[3]);
    }
    if (vec_col && lid < TA) {
      b_vec += s_x[0u + lid / 4u][lid % 4u] * s_c[0u];
      b_vec += s_x[8u + lid / 4u][lid % 4u] * s_c[1u];
      b_vec += s_x[16u + lid / 4u][lid % 4u] * s_c[2u];
      b_vec += s_x[24u + lid / 4u][lid % 4u] * s_c[3u];
      b_vec += s_x[32u + lid / 4u][lid % 4u] * s_c[4u];
      b_vec += s_x[40u + lid / 4u][lid % 4u] * s_c[5u];
      b_vec += s_x[48u + lid / 4u][lid % 4u] * s_c[6u];
      b_vec += s_x[56u + lid / 4u][lid % 4u] * s_c[7u];
      b_vec += s_x[64u + lid / 4u][lid % 4u] * s_c[8u];
      b_vec += s_x[72u + lid / 4u][lid % 4u] * s_c[9u];
      b_vec += s_x[80u + lid / 4u][lid % 4u] * s_c[10u];
      b_vec += s_x[88u + lid / 4u][lid % 4u] * s_c[11u];
      b_vec += s_x[96u + lid / 4u][lid % 4u] * s_c[12u];
      b_vec += s_x[104u + lid / 4u][lid % 4u] * s_c[13u];
      b_vec += s_x[112u + lid / 4u][lid % 4u] * s_c[14u];
      b_vec += s_x[120u + lid / 4u][lid % 4u] * s_c[15u];
    }
    workgroupBarrier();
    steps += 1u;
    if (steps == 32u) {
      steps = 0u;
    total[0] += acc[0];
    acc[0] = vec4f(0.0);
    total[1] += acc[1];
    acc[1] = vec4f(0.0);
    total[2] += acc[2];
    acc[2] = vec4f(0.0);
    total[3] += acc[3];
    acc[3] = vec4f(0.0);
    b_total += b_vec;
    b_vec = 0.0;
    }
  }
    total[0] += acc[0];
    acc[0] = vec4f(0.0);
    total[1] += acc[1];
    acc[1] = vec4f(0.0);
    total[2] += acc[2];
    acc[2] = vec4f(0.0);
    total[3] += acc[3];
    acc[3] = vec4f(0.0);
    b_total += b_vec;
    b_vec = 0.0;
  let direct = u.direct != 0u;
  let scale = select(1.0, 1.0, direct);
  let o_out = u.off_out + select(part, i_seg, direct) * u.dk * u.ld;
  {
    let a = a0 + ta * 4u + 0u;
    let sums = total[0];
    for (var c = 0u; c < 4u; c += 1u) {
      let b = b0 + (tb * 1u + 0u) * 4u + c;
      if (a < u.dk && b < u.dv) {
        var val = sums[c] * scale;
        
        out[o_out + a * u.ld + b] = val;
      }
    }
  }
  {
    let a = a0 + ta * 4u + 1u;
    let sums = total[1];
    for (var c = 0u; c < 4u; c += 1u) {
      let b = b0 + (tb * 1u + 0u) * 4u + c;
      if (a < u.dk && b < u.dv) {
        var val = sums[c] * scale;
        
        out[o_out + a * u.ld + b] = val;
      }
    }
  }
  {
    let a = a0 + ta * 4u + 2u;
    let sums = total[2];
    for (var c = 0u; c < 4u; c += 1u) {
      let b = b0 + (tb * 1u + 0u) * 4u + c;
      if (a < u.dk && b < u.dv) {
        var val = sums[c] * scale;
        
        out[o_out + a * u.ld + b] = val;
      }
    }
  }
  {
    let a = a0 + ta * 4u + 3u;
    let sums = total[3];
    for (var c = 0u; c < 4u; c += 1u) {
      let b = b0 + (tb * 1u + 0u) * 4u + c;
      if (a < u.dk && b < u.dv) {
        var val = sums[c] * scale;
        
        out[o_out + a * u.ld + b] = val;
      }
    }
  }
  if (vec_col && lid < min(TA, u.dk - a0)) {
    out[o_out + (a0 + lid) * u.ld + u.dv] = b_total * select(1.0, seg_inv_len(i_seg), direct);
  }
}
