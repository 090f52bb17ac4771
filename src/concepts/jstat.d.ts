// jstat (CommonJS, untyped): only the Student t distribution the concept t-tests use.
declare module 'jstat' {
  const jStat: {
    studentt: {
      /** P(T ≤ t) for Student's t with df degrees of freedom. */
      cdf(t: number, df: number): number;
    };
  };
  export default jStat;
}
