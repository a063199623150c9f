


@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
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

var<workgroup> s_a: array<f32, 1024>; // [BK][BM]: op(A) tile, k-major
var<workgroup> s_b: array<f32, 1024>; // [BK][BN]: op(B) tile, k-major

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);
  let tiles = u.tiles_m * u.tiles_n;
  if (g >= tiles * u.batch) { return; }
  let i_b = g / tiles;
  let m0 = ((g % tiles) / u.tiles_n) * 64u;
  let n0 = ((g % tiles) % u.tiles_n) * 64u;
  let o_a = u.off_a + i_b * u.stride_a;
  let o_b = u.off_b + i_b * u.stride_b;
  let o_c = u.off_c + i_b * u.m * u.n;
  let tx = lid % 16u;
  let ty = lid / 16u;
  var acc: array<array<f32, 4>, 4>; // [rows ty+16i][cols tx+16j]
  for (var k0 = 0u; k0 < u.k; k0 += 16u) {
    for (var i = 0u; i < 4u; i++) {
      let f = lid + i * 256u;
      let kk = f % 16u; let mm = f / 16u;
      let m = m0 + mm;
      let k = k0 + kk;
      var x = 0.0;
      if (m < u.m && k < u.k) { x = f32(a[o_a + m * u.k + k]); }
      s_a[kk * 64u + mm] = x;
    }
    for (var i = 0u; i < 4u; i++) {
      let f = lid + i * 256u;
      let kk = f % 16u; let nn = f / 16u;
      let n = n0 + nn;
      let k = k0 + kk;
      var x = 0.0;
      if (n < u.n && k < u.k) { x = f32(b[o_b + n * u.k + k]); }
      s_b[kk * 64u + nn] = x;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < 16u; kk++) {
      let b_a0 = s_a[kk * 64u + ty + 0u];
      let b_a1 = s_a[kk * 64u + ty + 16u];
      let b_a2 = s_a[kk * 64u + ty + 32u];
      let b_a3 = s_a[kk * 64u + ty + 48u];
      let b_b0 = s_b[kk * 64u + tx + 0u];
      let b_b1 = s_b[kk * 64u + tx + 16u];
      let b_b2 = s_b[kk * 64u + tx + 32u];
      let b_b3 = s_b[kk * 64u + tx + 48u];
      acc[0][0] = fma(b_a0, b_b0, acc[0][0]);
      acc[0][1] = fma(b_a0, b_b1, acc[0][1]);
      acc[0][2] = fma(b_a0, b_b2, acc[0][2]);
      acc[0][3] = fma(b_a0, b_b3, acc[0][3]);
      acc[1][0] = fma(b_a1, b_b0, acc[1][0]);
      acc[1][1] = fma(b_a1, b_b1, acc[1][1]);
      acc[1][2] = fma(b_a1, b_b2, acc[1][2]);
      acc[1][3] = fma(b_a1, b_b3, acc[1][3]);
      acc[2][0] = fma(b_a2, b_b0, acc[2][0]);
      acc[2][1] = fma(b_a2, b_b1, acc[2][1]);
      acc[2][2] = fma(b_a2, b_b2, acc[2][2]);
      acc[2][3] = fma(b_a2, b_b3, acc[2][3]);
      acc[3][0] = fma(b_a3, b_b0, acc[3][0]);
      acc[3][1] = fma(b_a3, b_b1, acc[3][1]);
      acc[3][2] = fma(b_a3, b_b2, acc[3][2]);
      acc[3][3] = fma(b_a3, b_b3, acc[3][3]);
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let m = m0 + ty + i * 16u;
    if (m >= u.m) { break; }
    for (var j = 0u; j < 4u; j++) {
      let n = n0 + tx + j * 16u;
      if (n < u.n) { c[o_c + m * u.n + n] = f32(acc[i][j] + f32(bias[u.off_bias + n])); }
    }
  }
}
