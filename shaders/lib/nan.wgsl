// Shared by several shaders through `//!include nan` (expanded by scripts/bundle-shaders.mjs).
// NaN is detected from the bits: a compiler that assumes no NaN (Mesa under its default
// fast-math rules) may fold `v != v` to false.
fn isNan(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }
