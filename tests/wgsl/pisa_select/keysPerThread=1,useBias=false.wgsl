

@group(0) @binding(0) var<storage, read> chunk: array<f32>;
@group(0) @binding(1) var<storage, read> part: array<f32>;
@group(0) @binding(2) var<storage, read_write> sel: array<u32>;
struct Params {
  n_bh: u32,
  heads: u32,
  seq: u32,
  dk: u32,
  dv: u32,
  bt: u32,
  nt: u32,
  top_k: u32,
  scale: f32,
  n_groups: u32,
  group_rows: u32,
  n_tiles: u32,
  n_tiles_dv: u32,
  n_main: u32,
  n_splits: u32,
  split_blocks: u32,
  off_kc: u32,
  off_vc: u32,
  off_h: u32,
  off_norm: u32,
  off_out: u32,
  off_dq1: u32,
  off_o32: u32,
  off_dvx: u32,
  off_dkc: u32,
  off_dvc: u32,
  off_dh: u32,
}
@group(0) @binding(3) var<uniform> u: Params;
fn flat_group(wid: vec3u, nwg: vec3u) -> u32 { return wid.x + nwg.x * (wid.y + nwg.y * wid.z); }

var<workgroup> s_qc: array<f32, 256>;
var<workgroup> s_count: array<atomic<u32>, 33>; // one counter per radix bit, then "greater"
var<workgroup> s_scan: array<u32, 256>;

// Monotone map f32 → u32: a < b as floats iff key(a) < key(b) as integers.
fn order_key(x: f32) -> u32 {
  let b = bitcast<u32>(x);
  return select(b | 0x80000000u, ~b, (b & 0x80000000u) != 0u);
}

// Inclusive prefix sum of s_scan over the 256 threads (Hillis–Steele); returns lid's entry.
fn scan_256(lid: u32, value: u32) -> u32 {
  s_scan[lid] = value;
  workgroupBarrier();
  for (var off = 1u; off < 256u; off *= 2u) {
    let x = select(0u, s_scan[max(lid, off) - off], lid >= off) + s_scan[lid];
    workgroupBarrier();
    s_scan[lid] = x;
    workgroupBarrier();
  }
  return s_scan[lid];
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_group(wid, nwg); // = bh * nt + i
  if (g >= u.n_bh * u.nt) { return; }
  let bh = g / u.nt;
  for (var f = lid; f < u.dk; f += 256u) { s_qc[f] = chunk[g * u.dk + f]; }
  if (lid < 33u) { atomicStore(&s_count[lid], 0u); }
  workgroupBarrier();
  var keys: array<u32, 1>;
  let first = lid * 1u;
  let owned = min(u.nt, first + 1u) - min(u.nt, first);
  for (var e = 0u; e < owned; e++) {
    let n = first + e;
    var qk = 0.0;
    for (var f = 0u; f < u.dk; f++) { qk = fma(s_qc[f], chunk[u.off_kc + (bh * u.nt + n) * u.dk + f], qk); }
    var score = u.scale * qk;
    keys[e] = order_key(score);
  }
  // Largest threshold tau with #{key ≥ tau} ≥ top_k, one bit at a time from the top.
  var tau = 0u;
  for (var b = 0u; b < 32u; b++) {
    let cand = tau | (1u << (31u - b));
    var c = 0u;
    for (var e = 0u; e < owned; e++) { c += select(0u, 1u, keys[e] >= cand); }
    atomicAdd(&s_count[b], c);
    workgroupBarrier();
    if (atomicLoad(&s_count[b]) >= u.top_k) { tau = cand; }
  }
  var greater = 0u;
  var equal = 0u;
  for (var e = 0u; e < owned; e++) {
    greater += select(0u, 1u, keys[e] > tau);
    equal += select(0u, 1u, keys[e] == tau);
  }
  atomicAdd(&s_count[32], greater);
  let equal_before = scan_256(lid, equal) - equal; // ties at tau in lower-index threads
  let need = u.top_k - atomicLoad(&s_count[32]); // ties to take, lowest index first
  var chosen: array<bool, 1>;
  var count = 0u;
  var ties = equal_before;
  for (var e = 0u; e < owned; e++) {
    let tie = keys[e] == tau;
    chosen[e] = keys[e] > tau || (tie && ties < need);
    ties += select(0u, 1u, tie);
    count += select(0u, 1u, chosen[e]);
  }
  workgroupBarrier();
  var pos = scan_256(lid, count) - count;
  for (var e = 0u; e < owned; e++) {
    if (chosen[e]) {
      sel[g * u.top_k + pos] = first + e;
      pos++;
    }
  }
}
