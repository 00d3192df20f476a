/**
 * The per-layer measurement API the report uses (`measureLayers` / `summarizeLayers` of
 * src/metrics/layers.ts), behind one small interface so the report can also run without it
 * (`--no-layers`) and tests can pass a stand-in.
 */
import { measureLayers, summarizeLayers } from '../metrics/layers.js';
import type { AliasSummary, LayerMeasurement, MeasureLayersOptions } from '../metrics/layers.js';
import type { AnyGenerator } from '../generator/weights.js';

export type { AliasSummary, LayerMeasurement, MeasureLayersOptions };

export interface LayersApi {
  measureLayers(gen: AnyGenerator, opts?: MeasureLayersOptions): Promise<LayerMeasurement[]>;
  summarizeLayers(ms: LayerMeasurement[]): AliasSummary;
}

/** The library's implementation. */
export const LAYERS_API: LayersApi = { measureLayers, summarizeLayers };
