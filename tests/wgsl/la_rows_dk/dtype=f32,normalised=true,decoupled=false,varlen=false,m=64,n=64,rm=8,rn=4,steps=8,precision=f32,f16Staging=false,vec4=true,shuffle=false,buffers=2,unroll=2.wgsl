

@group(0) @binding(0) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> mat: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
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
// s_x[buf][i][j][tm]: inner feature i0 + i of rows r0 + 4·(tm·RT/4 + j).. (X transposed);
// s_y[buf][i][j][tn]: M[i0 + i][n0 + 4·(tn·RN/4 + j)..].
var<workgroup> s_x: array<array<array<array<vec4f, NTM>, RT / 4u>, STEP>, 2>;
var<workgroup> s_y: array<array<array<array<vec4f, NTN>, RN / 4u>, STEP>, 2>;
var<workgroup> s_vec: array<vec4f, 64>;  // m (o, dq) or dm/L_k (dk), 4 per vec4





var<private> i_seg: u32;
var<private> r0: u32;
var<private> n_rows: u32;
var<private> n0: u32;
var<private> o_mat: u32;
var<private> lid: u32;
const FX = 1u;  // X vec4s each invocation fetches per step

alias FetchedX = vec4f;

// X features i0 + 4·(lid % QI).. of row r0 + lid / QI + k·NT/QI (0 past the rows or features).
fn fetch_x(i0: u32, k: u32) -> FetchedX {
  let r = r0 + lid / QI + k * (NT / QI);
  let i = i0 + 4u * (lid % QI);
  if (r >= n_rows || i >= u.dv) { return FetchedX(); }
  let i_x = row_at(r, u.dv) + i;
  return ld4_x(i_x, u.dv - i);
}

fn store_x(buf: u32, k: u32, f: FetchedX) {
  let r = lid / QI + k * (NT / QI);
  let val = f;
  let i = 4u * (lid % QI);
  for (var c = 0u; c < 4u; c += 1u) {
    s_x[buf][i + c][(r % RT) / 4u][r / RT][r % 4u] = vec4f(val)[c];
  }
}

// M[i0 + i][n0 + col] of the state (element k of this invocation's share of the step).
fn fetch_m(i0: u32, k: u32) -> f32 {
  let e = lid + k * NT;
  let i = e % STEP;
  let col = e / STEP;
  if (i0 + i >= u.dv || n0 + col >= u.dk) { return 0.0; }
  return mat[o_mat + (n0 + col) * u.ld + i0 + i];
}

fn store_m(buf: u32, k: u32, val: f32) {
  let e = lid + k * NT;
  let i = e % STEP;
  let col = e / STEP;
  s_y[buf][i][(col % RN) / 4u][col / RN][col % 4u] = val;
}


fn put(r: u32, col4: u32, sums: vec4f, scale: f32) {
  for (var c = 0u; c < 4u; c += 1u) {
    let col = n0 + col4 + c;
    if (r0 + r < n_rows && col < u.dk) {
      let acc_v = sums[c];
      let m_col = s_vec[col / 4u][col % 4u];
      let i_out = row_at(r0 + r, u.dk) + col;
      out[u.off_out + i_out] = f32(scale * acc_v + m_col);
      
    }
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
  o_mat = u.off_mat + i_seg * u.dk * u.ld;
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
  let s_end = u.dv;
  {
    let m_item0 = mat[o_mat + (min(lid + 0u, u.dk - 1u)) * u.ld + u.dv];
    let m_item1 = mat[o_mat + (min(lid + 128u, u.dk - 1u)) * u.ld + u.dv];
    let f_x0 = fetch_x(s_begin, 0u);
    let f_m0 = fetch_m(s_begin, 0u);
    let f_m1 = fetch_m(s_begin, 1u);
    let f_m2 = fetch_m(s_begin, 2u);
    let f_m3 = fetch_m(s_begin, 3u);
    if (lid + 0u < u.dk) { s_vec[(lid + 0u) / 4u][(lid + 0u) % 4u] = m_item0; }
    if (lid + 128u < u.dk) { s_vec[(lid + 128u) / 4u][(lid + 128u) % 4u] = m_item1; }
    store_x(0u, 0u, f_x0);
    store_m(0u, 0u, f_m0);
    store_m(0u, 1u, f_m1);
    store_m(0u, 2u, f_m2);
    store_m(0u, 3u, f_m3);
  }
  workgroupBarrier();
  for (var s0 = s_begin; s0 < s_end; s0 += 2u * STEP) {
    {
      let buf = 0u;
    let f_x0 = fetch_x(s0 + STEP, 0u);
    let f_m0 = fetch_m(s0 + STEP, 0u);
    let f_m1 = fetch_m(s0 + STEP, 1u);
    let f_m2 = fetch_m(s0 + STEP, 2u);
    let f_m3 = fetch_m(s0 + STEP, 3u);
    for (var s2 = 0u; s2 < 8u; s2 += 2u) {
      {
        let s = s2 + 0u;

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
        let s = s2 + 1u;

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
    }
    store_x(1u, 0u, f_x0);
    store_m(1u, 0u, f_m0);
    store_m(1u, 1u, f_m1);
    store_m(1u, 2u, f_m2);
    store_m(1u, 3u, f_m3);
      workgroupBarrier();
    }
    if (s0 + STEP >= s_end) { break; }
    {
      let buf = 1u;
    let f_x0 = fetch_x(s0 + 2u * STEP, 0u);
    let f_m0 = fetch_m(s0 + 2u * STEP, 0u);
    let f_m1 = fetch_m(s0 + 2u * STEP, 1u);
    let f_m2 = fetch_m(s0 + 2u * STEP, 2u);
    let f_m3 = fetch_m(s0 + 2u * STEP, 3u);
    for (var s2 = 0u; s2 < 8u; s2 += 2u) {
      {
        let s = s2 + 0u;

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
        let s = s2 + 1u;

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
    }
    store_x(0u, 0u, f_x0);
    store_m(0u, 0u, f_m0);
    store_m(0u, 1u, f_m1);
    store_m(0u, 2u, f_m2);
    store_m(0u, 3u, f_m3);
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
