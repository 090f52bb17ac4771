/**
 * Data sets built in code: seeded augmented digit glyphs (an MNIST stand-in) for the image side of
 * the image-vs-audio comparison. (Spoken digits come from scripts/make-spoken-digits.sh; synthetic
 * music and concept audio from audio/synth.)
 */
export {
  renderDigitGlyph,
  renderDigitGlyphs,
  digitGlyphTensors,
  type DigitGlyphOptions,
  type DigitImages,
} from './digitGlyphs.js';
