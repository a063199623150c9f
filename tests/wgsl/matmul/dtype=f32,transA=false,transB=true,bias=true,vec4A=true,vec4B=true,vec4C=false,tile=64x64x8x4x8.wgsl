


@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
struct Params {
  m: u32,
  n: u32,
  k: u32,
  batch: u32,
  tiles_m: u32,
  tiles_n: u32,
  off_a: u32,
  off_b: u32,
  off_c: u32,
  off_bias: u32,
  stride_a: u32,
  stride_b: u32,
}
@group(0) @binding(4) var<uniform> u: Params;
fn flat_group(wid: vec3u, nwg: vec3u) -> u32 { return wid.x + nwg.x * (wid.y + nwg.y * wid.z); }

fn fetch4_a(i: u32, avail: u32) -> vec4<f32> { return a[(u.off_a + i) / 4u]; }
fn fetch4_b(i: u32, avail: u32) -> vec4<f32> { return b[(u.off_b + i) / 4u]; }

const BM = 64u;  // rows of C per workgroup
const BN = 64u;  // columns of C per workgroup
const STEP = 8u;  // K per staged step
const RT = 8u;  // rows per invocation
const RN = 4u;  // columns per invocation
const NTM = BM / RT;
const NTN = BN / RN;
const NT = NTM * NTN;
const QS = STEP / 4u;  // vec4s along K per step
const QM = BM / 4u;  // vec4s along a tile's rows
const QN = BN / 4u;  // vec4s along a tile's columns
// s_x[buf][q][tm][j]: op(A) row m0 + tm·RT + j at K s0 + 4q.. (A as stored).
var<workgroup> s_x: array<array<array<array<vec4f, RT>, NTM>, STEP / 4u>, 2>;
// s_y[buf][s][c][tn]: op(B) columns n0 + tn·RN + 4c.. at K s0 + s.
var<workgroup> s_y: array<array<array<array<vec4f, NTN>, RN / 4u>, STEP>, 2>;

var<private> lid: u32;
var<private> m0: u32;
var<private> n0: u32;
var<private> o_a: u32;
var<private> o_b: u32;
var<private> o_c: u32;

// op(A)[m0 + e / QS][s0 + 4·(e % QS)..]: 4 K of one row, stored [M, K].
fn a_item(e: u32) -> vec2u { return vec2u(e / QS, 4u * (e % QS)); }  // (row, s)
fn fetch_a(s0: u32, k: u32) -> vec4<f32> {
  let rs = a_item(lid + k * NT);
  let row = m0 + rs.x;
  let s = s0 + rs.y;
  if (row >= u.m || s >= u.k) { return vec4<f32>(); }
  return fetch4_a(o_a + row * u.k + s, u.k - s);
}
fn store_a(buf: u32, k: u32, val: vec4<f32>) {
  let rs = a_item(lid + k * NT);
  s_x[buf][rs.y / 4u][rs.x / RT][rs.x % RT] = vec4f(val);
}

// op(B)[s0 + 4·(e % QS)..][n0 + e / QS]: 4 K of one column, stored [N, K].
fn b_item(e: u32) -> vec2u { return vec2u(4u * (e % QS), e / QS); }  // (s, col)
fn fetch_b(s0: u32, k: u32) -> vec4<f32> {
  let sc = b_item(lid + k * NT);
  let s = s0 + sc.x;
  let col = n0 + sc.y;
  if (col >= u.n || s >= u.k) { return vec4<f32>(); }
  return fetch4_b(o_b + col * u.k + s, u.k - s);
}
fn store_b(buf: u32, k: u32, val: vec4<f32>) {
  let sc = b_item(lid + k * NT);
  let y = vec4f(val);
  for (var i = 0u; i < 4u; i += 1u) {
    s_y[buf][sc.x + i][(sc.y % RN) / 4u][sc.y / RN][sc.y % 4u] = y[i];
  }
}

fn put(r: u32, col4: u32, sums: vec4f) {
  let row = m0 + r;
  let col = n0 + col4;
  if (row >= u.m) { return; }
  let out = sums + vec4f(f32(bias[u.off_bias + min(col + 0u, u.n - 1u)]), f32(bias[u.off_bias + min(col + 1u, u.n - 1u)]), f32(bias[u.off_bias + min(col + 2u, u.n - 1u)]), f32(bias[u.off_bias + min(col + 3u, u.n - 1u)]));
  for (var i = 0u; i < 4u; i += 1u) {
    if (col + i < u.n) { c[o_c + row * u.n + col + i] = f32(out[i]); }
  }
}

@compute @workgroup_size(NT)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid_in: u32) {
  let g = flat_group(wid, nwg);
  let tiles = u.tiles_m * u.tiles_n;
  if (g >= tiles * u.batch) { return; }
  lid = lid_in;
  let i_b = g / tiles;
  m0 = ((g % tiles) / u.tiles_n) * BM;
  n0 = ((g % tiles) % u.tiles_n) * BN;
  o_a = i_b * u.stride_a;  // (fetch4_a and fetch4_b add the window offsets)
  o_b = i_b * u.stride_b;
  o_c = u.off_c + i_b * u.m * u.n;
  let tn = lid % NTN;  // this invocation: rows m0 + tm·RT.., columns n0 + tn·RN..
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
  let s_end = u.k;
  {
    let f_a0 = fetch_a(s_begin, 0u);
    let f_b0 = fetch_b(s_begin, 0u);
    store_a(0u, 0u, f_a0);
    store_b(0u, 0u, f_b0);
  }
  workgroupBarrier();
  for (var s0 = s_begin; s0 < s_end; s0 += 2u * STEP) {
    {
      let buf = 0u;
    let f_a0 = fetch_a(s0 + STEP, 0u);
    let f_b0 = fetch_b(s0 + STEP, 0u);
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
    store_a(1u, 0u, f_a0);
    store_b(1u, 0u, f_b0);
      workgroupBarrier();
    }
    if (s0 + STEP >= s_end) { break; }
    {
      let buf = 1u;
    let f_a0 = fetch_a(s0 + 2u * STEP, 0u);
    let f_b0 = fetch_b(s0 + 2u * STEP, 0u);
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
    store_a(0u, 0u, f_a0);
    store_b(0u, 0u, f_b0);
      workgroupBarrier();
    }
  }
  put(tm * RT + 0u, (tn * (RN / 4u) + 0u) * 4u, acc_0_0);
  put(tm * RT + 1u, (tn * (RN / 4u) + 0u) * 4u, acc_1_0);
  put(tm * RT + 2u, (tn * (RN / 4u) + 0u) * 4u, acc_2_0);
  put(tm * RT + 3u, (tn * (RN / 4u) + 0u) * 4u, acc_3_0);
  put(tm * RT + 4u, (tn * (RN / 4u) + 0u) * 4u, acc_4_0);
  put(tm * RT + 5u, (tn * (RN / 4u) + 0u) * 4u, acc_5_0);
  put(tm * RT + 6u, (tn * (RN / 4u) + 0u) * 4u, acc_6_0);
  put(tm * RT + 7u, (tn * (RN / 4u) + 0u) * 4u, acc_7_0);
}
