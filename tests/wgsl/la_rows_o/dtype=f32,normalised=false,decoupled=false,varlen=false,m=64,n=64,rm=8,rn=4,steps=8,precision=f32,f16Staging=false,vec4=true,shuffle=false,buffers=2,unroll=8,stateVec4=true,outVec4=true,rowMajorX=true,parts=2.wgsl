

@group(0) @binding(0) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> mat: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> out: array<vec4<f32>>;
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
@group(0) @binding(3) var<uniform> u: Params;
fn flat_group(wid: vec3u, nwg: vec3u) -> u32 { return wid.x + nwg.x * (wid.y + nwg.y * wid.z); }

fn ld4_x(i: u32, n: u32) -> vec4f { return vec4f(x[(u.off_x + i) / 4u]); }
fn ld_x(i: u32) -> f32 { let j = u.off_x + i; return f32(x[j / 4u][j % 4u]); }

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

const BT = 64u;  // sequence rows per workgroup
const TN = 64u;  // output features per workgroup
const STEP = 8u;  // inner features staged per step
const RT = 8u;  // rows per invocation
const RN = 4u;  // output features per invocation
const NTM = BT / RT;
const NTN = TN / RN;
const NT = NTM * NTN;
const QI = STEP / 4u;  // vec4s of a staged X row
// s_x[buf][q][tm][j]: inner features i0 + 4q.. of row r0 + tm·RT + j (X as stored);
// s_y[buf][i][j][tn]: M[i0 + i][n0 + 4·(tn·RN/4 + j)..].
var<workgroup> s_x: array<array<array<array<vec4f, RT>, NTM>, QI>, 2>;
var<workgroup> s_y: array<array<array<array<vec4f, NTN>, RN / 4u>, STEP>, 2>;






var<private> i_seg: u32;
var<private> r0: u32;
var<private> n_rows: u32;
var<private> n0: u32;
var<private> o_mat: u32;
var<private> part_size: u32;  // floats per partial state
var<private> lid: u32;
const FX = 1u;  // X vec4s each invocation fetches per step

alias FetchedX = vec4f;

// X features i0 + 4·(lid % QI).. of row r0 + lid / QI + k·NT/QI (0 past the rows or features).
fn fetch_x(i0: u32, k: u32) -> FetchedX {
  let r = r0 + lid / QI + k * (NT / QI);
  let i = i0 + 4u * (lid % QI);
  if (r >= n_rows || i >= u.dk) { return FetchedX(); }
  let i_x = row_at(r, u.dk) + i;
  return ld4_x(i_x, u.dk - i);
}

fn store_x(buf: u32, k: u32, f: FetchedX) {
  let r = lid / QI + k * (NT / QI);
  let val = f;
  s_x[buf][lid % QI][r / RT][r % RT] = vec4f(val);
}

// M[i0 + i][n0 + col] of the state (4 floats: vec4 item k of this invocation's share of the step).
fn fetch_m(i0: u32, k: u32) -> vec4f {
  let e = lid + k * NT;
  let i = e / (TN / 4u);
  let col = 4u * (e % (TN / 4u));
  if (i0 + i >= u.dk || n0 + col >= u.dv) { return vec4f(0.0); }
  return (mat[(o_mat + (i0 + i) * u.ld + n0 + col) / 4u] + mat[(o_mat + (i0 + i) * u.ld + n0 + col + part_size) / 4u]) * seg_scale(i_seg);
}

fn store_m(buf: u32, k: u32, val: vec4f) {
  let e = lid + k * NT;
  let i = e / (TN / 4u);
  let col = 4u * (e % (TN / 4u));
  s_y[buf][i][(col % RN) / 4u][col / RN] = vec4f(val);
}


// Outputs n0 + col4.. of row r (all 4 or none: the output features are a multiple of 4).
fn put(r: u32, col4: u32, sums: vec4f, scale: f32) {
  let col = n0 + col4;
  if (r0 + r < n_rows && col < u.dv) {
    let acc_v = sums;
    
    let i_out = row_at(r0 + r, u.dv) + col;
    out[(u.off_out + i_out) / 4u] = vec4<f32>(acc_v);
    
  }
}

@compute @workgroup_size(NT)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid_in: u32) {
  let g = flat_group(wid, nwg);
  if (g >= u.groups) { return; }
  lid = lid_in;
  n0 = (g % u.tiles_n) * TN;
  let rest = g / u.tiles_n;
  i_seg = rest / u.blocks;
  r0 = (rest % u.blocks) * BT;
  enter_segment(i_seg);
  n_rows = seg_rows(i_seg);
  part_size = u.dk * u.ld;
  o_mat = u.off_mat + i_seg * 2u * part_size;  // the segment's first partial
  let scale = seg_scale(i_seg);
  let tn = lid % NTN;  // this invocation: rows r0 + tm·RT.., features n0 + tn·RN..
  let tm = lid / NTN;
  
  var acc_0_0 = vec4f(0.0);
  var acc_1_0 = vec4f(0.0);
  var acc_2_0 = vec4f(0.0);
  var acc_3_0 = vec4f(0.0);
  var acc_4_0 = vec4f(0.0);
  var acc_5_0 = vec4f(0.0);
  var acc_6_0 = vec4f(0.0);
  var acc_7_0 = vec4f(0.0);

  let s_begin = 0u;
  let s_end = u.dk;
  {
    let f_x0 = fetch_x(s_begin, 0u);
    let f_m0 = fetch_m(s_begin, 0u);
    store_x(0u, 0u, f_x0);
    store_m(0u, 0u, f_m0);
  }
  workgroupBarrier();
  for (var s0 = s_begin; s0 < s_end; s0 += 2u * STEP) {
    {
      let buf = 0u;
    let f_x0 = fetch_x(s0 + STEP, 0u);
    let f_m0 = fetch_m(s0 + STEP, 0u);
      {
        let q = 0u;
        let x0 = s_x[buf][q][tm][0];
        let x1 = s_x[buf][q][tm][1];
        let x2 = s_x[buf][q][tm][2];
        let x3 = s_x[buf][q][tm][3];
        let x4 = s_x[buf][q][tm][4];
        let x5 = s_x[buf][q][tm][5];
        let x6 = s_x[buf][q][tm][6];
        let x7 = s_x[buf][q][tm][7];
        {
          let s = 0u;
          let y0 = s_y[buf][s][0][tn];
          acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
          acc_1_0 = fma(vec4<f32>(x1[0]), y0, acc_1_0);
          acc_2_0 = fma(vec4<f32>(x2[0]), y0, acc_2_0);
          acc_3_0 = fma(vec4<f32>(x3[0]), y0, acc_3_0);
          acc_4_0 = fma(vec4<f32>(x4[0]), y0, acc_4_0);
          acc_5_0 = fma(vec4<f32>(x5[0]), y0, acc_5_0);
          acc_6_0 = fma(vec4<f32>(x6[0]), y0, acc_6_0);
          acc_7_0 = fma(vec4<f32>(x7[0]), y0, acc_7_0);
        }
        {
          let s = 1u;
          let y0 = s_y[buf][s][0][tn];
          acc_0_0 = fma(vec4<f32>(x0[1]), y0, acc_0_0);
          acc_1_0 = fma(vec4<f32>(x1[1]), y0, acc_1_0);
          acc_2_0 = fma(vec4<f32>(x2[1]), y0, acc_2_0);
          acc_3_0 = fma(vec4<f32>(x3[1]), y0, acc_3_0);
          acc_4_0 = fma(vec4<f32>(x4[1]), y0, acc_4_0);
          acc_5_0 = fma(vec4<f32>(x5[1]), y0, acc_5_0);
          acc_6_0 = fma(vec4<f32>(x6[1]), y0, acc_6_0);
          acc_7_0 = fma(vec4<f32>(x7[1]), y0, acc_7_0);
        }
        {
          let s = 2u;
          let y0 = s_y[buf][s][0][tn];
          acc_0_0 = fma(vec4<f32>(x0[2]), y0, acc_0_0);
          acc_1_0 = fma(vec4<f32>(x1[2]), y0, acc_1_0);
          acc_2_0 = fma(vec4<f32>(x2[2]), y0, acc_2_0);
          acc_3_0 = fma(vec4<f32>(x3[2]), y0, acc_3_0);
          acc_4_0 = fma(vec4<f32>(x4[2]), y0, acc_4_0);
          acc_5_0 = fma(vec4<f32>(x5[2]), y0, acc_5_0);
          acc_6_0 = fma(vec4<f32>(x6[2]), y0, acc_6_0);
          acc_7_0 = fma(vec4<f32>(x7[2]), y0, acc_7_0);
        }
        {
          let s = 3u;
          let y0 = s_y[buf][s][0][tn];
          acc_0_0 = fma(vec4<f32>(x0[3]), y0, acc_0_0);
          acc_1_0 = fma(vec4<f32>(x1[3]), y0, acc_1_0);
          acc_2_0 = fma(vec4<f32>(x2[3]), y0, acc_2_0);
          acc_3_0 = fma(vec4<f32>(x3[3]), y0, acc_3_0);
          acc_4_0 = fma(vec4<f32>(x4[3]), y0, acc_4_0);
          acc_5_0 = fma(vec4<f32>(x5[3]), y0, acc_5_0);
          acc_6_0 = fma(vec4<f32>(x6[3]), y0, acc_6_0);
          acc_7_0 = fma(vec4<f32>(x7[3]), y0, acc_7_0);
        }
      }
      {
        let q = 1u;
        let x0 = s_x[buf][q][tm][0];
        let x1 = s_x[buf][q][tm][1];
        let x2 = s_x[buf][q][tm][2];
        let x3 = s_x[buf][q][tm][3];
        let x4 = s_x[buf][q][tm][4];
        let x5 = s_x[buf][q][tm][5];
        let x6 = s_x[buf][q][tm][6];
        let x7 = s_x[buf][q][tm][7];
        {
          let s = 4u;
          let y0 = s_y[buf][s][0][tn];
          acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
          acc_1_0 = fma(vec4<f32>(x1[0]), y0, acc_1_0);
          acc_2_0 = fma(vec4<f32>(x2[0]), y0, acc_2_0);
          acc_3_0 = fma(vec4<f32>(x3[0]), y0, acc_3_0);
          acc_4_0 = fma(vec4<f32>(x4[0]), y0, acc_4_0);
          acc_5_0 = fma(vec4<f32>(x5[0]), y0, acc_5_0);
          acc_6_0 = fma(vec4<f32>(x6[0]), y0, acc_6_0);
          acc_7_0 = fma(vec4<f32>(x7[0]), y0, acc_7_0);
        }
        {
          let s = 5u;
          let y0 = s_y[buf][s][0][tn];
          acc_0_0 = fma(vec4<f32>(x0[1]), y0, acc_0_0);
          acc_1_0 = fma(vec4<f32>(x1[1]), y0, acc_1_0);
          acc_2_0 = fma(vec4<f32>(x2[1]), y0, acc_2_0);
          acc_3_0 = fma(vec4<f32>(x3[1]), y0, acc_3_0);
          acc_4_0 = fma(vec4<f32>(x4[1]), y0, acc_4_0);
          acc_5_0 = fma(vec4<f32>(x5[1]), y0, acc_5_0);
          acc_6_0 = fma(vec4<f32>(x6[1]), y0, acc_6_0);
          acc_7_0 = fma(vec4<f32>(x7[1]), y0, acc_7_0);
        }
        {
          let s = 6u;
          let y0 = s_y[buf][s][0][tn];
          acc_0_0 = fma(vec4<f32>(x0[2]), y0, acc_0_0);
          acc_1_0 = fma(vec4<f32>(x1[2]), y0, acc_1_0);
          acc_2_0 = fma(vec4<f32>(x2[2]), y0, acc_2_0);
          acc_3_0 = fma(vec4<f32>(x3[2]), y0, acc_3_0);
          acc_4_0 = fma(vec4<f32>(x4[2]), y0, acc_4_0);
          acc_5_0 = fma(vec4<f32>(x5[2]), y0, acc_5_0);
          acc_6_0 = fma(vec4<f32>(x6[2]), y0, acc_6_0);
          acc_7_0 = fma(vec4<f32>(x7[2]), y0, acc_7_0);
        }
        {
          let s = 7u;
          let y0 = s_y[buf][s][0][tn];
          acc_0_0 = fma(vec4<f32>(x0[3]), y0, acc_0_0);
          acc_1_0 = fma(vec4<f32>(x1[3]), y0, acc_1_0);
          acc_2_0 = fma(vec4<f32>(x2[3]), y0, acc_2_0);
          acc_3_0 = fma(vec4<f32>(x3[3]), y0, acc_3_0);
          acc_4_0 = fma(vec4<f32>(x4[3]), y0, acc_4_0);
          acc_5_0 = fma(vec4<f32>(x5[3]), y0, acc_5_0);
          acc_6_0 = fma(vec4<f32>(x6[3]), y0, acc_6_0);
          acc_7_0 = fma(vec4<f32>(x7[3]), y0, acc_7_0);
        }
      }
    store_x(1u, 0u, f_x0);
    store_m(1u, 0u, f_m0);
      workgroupBarrier();
    }
    if (s0 + STEP >= s_end) { break; }
    {
      let buf = 1u;
    let f_x0 = fetch_x(s0 + 2u * STEP, 0u);
    let f_m0 = fetch_m(s0 + 2u * STEP, 0u);
      {
        let q = 0u;
        let x0 = s_x[buf][q][tm][0];
        let x1 = s_x[buf][q][tm][1];
        let x2 = s_x[buf][q][tm][2];
        let x3 = s_x[buf][q][tm][3];
        let x4 = s_x[buf][q][tm][4];
        let x5 = s_x[buf][q][tm][5];
        let x6 = s_x[buf][q][tm][6];
        let x7 = s_x[buf][q][tm][7];
        {
          let s = 0u;
          let y0 = s_y[buf][s][0][tn];
          acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
          acc_1_0 = fma(vec4<f32>(x1[0]), y0, acc_1_0);
          acc_2_0 = fma(vec4<f32>(x2[0]), y0, acc_2_0);
          acc_3_0 = fma(vec4<f32>(x3[0]), y0, acc_3_0);
          acc_4_0 = fma(vec4<f32>(x4[0]), y0, acc_4_0);
          acc_5_0 = fma(vec4<f32>(x5[0]), y0, acc_5_0);
          acc_6_0 = fma(vec4<f32>(x6[0]), y0, acc_6_0);
          acc_7_0 = fma(vec4<f32>(x7[0]), y0, acc_7_0);
        }
        {
          let s = 1u;
          let y0 = s_y[buf][s][0][tn];
          acc_0_0 = fma(vec4<f32>(x0[1]), y0, acc_0_0);
          acc_1_0 = fma(vec4<f32>(x1[1]), y0, acc_1_0);
          acc_2_0 = fma(vec4<f32>(x2[1]), y0, acc_2_0);
          acc_3_0 = fma(vec4<f32>(x3[1]), y0, acc_3_0);
          acc_4_0 = fma(vec4<f32>(x4[1]), y0, acc_4_0);
          acc_5_0 = fma(vec4<f32>(x5[1]), y0, acc_5_0);
          acc_6_0 = fma(vec4<f32>(x6[1]), y0, acc_6_0);
          acc_7_0 = fma(vec4<f32>(x7[1]), y0, acc_7_0);
        }
        {
          let s = 2u;
          let y0 = s_y[buf][s][0][tn];
          acc_0_0 = fma(vec4<f32>(x0[2]), y0, acc_0_0);
          acc_1_0 = fma(vec4<f32>(x1[2]), y0, acc_1_0);
          acc_2_0 = fma(vec4<f32>(x2[2]), y0, acc_2_0);
          acc_3_0 = fma(vec4<f32>(x3[2]), y0, acc_3_0);
          acc_4_0 = fma(vec4<f32>(x4[2]), y0, acc_4_0);
          acc_5_0 = fma(vec4<f32>(x5[2]), y0, acc_5_0);
          acc_6_0 = fma(vec4<f32>(x6[2]), y0, acc_6_0);
          acc_7_0 = fma(vec4<f32>(x7[2]), y0, acc_7_0);
        }
        {
          let s = 3u;
          let y0 = s_y[buf][s][0][tn];
          acc_0_0 = fma(vec4<f32>(x0[3]), y0, acc_0_0);
          acc_1_0 = fma(vec4<f32>(x1[3]), y0, acc_1_0);
          acc_2_0 = fma(vec4<f32>(x2[3]), y0, acc_2_0);
          acc_3_0 = fma(vec4<f32>(x3[3]), y0, acc_3_0);
          acc_4_0 = fma(vec4<f32>(x4[3]), y0, acc_4_0);
          acc_5_0 = fma(vec4<f32>(x5[3]), y0, acc_5_0);
          acc_6_0 = fma(vec4<f32>(x6[3]), y0, acc_6_0);
          acc_7_0 = fma(vec4<f32>(x7[3]), y0, acc_7_0);
        }
      }
      {
        let q = 1u;
        let x0 = s_x[buf][q][tm][0];
        let x1 = s_x[buf][q][tm][1];
        let x2 = s_x[buf][q][tm][2];
        let x3 = s_x[buf][q][tm][3];
        let x4 = s_x[buf][q][tm][4];
        let x5 = s_x[buf][q][tm][5];
        let x6 = s_x[buf][q][tm][6];
        let x7 = s_x[buf][q][tm][7];
        {
          let s = 4u;
          let y0 = s_y[buf][s][0][tn];
          acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
          acc_1_0 = fma(vec4<f32>(x1[0]), y0, acc_1_0);
          acc_2_0 = fma(vec4<f32>(x2[0]), y0, acc_2_0);
          acc_3_0 = fma(vec4<f32>(x3[0]), y0, acc_3_0);
          acc_4_0 = fma(vec4<f32>(x4[0]), y0, acc_4_0);
          acc_5_0 = fma(vec4<f32>(x5[0]), y0, acc_5_0);
          acc_6_0 = fma(vec4<f32>(x6[0]), y0, acc_6_0);
          acc_7_0 = fma(vec4<f32>(x7[0]), y0, acc_7_0);
        }
        {
          let s = 5u;
          let y0 = s_y[buf][s][0][tn];
          acc_0_0 = fma(vec4<f32>(x0[1]), y0, acc_0_0);
          acc_1_0 = fma(vec4<f32>(x1[1]), y0, acc_1_0);
          acc_2_0 = fma(vec4<f32>(x2[1]), y0, acc_2_0);
          acc_3_0 = fma(vec4<f32>(x3[1]), y0, acc_3_0);
          acc_4_0 = fma(vec4<f32>(x4[1]), y0, acc_4_0);
          acc_5_0 = fma(vec4<f32>(x5[1]), y0, acc_5_0);
          acc_6_0 = fma(vec4<f32>(x6[1]), y0, acc_6_0);
          acc_7_0 = fma(vec4<f32>(x7[1]), y0, acc_7_0);
        }
        {
          let s = 6u;
          let y0 = s_y[buf][s][0][tn];
          acc_0_0 = fma(vec4<f32>(x0[2]), y0, acc_0_0);
          acc_1_0 = fma(vec4<f32>(x1[2]), y0, acc_1_0);
          acc_2_0 = fma(vec4<f32>(x2[2]), y0, acc_2_0);
          acc_3_0 = fma(vec4<f32>(x3[2]), y0, acc_3_0);
          acc_4_0 = fma(vec4<f32>(x4[2]), y0, acc_4_0);
          acc_5_0 = fma(vec4<f32>(x5[2]), y0, acc_5_0);
          acc_6_0 = fma(vec4<f32>(x6[2]), y0, acc_6_0);
          acc_7_0 = fma(vec4<f32>(x7[2]), y0, acc_7_0);
        }
        {
          let s = 7u;
          let y0 = s_y[buf][s][0][tn];
          acc_0_0 = fma(vec4<f32>(x0[3]), y0, acc_0_0);
          acc_1_0 = fma(vec4<f32>(x1[3]), y0, acc_1_0);
          acc_2_0 = fma(vec4<f32>(x2[3]), y0, acc_2_0);
          acc_3_0 = fma(vec4<f32>(x3[3]), y0, acc_3_0);
          acc_4_0 = fma(vec4<f32>(x4[3]), y0, acc_4_0);
          acc_5_0 = fma(vec4<f32>(x5[3]), y0, acc_5_0);
          acc_6_0 = fma(vec4<f32>(x6[3]), y0, acc_6_0);
          acc_7_0 = fma(vec4<f32>(x7[3]), y0, acc_7_0);
        }
      }
    store_x(0u, 0u, f_x0);
    store_m(0u, 0u, f_m0);
      workgroupBarrier();
    }
  }


  put(tm * RT + 0u, (tn * (RN / 4u) + 0u) * 4u, acc_0_0, scale);
  put(tm * RT + 1u, (tn * (RN / 4u) + 0u) * 4u, acc_1_0, scale);
  put(tm * RT + 2u, (tn * (RN / 4u) + 0u) * 4u, acc_2_0, scale);
  put(tm * RT + 3u, (tn * (RN / 4u) + 0u) * 4u, acc_3_0, scale);
  put(tm * RT + 4u, (tn * (RN / 4u) + 0u) * 4u, acc_4_0, scale);
  put(tm * RT + 5u, (tn * (RN / 4u) + 0u) * 4u, acc_5_0, scale);
  put(tm * RT + 6u, (tn * (RN / 4u) + 0u) * 4u, acc_6_0, scale);
  put(tm * RT + 7u, (tn * (RN / 4u) + 0u) * 4u, acc_7_0, scale);
}
