/** Per-channel standardisation by the training split's statistics. */

/** Per-channel mean and (population) standard deviation of x/255 over NHWC bytes. */
export function channelStats(pixels: Uint8Array, channels: number): { mean: number[]; std: number[] } {
  const sum = new Float64Array(channels);
  const sumSquares = new Float64Array(channels);
  // Integer histograms keep this exact and fast: 256 bins per channel.
  const histogram = new Float64Array(256 * channels);
  for (let c = 0; c < channels; c++) {
    for (let i = c; i < pixels.length; i += channels) histogram[c * 256 + pixels[i]!]! += 1;
  }
  for (let c = 0; c < channels; c++) {
    for (let v = 0; v < 256; v++) {
      const n = histogram[c * 256 + v]!;
      sum[c]! += n * (v / 255);
      sumSquares[c]! += n * (v / 255) ** 2;
    }
  }
  const perChannel = pixels.length / channels;
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < channels; c++) {
    const m = perChannel > 0 ? sum[c]! / perChannel : 0;
    const variance = perChannel > 0 ? Math.max(0, sumSquares[c]! / perChannel - m * m) : 0;
    mean.push(m);
    std.push(variance > 1e-12 ? Math.sqrt(variance) : 1); // a constant channel is only centred
  }
  return { mean, std };
}

/**
 * The standardised value of every byte in every channel, x' = (x/255 - mean[c]) / std[c],
 * at table[c * 256 + x]: a split holds its images as bytes and looks them up as it copies
 * them out, one load per pixel.
 */
export function standardisingTable(channels: number, stats: { mean: readonly number[]; std: readonly number[] }): Float32Array {
  const table = new Float32Array(256 * channels);
  for (let c = 0; c < channels; c++) {
    for (let v = 0; v < 256; v++) table[c * 256 + v] = (v / 255 - stats.mean[c]!) / stats.std[c]!;
  }
  return table;
}
