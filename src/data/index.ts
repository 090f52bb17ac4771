/**
 * Data sets built in code, all seeded from the one RNG (engine/rng.ts): augmented digit glyphs
 * (an MNIST stand-in) for the image side of the image-vs-audio comparison, and `data.synth`,
 * synthetic music (genre clips), TCAV concept clips and random counterexamples. (Spoken digits
 * come from scripts/make-spoken-digits.sh.)
 */
export { renderDigitGlyph, renderDigitGlyphs, digitGlyphTensors, type DigitGlyphOptions, type DigitImages } from './digitGlyphs.js';
// Seeded synthetic music, TCAV concept clips and random counterexamples.
export * as synth from './synth/index.js';
