/**
 * The per-layer spectra part of a report (also the whole of `aliasfree spectra`): from the
 * measurements of `measureLayers`, a static spectrum tile per layer, one contact sheet, the JSON
 * rows, and the interactive dashboard (`layerAliasingFigure`: feature map, spectrum with the band
 * guides, energy above f_c per layer).
 */
import * as tf from '@tensorflow/tfjs-core';
import ndarray, { type NdArray } from 'ndarray';
import { composeGrid, encodePng } from '../viz/figures/images.js';
import { layerAliasingFigure, type LayerAliasing } from '../viz/figures/generator.js';
import type { Figure } from '../viz/style.js';
import type { LayerMeasurement } from './layers-api.js';
import type { LayerMeasurementRow } from './schema.js';
import { spectrumTile } from './spectrum-tile.js';

/** Round a dB spectrum to 0.1 dB (keeps the page small; the display resolution is far coarser). */
function rounded(a: NdArray<Float64Array>): NdArray<Float64Array> {
  const [h, w] = a.shape;
  const out = new Float64Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = Math.round(a.get(y, x) * 10) / 10;
  return ndarray(out, [h, w]);
}

/**
 * What the layer pictures need: synthesis with `capture` returning every map by layer name (the
 * StyleGAN3 `Generator`, or a StyleGAN2 generator through `styleGAN2View` of measure.ts).
 */
export interface LayerPictureSource {
  synthesis(
    ws: tf.Tensor3D,
    opts: { capture: boolean },
  ): { image: tf.Tensor4D; layers?: Record<string, tf.Tensor4D> };
}

/** First channel of every captured map (`input` and each layer) for one latent `ws` [1, numWs, wDim]. */
export async function layerPictures(
  gen: LayerPictureSource,
  ws: tf.Tensor3D,
): Promise<Map<string, NdArray<Float32Array>>> {
  const { image, layers } = gen.synthesis(ws, { capture: true });
  const out = new Map<string, NdArray<Float32Array>>();
  const maps = Object.entries(layers ?? {});
  try {
    for (const [name, t] of maps) {
      const [, , h, w] = t.shape;
      const first = tf.slice(t, [0, 0, 0, 0], [1, 1, h, w]);
      out.set(name, ndarray((await first.data()) as Float32Array, [1, 1, h, w]));
      first.dispose();
    }
  } finally {
    // Disposed only after all are read: names may share one tensor (StyleGAN2: b<res>.x is the block's
    // last conv, the last b<res>.img is the image).
    tf.dispose([image, ...maps.map(([, t]) => t)]);
  }
  return out;
}

export interface SpectraSection {
  rows: LayerMeasurementRow[];
  /** PNG bytes by file name: `<prefix>-spectrum-<k>-<layer>.png` and the sheet `<prefix>-spectra.png`. */
  assets: Map<string, Buffer>;
  sheet: string;
  figure: Figure;
}

/**
 * Assets and rows for measured layers `ms` of `gen`; `ws` ([1, numWs, wDim]) gives the feature
 * maps shown in the dashboard.
 */
export async function spectraSection(
  gen: LayerPictureSource,
  ws: tf.Tensor3D,
  ms: LayerMeasurement[],
  prefix: string,
): Promise<SpectraSection> {
  const assets = new Map<string, Buffer>();
  const tiles = ms.map((m) => spectrumTile(m, 96));
  const rows = ms.map((m, i) => {
    const file = `${prefix}-spectrum-${String(i).padStart(2, '0')}-${m.name}.png`;
    assets.set(file, encodePng(tiles[i]));
    return {
      name: m.name,
      samplingRate: m.samplingRate,
      cutoff: m.cutoff,
      aboveCutoffDb: m.aboveCutoffDb,
      aliasDb: m.aliasDb,
      eqPsnrDb: m.eqPsnrDb,
      spectrumPng: file,
    };
  });
  const sheet = `${prefix}-spectra.png`;
  assets.set(sheet, encodePng(composeGrid(tiles, Math.min(8, tiles.length), 4)));
  const pictures = await layerPictures(gen, ws);
  const dash: LayerAliasing[] = ms.map((m) => ({
    name: m.name,
    samplingRate: m.samplingRate,
    cutoff: m.cutoff,
    halfWidth: m.halfWidth,
    image: pictures.get(m.name) ?? ndarray(new Float32Array(4), [1, 1, 2, 2]),
    spectrum: rounded(m.spectrumDb),
    spectrumFreqs: m.spectrumFreqs,
    aliasEnergyDb: m.aboveCutoffDb,
  }));
  const figure = layerAliasingFigure(dash, {
    title: `${prefix}: per-layer feature map, spectrum (dB) and energy above f_c`,
    columnPx: 100,
  });
  return { rows, assets, sheet, figure };
}
