/**
 * aliasfree/viz — plotly.js figures for every concept of the course (sampling, spectra, filters,
 * images, per-layer aliasing, config comparisons, transform animations), rendered offline in tslab
 * notebooks (`show`), as self-contained HTML (`toHtml`) and as PNG (`toPng`, headless Chromium).
 */
export * from './style.js';
export * from './figures/signal.js';
export * from './figures/spectrum.js';
export * from './figures/filter.js';
export * from './figures/images.js';
export * from './figures/generator.js';
export * from './figures/compare.js';
export * from './figures/animation.js';
export * from './render/html.js';
export * from './render/png.js';
export * from './render/notebook.js';
export * from './motion/schedule.js';
export * from './motion/untransform.js';
export * from './motion/grid.js';
export * from './motion/glyphs.js';
export * from './motion/comparison.js';
export * from './motion/figure.js';
export * from './motion/averaging.js';
