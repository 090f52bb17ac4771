// wgsl_reflect's package.json points Node at a CommonJS file inside a "type": "module" package,
// so auralens imports its ES module build by path; this shim gives that path the package's types.
declare module 'wgsl_reflect/wgsl_reflect.module.js' {
  export * from 'wgsl_reflect';
}
