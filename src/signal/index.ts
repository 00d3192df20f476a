/**
 * aliasfree/signal — the filter library that stands beside scipy.signal: sampling and interpolation,
 * Kaiser FIR design, upfirdn, filtered nonlinearities, FFTs and spectra, sub-pixel transforms and PSNR.
 * Pure TypeScript over `ndarray` views; no TensorFlow.js.
 */
export * from './special.js';
export * from './sampling.js';
export * from './kaiser.js';
export * from './firwin.js';
export * from './design.js';
export * from './freqz.js';
export * from './upfirdn.js';
export * from './upfirdn2d.js';
export * from './filtered-lrelu.js';
export * from './bias-act.js';
export * from './fft.js';
export * from './spectrum.js';
export * from './translate.js';
export * from './rotate.js';
export * from './psnr.js';
export * from './test-images.js';
export { zeros, fromData, toDense, type NdArray, type FloatArray, type DType } from './array.js';
