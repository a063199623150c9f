
@group(0) @binding(0) var<storage, read> x: array<f32>;
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
@group(0) @binding(3) var<uniform> u: Params;


fn flat_group(wid: vec3u, nwg: vec3u) -> u32 { return wid.x + nwg.x * (wid.y + nwg.y * wid.z); }

fn ld_x(i: u32) -> f32 { return f32(x[u.off_x + i]); }

fn seg_row0(i_seg: u32) -> u32 { return (i_seg / u.he) * u.rows; }
fn seg_rows(i_seg: u32) -> u32 { return u.rows; }
fn seg_inv_len(i_seg: u32) -> f32 { return u.inv_len; }
fn seg_sigma(i_seg: u32) -> f32 { return u.sigma; }
// Element index (before the window offset) of row r of segment i_seg, feature size d.
fn row_index(i_seg: u32, r: u32, d: u32) -> u32 {
  return (seg_row0(i_seg) + r) * u.he * d + (i_seg % u.he) * d;
}

const BT = 64u;  // rows per workgroup
const TN = 64u;  // output columns per workgroup
const BI = 16u;  // inner-dimension step
const NT = 256u;
var<workgroup> s_x: array<vec4f, 256>;  // [BI][BT]: X chunk, transposed
var<workgroup> s_mt: array<vec4f, 256>;  // [BI][TN]: state chunk





@compute @workgroup_size(NT)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);
  if (g >= u.groups) { return; }
  let n0 = (g % u.tiles_n) * TN;
  let rest = g / u.tiles_n;
  let i_seg = rest / u.blocks;
  let r0 = (rest % u.blocks) * BT;
  let n_rows = seg_rows(i_seg);
  let o_mat = u.off_mat + i_seg * u.dk * u.ld;
  let sigma = seg_sigma(i_seg);
  
  
  let tn = lid % 16u;  // this invocation: rows tr·RT.., vec4 columns tn·CV..
  let tr = lid / 16u;
  var acc: array<vec4f, 4>;
  
  for (var i0 = 0u; i0 < u.dk; i0 += BI) {
    for (var e = lid; e < BI * BT; e += NT) {
      let r = e / BI;
      let i = e % BI;
      var val = 0.0;
      
      if (r0 + r < n_rows && i0 + i < u.dk) {
        let i_x = row_index(i_seg, r0 + r, u.dk) + i0 + i;
        val = ld_x(i_x);
        
      }
      s_x[(i * BT + r) / 4u][r % 4u] = val;
      
    }
    for (var e = lid; e < BI * TN; e += NT) {
      let i = e / TN;
      let c = e % TN;
      var val = 0.0;
      if (i0 + i < u.dk && n0 + c < u.dv) { val = mat[o_mat + (i0 + i) * u.ld + n0 + c]; }
      s_mt[e / 4u][e % 4u] = val;
    }
    workgroupBarrier();
    {
      let x0 = s_x[0u + tr * 1u + 0u];
      let y0 = s_mt[0u + tn * 1u + 0u];
      acc[0] = fma(vec4f(x0[0]), y0, acc[0]);
      acc[1] = fma(vec4f(x0[1]), y0, acc[1]);
      acc[2] = fma(vec4f(x0[2]), y0, acc[2]);
      acc[3] = fma(vec4f(x0[3]), y0, acc[3]);
    }
    {
      let x0 = s_x[16u + tr * 1u + 0u];
      let y0 = s_mt[16u + tn * 1u + 0u];
      acc[0] = fma(vec4f(x0[0]), y0, acc[0]);
      acc[1] = fma(vec4f(x0[1]), y0, acc[1]);
      acc[2] = fma(vec4f(x0[2]), y0, acc[2]);
      acc[3] = fma(vec4f(x0[3]), y0, acc[3]);
    }
    {
      let x0 = s_x[32u + tr * 1u + 0u];
      let y0 = s_mt[32u + tn * 1u + 0u];
      acc[0] = fma(vec4f(x0[0]), y0, acc[0]);
      acc[1] = fma(vec4f(x0[1]), y0, acc[1]);
      acc[2] = fma(vec4f(x0[2]), y0, acc[2]);
      acc[3] = fma(vec4f(x0[3]), y0, acc[3]);
    }
    {
      let x0 = s_x[48u + tr * 1u + 0u];
      let y0 = s_mt[48u + tn * 1u + 0u];
      acc[0] = fma(vec4f(x0[0]), y0, acc[0]);
      acc[1] = fma(vec4f(x0[1]), y0, acc[1]);
      acc[2] = fma(vec4f(x0[2]), y0, acc[2]);
      acc[3] = fma(vec4f(x0[3]), y0, acc[3]);
    }
    {
      let x0 = s_x[64u + tr * 1u + 0u];
      let y0 = s_mt[64u + tn * 1u + 0u];
      acc[0] = fma(vec4f(x0[0]), y0, acc[0]);
      acc[1] = fma(vec4f(x0[1]), y0, acc[1]);
      acc[2] = fma(vec4f(x0[2]), y0, acc[2]);
      acc[3] = fma(vec4f(x0[3]), y0, acc[3]);
    }
    {
      let x0 = s_x[80u + tr * 1u + 0u];
      let y0 = s_mt[80u + tn * 1u + 0u];
      acc[0] = fma(vec4f(x0[0]), y0, acc[0]);
      acc[1] = fma(vec4f(x0[1]), y0, acc[1]);
      acc[2] = fma(vec4f(x0[2]), y0, acc[2]);
      acc[3] = fma(vec4f(x0[3]), y0, acc[3]);
    }
    {
      let x0 = s_x[96u + tr * 1u + 0u];
      let y0 = s_mt[96u + tn * 1u + 0u];
      acc[0] = fma(vec4f(x0[0]), y0, acc[0]);
      acc[1] = fma(vec4f(x0[1]), y0, acc[1]);
      acc[2] = fma(vec4f(x0[2]), y0, acc[2]);
      acc[3] = fma(vec4f(x0[3]), y0, acc[3]);
    }
    {
      let x0 = s_x[112u + tr * 1u + 0u];
      let y0 = s_mt[112u + tn * 1u + 0u];
      acc[0] = fma(vec4f(x0[0]), y0, acc[0]);
      acc[1] = fma(vec4f(x0[1]), y0, acc[1]);
      acc[2] = fma(vec4f(x0[2]), y0, acc[2]);
      acc[3] = fma(vec4f(x0[3]), y0, acc[3]);
    }
    {
      let x0 = s_x[128u + tr * 1u + 0u];
      let y0 = s_mt[128u + tn * 1u + 0u];
      acc[0] = fma(vec4f(x0[0]), y0, acc[0]);
      acc[1] = fma(vec4f(x0[1]), y0, acc[1]);
      acc[2] = fma(vec4f(x0[2]), y0, acc[2]);
      acc[3] = fma(vec4f(x0[3]), y0, acc[3]);
    }
    {
      let x0 = s_x[144u + tr * 1u + 0u];
      let y0 = s_mt[144u + tn * 1u + 0u];
      acc[0] = fma(vec4f(x0[0]), y0, acc[0]);
      acc[1] = fma(vec4f(x0[1]), y0, acc[1]);
      acc[2] = fma(vec4f(x0[2]), y0, acc[2]);
      acc[3] = fma(vec4f(x0[3]), y0, acc[3]);
    }
    {
      let x0 = s_x[160u + tr * 1u + 0u];
      let y0 = s_mt[160u + tn * 1u + 0u];
      acc[0] = fma(vec4f(x0[0]), y0, acc[0]);
      acc[1] = fma(vec4f(x0[1]), y0, acc[1]);
      acc[2] = fma(vec4f(x0[2]), y0, acc[2]);
      acc[3] = fma(vec4f(x0[3]), y0, acc[3]);
    }
    {
      let x0 = s_x[176u + tr * 1u + 0u];
      let y0 = s_mt[176u + tn * 1u + 0u];
      acc[0] = fma(vec4f(x0[0]), y0, acc[0]);
      acc[1] = fma(vec4f(x0[1]), y0, acc[1]);
      acc[2] = fma(vec4f(x0[2]), y0, acc[2]);
      acc[3] = fma(vec4f(x0[3]), y0, acc[3]);
    }
    {
      let x0 = s_x[192u + tr * 1u + 0u];
      let y0 = s_mt[192u + tn * 1u + 0u];
      acc[0] = fma(vec4f(x0[0]), y0, acc[0]);
      acc[1] = fma(vec4f(x0[1]), y0, acc[1]);
      acc[2] = fma(vec4f(x0[2]), y0, acc[2]);
      acc[3] = fma(vec4f(x0[3]), y0, acc[3]);
    }
    {
      let x0 = s_x[208u + tr * 1u + 0u];
      let y0 = s_mt[208u + tn * 1u + 0u];
      acc[0] = fma(vec4f(x0[0]), y0, acc[0]);
      acc[1] = fma(vec4f(x0[1]), y0, acc[1]);
      acc[2] = fma(vec4f(x0[2]), y0, acc[2]);
      acc[3] = fma(vec4f(x0[3]), y0, acc[3]);
    }
    {
      let x0 = s_x[224u + tr * 1u + 0u];
      let y0 = s_mt[224u + tn * 1u + 0u];
      acc[0] = fma(vec4f(x0[0]), y0, acc[0]);
      acc[1] = fma(vec4f(x0[1]), y0, acc[1]);
      acc[2] = fma(vec4f(x0[2]), y0, acc[2]);
      acc[3] = fma(vec4f(x0[3]), y0, acc[3]);
    }
    {
      let x0 = s_x[240u + tr * 1u + 0u];
      let y0 = s_mt[240u + tn * 1u + 0u];
      acc[0] = fma(vec4f(x0[0]), y0, acc[0]);
      acc[1] = fma(vec4f(x0[1]), y0, acc[1]);
      acc[2] = fma(vec4f(x0[2]), y0, acc[2]);
      acc[3] = fma(vec4f(x0[3]), y0, acc[3]);
    }
    
    workgroupBarrier();
  }
  
  {
    let r = tr * 4u + 0u;
    let sums = acc[0];
    for (var c = 0u; c < 4u; c += 1u) {
      let col = n0 + (tn * 1u + 0u) * 4u + c;
      if (r0 + r < n_rows && col < u.dv) {
        let acc_v = sums[c];
        let i_out = row_index(i_seg, r0 + r, u.dv) + col;
        out[u.off_out + i_out] = f32(sigma * acc_v);
        
      }
    }
  }
  {
    let r = tr * 4u + 1u;
    let sums = acc[1];
    for (var c = 0u; c < 4u; c += 1u) {
      let col = n0 + (tn * 1u + 0u) * 4u + c;
      if (r0 + r < n_rows && col < u.dv) {
        let acc_v = sums[c];
        let i_out = row_index(i_seg, r0 + r, u.dv) + col;
        out[u.off_out + i_out] = f32(sigma * acc_v);
        
      }
    }
  }
  {
    let r = tr * 4u + 2u;
    let sums = acc[2];
    for (var c = 0u; c < 4u; c += 1u) {
      let col = n0 + (tn * 1u + 0u) * 4u + c;
      if (r0 + r < n_rows && col < u.dv) {
        let acc_v = sums[c];
        let i_out = row_index(i_seg, r0 + r, u.dv) + col;
        out[u.off_out + i_out] = f32(sigma * acc_v);
        
      }
    }
  }
  {
    let r = tr * 4u + 3u;
    let sums = acc[3];
    for (var c = 0u; c < 4u; c += 1u) {
      let col = n0 + (tn * 1u + 0u) * 4u + c;
      if (r0 + r < n_rows && col < u.dv) {
        let acc_v = sums[c];
        let i_out = row_index(i_seg, r0 + r, u.dv) + col;
        out[u.off_out + i_out] = f32(sigma * acc_v);
        
      }
    }
  }
}
