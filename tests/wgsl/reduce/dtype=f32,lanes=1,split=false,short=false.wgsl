


@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
struct Params {
  outer: u32,
  n: u32,
  inner: u32,
  inner_blocks: u32,
  splits: u32,
  chunk_n: u32,
  factor: f32,
  off_x: u32,
  off_y: u32,
}
@group(0) @binding(2) var<uniform> u: Params;
fn flat_group(wid: vec3u, nwg: vec3u) -> u32 { return wid.x + nwg.x * (wid.y + nwg.y * wid.z); }

var<workgroup> s_sum: array<f32, 256>; // [256 strides][1 lanes]

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg);
  if (g >= u.outer * u.inner_blocks * u.splits) { return; }
  let run = g % u.splits;
  let i_outer = g / (u.inner_blocks * u.splits);
  let i_inner = ((g / u.splits) % u.inner_blocks) * 1u + lid % 1u;
  let i_stride = lid / 1u;
  var acc = 0.0;
  if (i_inner < u.inner) {
    let o_x = u.off_x + i_outer * u.n * u.inner + i_inner;
    let last = min((run + 1u) * u.chunk_n, u.n);
    for (var j = run * u.chunk_n + i_stride; j < last; j += 256u) {
      acc += f32(x[o_x + j * u.inner]);
    }
  }
  s_sum[lid] = acc;
  workgroupBarrier();
  for (var half = 128u; half >= 1u; half /= 2u) {
    if (lid < half) { s_sum[lid] += s_sum[lid + half]; }
    workgroupBarrier();
  }
  if (lid < 1u && i_inner < u.inner) {
    y[u.off_y + i_outer * u.inner + i_inner] = f32(s_sum[lid] * u.factor);
  }
}
