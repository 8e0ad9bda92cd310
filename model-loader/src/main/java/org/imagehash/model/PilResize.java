package org.imagehash.model;

import org.imagehash.model.ModelManifest.Interpolation;

/**
 * Bilinear and bicubic resampling of 8-bit planes, computed exactly as Pillow's {@code Image.resize(size, filter)} does
 * ({@code Resample.c}: a filter whose support widens with the down-scaling factor, coefficients in 22-bit fixed point,
 * a horizontal pass then a vertical pass, each rounded and clipped to 8 bits). The training code resizes with Pillow,
 * so the node must compute the very same pixels for the codes to match.
 */
final class PilResize {

    private static final int PRECISION_BITS = 32 - 8 - 2;

    private PilResize() {}

    /** Resizes a {@code width x height} plane of values in [0, 255] to {@code outWidth x outHeight}, bilinear. */
    static int[] resize(int[] plane, int width, int height, int outWidth, int outHeight) {
        return resize(plane, width, height, outWidth, outHeight, Interpolation.BILINEAR);
    }

    /** Resizes a {@code width x height} plane of values in [0, 255] to {@code outWidth x outHeight}. */
    static int[] resize(int[] plane, int width, int height, int outWidth, int outHeight, Interpolation filter) {
        int[] current = plane;
        int currentWidth = width;
        if (outWidth != width) {
            current = horizontal(current, currentWidth, height, outWidth, filter);
            currentWidth = outWidth;
        }
        if (outHeight != height) {
            current = vertical(current, currentWidth, height, outHeight, filter);
        }
        return current == plane ? plane.clone() : current;
    }

    /** For each output index: the first input index it reads, how many, and their fixed-point weights. */
    private record Coefficients(int[] start, int[] count, int[][] weights) {}

    private static Coefficients coefficients(int inSize, int outSize, Interpolation filter) {
        // the same double arithmetic, in the same order, as Pillow's precompute_coeffs
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = filter.support() * filterScale;
        double ss = 1.0 / filterScale;
        int[] start = new int[outSize];
        int[] count = new int[outSize];
        int[][] weights = new int[outSize][];
        for (int out = 0; out < outSize; out++) {
            double center = (out + 0.5) * scale;
            int min = Math.max((int) (center - support + 0.5), 0);
            int max = Math.min((int) (center + support + 0.5), inSize) - min;
            double[] k = new double[max];
            double total = 0;
            for (int x = 0; x < max; x++) {
                double w = filter.filter((x + min - center + 0.5) * ss);
                k[x] = w;
                total += w;
            }
            int[] fixed = new int[max];
            for (int x = 0; x < max; x++) {
                double w = total == 0 ? 0 : k[x] / total;
                fixed[x] = (int) (w * (1 << PRECISION_BITS) + (w < 0 ? -0.5 : 0.5));
            }
            start[out] = min;
            count[out] = max;
            weights[out] = fixed;
        }
        return new Coefficients(start, count, weights);
    }

    private static int clip8(long value) {
        int v = (int) (value >> PRECISION_BITS);
        return v < 0 ? 0 : Math.min(v, 255);
    }

    private static int[] horizontal(int[] in, int width, int height, int outWidth, Interpolation filter) {
        Coefficients c = coefficients(width, outWidth, filter);
        int[] out = new int[outWidth * height];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < outWidth; x++) {
                long sum = 1L << (PRECISION_BITS - 1);
                int[] w = c.weights()[x];
                int base = y * width + c.start()[x];
                for (int i = 0; i < c.count()[x]; i++) {
                    sum += (long) in[base + i] * w[i];
                }
                out[y * outWidth + x] = clip8(sum);
            }
        }
        return out;
    }

    private static int[] vertical(int[] in, int width, int height, int outHeight, Interpolation filter) {
        Coefficients c = coefficients(height, outHeight, filter);
        int[] out = new int[width * outHeight];
        for (int y = 0; y < outHeight; y++) {
            int[] w = c.weights()[y];
            for (int x = 0; x < width; x++) {
                long sum = 1L << (PRECISION_BITS - 1);
                for (int i = 0; i < c.count()[y]; i++) {
                    sum += (long) in[(c.start()[y] + i) * width + x] * w[i];
                }
                out[y * width + x] = clip8(sum);
            }
        }
        return out;
    }
}
