/**
 * Band guides of the FFT view (the studio's addition to the official visualiser): a map of `size`
 * pixels at sampling rate s shows bin k at k·s/size cycles per canvas unit, so a frequency f lies
 * f·size/s bins from DC. Guides: the cutoff f_c, the stopband f_c + f_h and the Nyquist limit s/2;
 * squares for separable filters, circles for radial (jinc) ones and for the input's disc band.
 * Kept apart from `views.ts` so that the page bundle does not carry the signal library.
 */

/** One band guide on the FFT view: a square (separable band) or a circle (radial) of `radius` bins. */
export interface BandGuide {
  label: string;
  /** Frequency in cycles per canvas unit. */
  frequency: number;
  /** Distance from DC in bins (= pixels of the FFT view): f·size/s. */
  radius: number;
  shape: 'square' | 'circle';
}

/** The guides f_c, f_c + f_h and s/2 of a map (nothing for maps without a cutoff, e.g. StyleGAN2). */
export function bandGuides(layer: {
  size: number;
  samplingRate: number;
  cutoff: number | null;
  halfWidth: number | null;
  radial: boolean;
}): BandGuide[] {
  const { size, samplingRate: s } = layer;
  const bins = (f: number) => (f * size) / s;
  const guides: BandGuide[] = [];
  const shape = layer.radial ? 'circle' : 'square';
  if (layer.cutoff !== null) {
    guides.push({ label: 'f_c', frequency: layer.cutoff, radius: bins(layer.cutoff), shape });
    if (layer.halfWidth !== null) {
      const ft = layer.cutoff + layer.halfWidth;
      guides.push({ label: 'f_c+f_h', frequency: ft, radius: bins(ft), shape });
    }
  }
  guides.push({ label: 's/2', frequency: s / 2, radius: bins(s / 2), shape: 'square' });
  return guides;
}
