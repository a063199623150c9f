enable f16;

@group(0) @binding(0) var<storage, read> x: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read> y: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read> den: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
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
@group(0) @binding(4) var<uniform> u: Params;
fn flat_group(wid: vec3u, nwg: vec3u) -> u32 { return wid.x + nwg.x * (wid.y + nwg.y * wid.z); }

fn ld4_x(i: u32, n: u32) -> vec4f { return vec4f(x[(u.off_x + i) / 4u]); }
fn ld_x(i: u32) -> f32 { let j = u.off_x + i; return f32(x[j / 4u][j % 4u]); }
fn ld4_y(i: u32, n: u32) -> vec4f { return vec4f(y[(u.off_y + i) / 4u]); }
fn ld_y(i: u32) -> f32 { let j = u.off_y + i; return f32(y[j / 4u][j % 4u]); }
fn ld4_den(i: u32, n: u32) -> vec4f { return vec4f(den[(u.off_den + i) / 4u]); }
fn ld_den(i: u32) -> f32 { let j = u.off_den + i; return f32(den[j / 4u][j % 4u]); }

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

const TA = 16u;  // state rows (features of x) per workgroup
const TB = 16u;  // state columns (features of y) per workgroup
const STEP = 16u;  // sequence rows staged per step
const RA = 8u;  // state rows per invocation
const RB = 4u;  // state columns per invocation
const NTA = TA / RA;
const NTB = TB / RB;
const NTG = NTA * NTB;  // invocations per group, each group over the whole tile
const SPLIT = 2u;  // groups: group g multiplies staged rows g, g + SPLIT, …
const NT = NTG * SPLIT;
const GS = STEP / SPLIT;  // staged rows each group multiplies per step
const CA = NTA * SPLIT;  // columns of s_x
const CB = NTB * SPLIT;  // columns of s_y
const QA = TA / 4u;  // vec4s per staged x row
const QB = TB / 4u;  // vec4s per staged y row
// s_x[buf][s][i][g·NTA + ta]: features a0 + 4·(ta·RA/4 + i).. of staged row s·SPLIT + g
// (likewise s_y): the invocations of a subgroup read neighbouring vec4s (no bank conflicts).
var<workgroup> s_x: array<array<array<array<vec4f, CA>, RA / 4u>, GS>, 2>;
var<workgroup> s_y: array<array<array<array<vec4f, CB>, RB / 4u>, GS>, 2>;
var<workgroup> s_sum: array<vec4f, NT - NTG>;  // groups 1.. sums of one accumulator

var<private> i_seg: u32;
var<private> r_end: u32;
var<private> a0: u32;
var<private> b0: u32;
var<private> lid: u32;
var<private> vec_col: bool;  // this workgroup also sums the vector column (m or dm)
const QA8 = TA / 8u;  // wide loads per staged x row
const QB8 = TB / 8u;  // and y row
const NX8 = STEP * QA8;  // x items per step; y items follow
const NY8 = STEP * QB8;
var<private> m_lo: vec4f;  // vector column: features a0 + 8·(lid % QA8).. of the rows it fetched
var<private> m_hi: vec4f;  // and the 4 after them

struct Fetched {
  val: vec4<u32>,  // 8 features as stored, two f16 per word
  den: vec4<u32>,  // x items: the plain features
}

// Item lid + k·NT of the step from row r0: x item e < NX8 is row r0 + e / QA8, features
// a0 + 8·(e % QA8)..; y item e likewise from e − NX8 (0 past the chunk or the features).
fn fetch_xy(r0: u32, k: u32) -> Fetched {
  let e = lid + k * NT;
  var f = Fetched();  // zeros where nothing loads (lavapipe does not re-zero a bare declaration)
  if (e < NX8) {
    let r = r0 + e / QA8;
    let a = a0 + 8u * (e % QA8);
    if (r < r_end && a < u.dk) {
      let i = row_at(r, u.dk) + a;
      f.val = x[(u.off_x + i) / 8u];
      f.den = den[(u.off_den + i) / 8u];
    }
  } else if (e < NX8 + NY8) {
    let r = r0 + (e - NX8) / QB8;
    let b = b0 + 8u * ((e - NX8) % QB8);
    if (r < r_end && b < u.dv) {
      f.val = y[(u.off_y + row_at(r, u.dv) + b) / 8u];
    }
  }
  return f;
}

fn store_xy(buf: u32, k: u32, f: Fetched) {
  let e = lid + k * NT;
  if (e < NX8) {
    let s = e / QA8;
    let i = 2u * (e % QA8);  // the row's vec4 holding the low half
    s_x[buf][s / SPLIT][i % (RA / 4u)][(s % SPLIT) * NTA + i / (RA / 4u)] = vec4f(unpack2x16float(f.val.x), unpack2x16float(f.val.y));
    s_x[buf][s / SPLIT][(i + 1u) % (RA / 4u)][(s % SPLIT) * NTA + (i + 1u) / (RA / 4u)] = vec4f(unpack2x16float(f.val.z), unpack2x16float(f.val.w));
    if (vec_col) {
      m_lo += vec4f(unpack2x16float(f.den.x), unpack2x16float(f.den.y));
      m_hi += vec4f(unpack2x16float(f.den.z), unpack2x16float(f.den.w));
    }
  } else if (e < NX8 + NY8) {
    let s = (e - NX8) / QB8;
    let i = 2u * ((e - NX8) % QB8);
    s_y[buf][s / SPLIT][i % (RB / 4u)][(s % SPLIT) * NTB + i / (RB / 4u)] = vec4f(unpack2x16float(f.val.x), unpack2x16float(f.val.y));
    s_y[buf][s / SPLIT][(i + 1u) % (RB / 4u)][(s % SPLIT) * NTB + (i + 1u) / (RB / 4u)] = vec4f(unpack2x16float(f.val.z), unpack2x16float(f.val.w));
  }
}

fn put(a: u32, b4: u32, sums: vec4f, o_out: u32, scale: f32, direct: bool) {
  for (var c = 0u; c < 4u; c += 1u) {
    let b = b4 + c;
    if (a < u.dk && b < u.dv) {
      var val = sums[c] * scale;
      
      out[o_out + a * u.ld + b] = val;
    }
  }
}

@compute @workgroup_size(NT)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid_in: u32) {
  let g = flat_group(wid, nwg);
  if (g >= u.groups) { return; }
  lid = lid_in;
  let part = g / (u.tiles_n * u.tiles_a);  // partial index: (segment, chunk)
  let seg = part / u.chunks;
  let r_begin = (part % u.chunks) * u.chunk;
  // The loop bound is computed from uniform values in a local: browsers' uniformity analysis
  // (Tint) treats private variables as non-uniform and then rejects the barriers in the loop.
  let chunk_end = min(r_begin + u.chunk, seg_rows(seg));
  i_seg = seg;
  r_end = chunk_end;
  enter_segment(seg);
  a0 = ((g / u.tiles_n) % u.tiles_a) * TA;
  b0 = (g % u.tiles_n) * TB;
  vec_col = b0 == 0u;
  let grp = lid / NTG;  // this invocation's group
  let om = (lid / NTB) % NTA;  // its state rows a0 + om·RA.., columns b0 + on·RB..
  let on = lid % NTB;
  let tm = grp * NTA + om;  // its columns of s_x, s_y
  let tn = grp * NTB + on;
  
  var acc_0_0 = vec4f(0.0);
  var acc_1_0 = vec4f(0.0);
  var acc_2_0 = vec4f(0.0);
  var acc_3_0 = vec4f(0.0);
  var acc_4_0 = vec4f(0.0);
  var acc_5_0 = vec4f(0.0);
  var acc_6_0 = vec4f(0.0);
  var acc_7_0 = vec4f(0.0);
  let s_begin = r_begin;
  let s_end = chunk_end;
  {
    let f_xy0 = fetch_xy(s_begin, 0u);
    let f_xy1 = fetch_xy(s_begin, 1u);
    let f_xy2 = fetch_xy(s_begin, 2u);
    let f_xy3 = fetch_xy(s_begin, 3u);
    store_xy(0u, 0u, f_xy0);
    store_xy(0u, 1u, f_xy1);
    store_xy(0u, 2u, f_xy2);
    store_xy(0u, 3u, f_xy3);
  }
  workgroupBarrier();
  for (var s0 = s_begin; s0 < s_end; s0 += 2u * STEP) {
    {
      let buf = 0u;
    let f_xy0 = fetch_xy(s0 + STEP, 0u);
    let f_xy1 = fetch_xy(s0 + STEP, 1u);
    let f_xy2 = fetch_xy(s0 + STEP, 2u);
    let f_xy3 = fetch_xy(s0 + STEP, 3u);
      {
        let s = 0u;

        let x0 = s_x[buf][s][0][tm];
        let x1 = s_x[buf][s][1][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
        acc_4_0 = fma(vec4<f32>(x1[0]), y0, acc_4_0);
        acc_5_0 = fma(vec4<f32>(x1[1]), y0, acc_5_0);
        acc_6_0 = fma(vec4<f32>(x1[2]), y0, acc_6_0);
        acc_7_0 = fma(vec4<f32>(x1[3]), y0, acc_7_0);
      }
      {
        let s = 1u;

        let x0 = s_x[buf][s][0][tm];
        let x1 = s_x[buf][s][1][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
        acc_4_0 = fma(vec4<f32>(x1[0]), y0, acc_4_0);
        acc_5_0 = fma(vec4<f32>(x1[1]), y0, acc_5_0);
        acc_6_0 = fma(vec4<f32>(x1[2]), y0, acc_6_0);
        acc_7_0 = fma(vec4<f32>(x1[3]), y0, acc_7_0);
      }
      {
        let s = 2u;

        let x0 = s_x[buf][s][0][tm];
        let x1 = s_x[buf][s][1][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
        acc_4_0 = fma(vec4<f32>(x1[0]), y0, acc_4_0);
        acc_5_0 = fma(vec4<f32>(x1[1]), y0, acc_5_0);
        acc_6_0 = fma(vec4<f32>(x1[2]), y0, acc_6_0);
        acc_7_0 = fma(vec4<f32>(x1[3]), y0, acc_7_0);
      }
      {
        let s = 3u;

        let x0 = s_x[buf][s][0][tm];
        let x1 = s_x[buf][s][1][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
        acc_4_0 = fma(vec4<f32>(x1[0]), y0, acc_4_0);
        acc_5_0 = fma(vec4<f32>(x1[1]), y0, acc_5_0);
        acc_6_0 = fma(vec4<f32>(x1[2]), y0, acc_6_0);
        acc_7_0 = fma(vec4<f32>(x1[3]), y0, acc_7_0);
      }
      {
        let s = 4u;

        let x0 = s_x[buf][s][0][tm];
        let x1 = s_x[buf][s][1][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
        acc_4_0 = fma(vec4<f32>(x1[0]), y0, acc_4_0);
        acc_5_0 = fma(vec4<f32>(x1[1]), y0, acc_5_0);
        acc_6_0 = fma(vec4<f32>(x1[2]), y0, acc_6_0);
        acc_7_0 = fma(vec4<f32>(x1[3]), y0, acc_7_0);
      }
      {
        let s = 5u;

        let x0 = s_x[buf][s][0][tm];
        let x1 = s_x[buf][s][1][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
        acc_4_0 = fma(vec4<f32>(x1[0]), y0, acc_4_0);
        acc_5_0 = fma(vec4<f32>(x1[1]), y0, acc_5_0);
        acc_6_0 = fma(vec4<f32>(x1[2]), y0, acc_6_0);
        acc_7_0 = fma(vec4<f32>(x1[3]), y0, acc_7_0);
      }
      {
        let s = 6u;

        let x0 = s_x[buf][s][0][tm];
        let x1 = s_x[buf][s][1][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
        acc_4_0 = fma(vec4<f32>(x1[0]), y0, acc_4_0);
        acc_5_0 = fma(vec4<f32>(x1[1]), y0, acc_5_0);
        acc_6_0 = fma(vec4<f32>(x1[2]), y0, acc_6_0);
        acc_7_0 = fma(vec4<f32>(x1[3]), y0, acc_7_0);
      }
      {
        let s = 7u;

        let x0 = s_x[buf][s][0][tm];
        let x1 = s_x[buf][s][1][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
        acc_4_0 = fma(vec4<f32>(x1[0]), y0, acc_4_0);
        acc_5_0 = fma(vec4<f32>(x1[1]), y0, acc_5_0);
        acc_6_0 = fma(vec4<f32>(x1[2]), y0, acc_6_0);
        acc_7_0 = fma(vec4<f32>(x1[3]), y0, acc_7_0);
      }
    store_xy(1u, 0u, f_xy0);
    store_xy(1u, 1u, f_xy1);
    store_xy(1u, 2u, f_xy2);
    store_xy(1u, 3u, f_xy3);
      workgroupBarrier();
    }
    if (s0 + STEP >= s_end) { break; }
    {
      let buf = 1u;
    let f_xy0 = fetch_xy(s0 + 2u * STEP, 0u);
    let f_xy1 = fetch_xy(s0 + 2u * STEP, 1u);
    let f_xy2 = fetch_xy(s0 + 2u * STEP, 2u);
    let f_xy3 = fetch_xy(s0 + 2u * STEP, 3u);
      {
        let s = 0u;

        let x0 = s_x[buf][s][0][tm];
        let x1 = s_x[buf][s][1][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
        acc_4_0 = fma(vec4<f32>(x1[0]), y0, acc_4_0);
        acc_5_0 = fma(vec4<f32>(x1[1]), y0, acc_5_0);
        acc_6_0 = fma(vec4<f32>(x1[2]), y0, acc_6_0);
        acc_7_0 = fma(vec4<f32>(x1[3]), y0, acc_7_0);
      }
      {
        let s = 1u;

        let x0 = s_x[buf][s][0][tm];
        let x1 = s_x[buf][s][1][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
        acc_4_0 = fma(vec4<f32>(x1[0]), y0, acc_4_0);
        acc_5_0 = fma(vec4<f32>(x1[1]), y0, acc_5_0);
        acc_6_0 = fma(vec4<f32>(x1[2]), y0, acc_6_0);
        acc_7_0 = fma(vec4<f32>(x1[3]), y0, acc_7_0);
      }
      {
        let s = 2u;

        let x0 = s_x[buf][s][0][tm];
        let x1 = s_x[buf][s][1][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
        acc_4_0 = fma(vec4<f32>(x1[0]), y0, acc_4_0);
        acc_5_0 = fma(vec4<f32>(x1[1]), y0, acc_5_0);
        acc_6_0 = fma(vec4<f32>(x1[2]), y0, acc_6_0);
        acc_7_0 = fma(vec4<f32>(x1[3]), y0, acc_7_0);
      }
      {
        let s = 3u;

        let x0 = s_x[buf][s][0][tm];
        let x1 = s_x[buf][s][1][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
        acc_4_0 = fma(vec4<f32>(x1[0]), y0, acc_4_0);
        acc_5_0 = fma(vec4<f32>(x1[1]), y0, acc_5_0);
        acc_6_0 = fma(vec4<f32>(x1[2]), y0, acc_6_0);
        acc_7_0 = fma(vec4<f32>(x1[3]), y0, acc_7_0);
      }
      {
        let s = 4u;

        let x0 = s_x[buf][s][0][tm];
        let x1 = s_x[buf][s][1][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
        acc_4_0 = fma(vec4<f32>(x1[0]), y0, acc_4_0);
        acc_5_0 = fma(vec4<f32>(x1[1]), y0, acc_5_0);
        acc_6_0 = fma(vec4<f32>(x1[2]), y0, acc_6_0);
        acc_7_0 = fma(vec4<f32>(x1[3]), y0, acc_7_0);
      }
      {
        let s = 5u;

        let x0 = s_x[buf][s][0][tm];
        let x1 = s_x[buf][s][1][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
        acc_4_0 = fma(vec4<f32>(x1[0]), y0, acc_4_0);
        acc_5_0 = fma(vec4<f32>(x1[1]), y0, acc_5_0);
        acc_6_0 = fma(vec4<f32>(x1[2]), y0, acc_6_0);
        acc_7_0 = fma(vec4<f32>(x1[3]), y0, acc_7_0);
      }
      {
        let s = 6u;

        let x0 = s_x[buf][s][0][tm];
        let x1 = s_x[buf][s][1][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
        acc_4_0 = fma(vec4<f32>(x1[0]), y0, acc_4_0);
        acc_5_0 = fma(vec4<f32>(x1[1]), y0, acc_5_0);
        acc_6_0 = fma(vec4<f32>(x1[2]), y0, acc_6_0);
        acc_7_0 = fma(vec4<f32>(x1[3]), y0, acc_7_0);
      }
      {
        let s = 7u;

        let x0 = s_x[buf][s][0][tm];
        let x1 = s_x[buf][s][1][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
        acc_4_0 = fma(vec4<f32>(x1[0]), y0, acc_4_0);
        acc_5_0 = fma(vec4<f32>(x1[1]), y0, acc_5_0);
        acc_6_0 = fma(vec4<f32>(x1[2]), y0, acc_6_0);
        acc_7_0 = fma(vec4<f32>(x1[3]), y0, acc_7_0);
      }
    store_xy(0u, 0u, f_xy0);
    store_xy(0u, 1u, f_xy1);
    store_xy(0u, 2u, f_xy2);
    store_xy(0u, 3u, f_xy3);
      workgroupBarrier();
    }
  }
  let direct = u.direct != 0u;
  let scale = select(1.0, seg_scale(i_seg), direct);
  let o_out = u.off_out + select(part, i_seg, direct) * u.dk * u.ld;
  // Groups 1.. hand their sums to group 0 (the invocation holding the same outputs).
  if (grp != 0u) { s_sum[lid - NTG] = acc_0_0; }
  workgroupBarrier();
  if (grp == 0u) { for (var h = 0u; h < NT - NTG; h += NTG) { acc_0_0 += s_sum[h + lid]; } }
  workgroupBarrier();
  if (grp != 0u) { s_sum[lid - NTG] = acc_1_0; }
  workgroupBarrier();
  if (grp == 0u) { for (var h = 0u; h < NT - NTG; h += NTG) { acc_1_0 += s_sum[h + lid]; } }
  workgroupBarrier();
  if (grp != 0u) { s_sum[lid - NTG] = acc_2_0; }
  workgroupBarrier();
  if (grp == 0u) { for (var h = 0u; h < NT - NTG; h += NTG) { acc_2_0 += s_sum[h + lid]; } }
  workgroupBarrier();
  if (grp != 0u) { s_sum[lid - NTG] = acc_3_0; }
  workgroupBarrier();
  if (grp == 0u) { for (var h = 0u; h < NT - NTG; h += NTG) { acc_3_0 += s_sum[h + lid]; } }
  workgroupBarrier();
  if (grp != 0u) { s_sum[lid - NTG] = acc_4_0; }
  workgroupBarrier();
  if (grp == 0u) { for (var h = 0u; h < NT - NTG; h += NTG) { acc_4_0 += s_sum[h + lid]; } }
  workgroupBarrier();
  if (grp != 0u) { s_sum[lid - NTG] = acc_5_0; }
  workgroupBarrier();
  if (grp == 0u) { for (var h = 0u; h < NT - NTG; h += NTG) { acc_5_0 += s_sum[h + lid]; } }
  workgroupBarrier();
  if (grp != 0u) { s_sum[lid - NTG] = acc_6_0; }
  workgroupBarrier();
  if (grp == 0u) { for (var h = 0u; h < NT - NTG; h += NTG) { acc_6_0 += s_sum[h + lid]; } }
  workgroupBarrier();
  if (grp != 0u) { s_sum[lid - NTG] = acc_7_0; }
  workgroupBarrier();
  if (grp == 0u) { for (var h = 0u; h < NT - NTG; h += NTG) { acc_7_0 += s_sum[h + lid]; } }
  workgroupBarrier();
  if (grp == 0u) { put(a0 + om * RA + 0u, b0 + (on * (RB / 4u) + 0u) * 4u, acc_0_0, o_out, scale, direct); }
  if (grp == 0u) { put(a0 + om * RA + 1u, b0 + (on * (RB / 4u) + 0u) * 4u, acc_1_0, o_out, scale, direct); }
  if (grp == 0u) { put(a0 + om * RA + 2u, b0 + (on * (RB / 4u) + 0u) * 4u, acc_2_0, o_out, scale, direct); }
  if (grp == 0u) { put(a0 + om * RA + 3u, b0 + (on * (RB / 4u) + 0u) * 4u, acc_3_0, o_out, scale, direct); }
  if (grp == 0u) { put(a0 + om * RA + 4u, b0 + (on * (RB / 4u) + 0u) * 4u, acc_4_0, o_out, scale, direct); }
  if (grp == 0u) { put(a0 + om * RA + 5u, b0 + (on * (RB / 4u) + 0u) * 4u, acc_5_0, o_out, scale, direct); }
  if (grp == 0u) { put(a0 + om * RA + 6u, b0 + (on * (RB / 4u) + 0u) * 4u, acc_6_0, o_out, scale, direct); }
  if (grp == 0u) { put(a0 + om * RA + 7u, b0 + (on * (RB / 4u) + 0u) * 4u, acc_7_0, o_out, scale, direct); }
  // The vector column: the invocations that fetched features a0 + 8·i.. add their shares,
  // the low 4 features then the high 4 (through the same slots).
  s_y[lid / (GS * (RB / 4u) * CB)][(lid / ((RB / 4u) * CB)) % GS][(lid / CB) % (RB / 4u)][lid % CB] = m_lo;
  workgroupBarrier();
  if (vec_col && lid < QA8) {
    var sum = vec4f(0.0);
    for (var k = lid; k < NT; k += QA8) { sum += s_y[k / (GS * (RB / 4u) * CB)][(k / ((RB / 4u) * CB)) % GS][(k / CB) % (RB / 4u)][k % CB]; }
    let len_scale = select(1.0, seg_inv_len(i_seg), direct);
    for (var c = 0u; c < 4u; c += 1u) {
      let a = a0 + 8u * lid + 0u + c;
      if (a < u.dk) { out[o_out + a * u.ld + u.dv] = sum[c] * len_scale; }
    }
  }
  workgroupBarrier();
  s_y[lid / (GS * (RB / 4u) * CB)][(lid / ((RB / 4u) * CB)) % GS][(lid / CB) % (RB / 4u)][lid % CB] = m_hi;
  workgroupBarrier();
  if (vec_col && lid < QA8) {
    var sum = vec4f(0.0);
    for (var k = lid; k < NT; k += QA8) { sum += s_y[k / (GS * (RB / 4u) * CB)][(k / ((RB / 4u) * CB)) % GS][(k / CB) % (RB / 4u)][k % CB]; }
    let len_scale = select(1.0, seg_inv_len(i_seg), direct);
    for (var c = 0u; c < 4u; c += 1u) {
      let a = a0 + 8u * lid + 4u + c;
      if (a < u.dk) { out[o_out + a * u.ld + u.dv] = sum[c] * len_scale; }
    }
  }
}
