// Indexing kernels around one axis of a tensor viewed [outer, dim, inner], with int32 indices
// (flattened, `count` of them). Data travels as raw 32-bit words.
struct Params { n: u32, inner: u32, count: u32, dim: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<u32>;
// The context's fault flag: an out-of-range index stores its kernel's code here (1 gather,
// 2 scatterAdd, 3 oneHot; the largest wins) and reads nothing; the engine reports it as a
// ValueError on the next read (as PyTorch's device-side assert), never stale memory.
@group(0) @binding(4) var<storage, read_write> fault: array<atomic<u32>, 1>;

fn outOfRange(k: i32, dim: u32) -> bool { return k < 0 || u32(k) >= dim; }

// scatterAdd: the data is int32 (else float32).
override INT: bool = false;
override WG: u32 = 64;

// out [outer, count, inner] = src [outer, dim, inner] at idx[t] along the middle axis.
@compute @workgroup_size(WG)
fn gather(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= p.n) { return; }
  let j = i % p.inner;
  let r = i / p.inner;
  let t = r % p.count;
  let o = r / p.count;
  let k = idx[t];
  if (outOfRange(k, p.dim)) {
    atomicMax(&fault[0], 1u);
    out[i] = 0u;
    return;
  }
  out[i] = src[(o * p.dim + u32(k)) * p.inner + j];
}

// out [outer, dim, inner]: out[o, k, j] = sum over t with idx[t] == k of src[o, t, j] (src is
// [outer, count, inner]). No float atomics in WGSL: each output element scans the indices, in
// order, so repeated indices accumulate deterministically.
@compute @workgroup_size(WG)
fn scatterAdd(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= p.n) { return; }
  let j = i % p.inner;
  let r = i / p.inner;
  let k = i32(r % p.dim);
  let base = (r / p.dim) * p.count * p.inner + j;
  var sf = 0.0;
  var si = 0i;
  for (var t = 0u; t < p.count; t++) {
    if (outOfRange(idx[t], p.dim)) { atomicMax(&fault[0], 2u); }
    if (idx[t] == k) {
      let v = src[base + t * p.inner];
      if (INT) { si += bitcast<i32>(v); } else { sf += bitcast<f32>(v); }
    }
  }
  out[i] = select(bitcast<u32>(sf), bitcast<u32>(si), INT);
}

// out [count, dim] float32: 1 where the column equals idx[row] (an out-of-range index: all 0,
// and the fault flag).
@compute @workgroup_size(WG)
fn oneHot(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= p.n) { return; }
  let k = idx[i / p.dim];
  if (i % p.dim == 0u && outOfRange(k, p.dim)) { atomicMax(&fault[0], 3u); }
  out[i] = select(0u, 0x3f800000u, k == i32(i % p.dim));
}
