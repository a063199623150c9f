


@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
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
@group(0) @binding(3) var<uniform> u: Params;
fn flat_group(wid: vec3u, nwg: vec3u) -> u32 { return wid.x + nwg.x * (wid.y + nwg.y * wid.z); }

fn fetch4_a(i: u32, avail: u32) -> vec4<f32> { return a[(u.off_a + i) / 4u]; }
fn fetch4_b(i: u32, avail: u32) -> vec4<f32> {
  let j = u.off_b + i;
  var v = vec4<f32>();
  v.x = b[j];
  if (avail > 1u) { v.y = b[j + 1u]; }
  if (avail > 2u) { v.z = b[j + 2u]; }
  if (avail > 3u) { v.w = b[j + 3u]; }
  return v;
}

const BM = 64u;  // rows of C per workgroup
const BN = 64u;  // columns of C per workgroup
const STEP = 16u;  // K per staged step
const RT = 4u;  // rows per invocation
const RN = 4u;  // columns per invocation
const NTM = BM / RT;
const NTN = BN / RN;
const NT = NTM * NTN;
const QS = STEP / 4u;  // vec4s along K per step
const QM = BM / 4u;  // vec4s along a tile's rows
const QN = BN / 4u;  // vec4s along a tile's columns
// s_x[buf][s][v][tm]: op(A) rows m0 + tm·RT + 4v.. at K s0 + s.
var<workgroup> s_x: array<array<array<array<vec4f, NTM>, RT / 4u>, STEP>, 2>;
// s_y[buf][s][c][tn]: op(B) columns n0 + tn·RN + 4c.. at K s0 + s.
var<workgroup> s_y: array<array<array<array<vec4f, NTN>, RN / 4u>, STEP>, 2>;

var<private> lid: u32;
var<private> m0: u32;
var<private> n0: u32;
var<private> o_a: u32;
var<private> o_b: u32;
var<private> o_c: u32;

// op(A)[m0 + 4·(e % QM)..][s0 + e / QM]: 4 rows of one K, stored [K, M].
fn a_item(e: u32) -> vec2u { return vec2u(4u * (e % QM), e / QM); }  // (row, s)
fn fetch_a(s0: u32, k: u32) -> vec4<f32> {
  let rs = a_item(lid + k * NT);
  let row = m0 + rs.x;
  let s = s0 + rs.y;
  if (row >= u.m || s >= u.k) { return vec4<f32>(); }
  return fetch4_a(o_a + s * u.m + row, u.m - row);
}
fn store_a(buf: u32, k: u32, val: vec4<f32>) {
  let rs = a_item(lid + k * NT);
  s_x[buf][rs.y][(rs.x % RT) / 4u][rs.x / RT] = vec4f(val);
}

// op(B)[s0 + e / QN][n0 + 4·(e % QN)..]: 4 columns of one K, stored [K, N].
fn b_item(e: u32) -> vec2u { return vec2u(e / QN, 4u * (e % QN)); }  // (s, col)
fn fetch_b(s0: u32, k: u32) -> vec4<f32> {
  let sc = b_item(lid + k * NT);
  let s = s0 + sc.x;
  let col = n0 + sc.y;
  if (col >= u.n || s >= u.k) { return vec4<f32>(); }
  return fetch4_b(o_b + s * u.n + col, u.n - col);
}
fn store_b(buf: u32, k: u32, val: vec4<f32>) {
  let sc = b_item(lid + k * NT);
  s_y[buf][sc.x][(sc.y % RN) / 4u][sc.y / RN] = vec4f(val);
}

fn put(r: u32, col4: u32, sums: vec4f) {
  let row = m0 + r;
  let col = n0 + col4;
  if (row >= u.m) { return; }
  let out = sums;
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
        let s = 0u;

        let x0 = s_x[buf][s][0][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
      }
      {
        let s = 1u;

        let x0 = s_x[buf][s][0][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
      }
      {
        let s = 2u;

        let x0 = s_x[buf][s][0][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
      }
      {
        let s = 3u;

        let x0 = s_x[buf][s][0][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
      }
      {
        let s = 4u;

        let x0 = s_x[buf][s][0][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
      }
      {
        let s = 5u;

        let x0 = s_x[buf][s][0][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
      }
      {
        let s = 6u;

        let x0 = s_x[buf][s][0][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
      }
      {
        let s = 7u;

        let x0 = s_x[buf][s][0][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
      }
      {
        let s = 8u;

        let x0 = s_x[buf][s][0][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
      }
      {
        let s = 9u;

        let x0 = s_x[buf][s][0][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
      }
      {
        let s = 10u;

        let x0 = s_x[buf][s][0][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
      }
      {
        let s = 11u;

        let x0 = s_x[buf][s][0][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
      }
      {
        let s = 12u;

        let x0 = s_x[buf][s][0][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
      }
      {
        let s = 13u;

        let x0 = s_x[buf][s][0][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
      }
      {
        let s = 14u;

        let x0 = s_x[buf][s][0][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
      }
      {
        let s = 15u;

        let x0 = s_x[buf][s][0][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
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
        let s = 0u;

        let x0 = s_x[buf][s][0][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
      }
      {
        let s = 1u;

        let x0 = s_x[buf][s][0][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
      }
      {
        let s = 2u;

        let x0 = s_x[buf][s][0][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
      }
      {
        let s = 3u;

        let x0 = s_x[buf][s][0][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
      }
      {
        let s = 4u;

        let x0 = s_x[buf][s][0][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
      }
      {
        let s = 5u;

        let x0 = s_x[buf][s][0][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
      }
      {
        let s = 6u;

        let x0 = s_x[buf][s][0][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
      }
      {
        let s = 7u;

        let x0 = s_x[buf][s][0][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
      }
      {
        let s = 8u;

        let x0 = s_x[buf][s][0][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
      }
      {
        let s = 9u;

        let x0 = s_x[buf][s][0][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
      }
      {
        let s = 10u;

        let x0 = s_x[buf][s][0][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
      }
      {
        let s = 11u;

        let x0 = s_x[buf][s][0][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
      }
      {
        let s = 12u;

        let x0 = s_x[buf][s][0][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
      }
      {
        let s = 13u;

        let x0 = s_x[buf][s][0][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
      }
      {
        let s = 14u;

        let x0 = s_x[buf][s][0][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
      }
      {
        let s = 15u;

        let x0 = s_x[buf][s][0][tm];
        let y0 = s_y[buf][s][0][tn];
        acc_0_0 = fma(vec4<f32>(x0[0]), y0, acc_0_0);
        acc_1_0 = fma(vec4<f32>(x0[1]), y0, acc_1_0);
        acc_2_0 = fma(vec4<f32>(x0[2]), y0, acc_2_0);
        acc_3_0 = fma(vec4<f32>(x0[3]), y0, acc_3_0);
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
}
