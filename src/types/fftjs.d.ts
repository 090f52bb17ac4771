// fft.js (CommonJS, untyped): the radix-4 FFT the CPU reference backend's rfft uses.
declare module 'fft.js' {
  type Complex = number[] | Float64Array;
  export default class FFT {
    constructor(size: number);
    readonly size: number;
    createComplexArray(): number[];
    /** Forward complex transform (e^-i), interleaved [re, im] arrays of 2 * size. */
    transform(out: Complex, data: Complex): void;
    /** Forward transform of a real input; fills bins 0..size/2 of `out`. */
    realTransform(out: Complex, data: ArrayLike<number>): void;
    completeSpectrum(spectrum: Complex): void;
    /** Inverse complex transform, divided by size. */
    inverseTransform(out: Complex, data: Complex): void;
  }
}
