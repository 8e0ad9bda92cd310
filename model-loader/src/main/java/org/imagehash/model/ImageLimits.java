package org.imagehash.model;

/**
 * What a node accepts as an image: encoded size and decoded pixel count. The pixel limit is checked from the image's
 * header, before any pixel is decoded, so a small file that claims to be huge (a decompression bomb) costs nothing.
 */
public record ImageLimits(long maxBytes, long maxPixels) {

    public static final ImageLimits DEFAULT = new ImageLimits(10L * 1024 * 1024, 50_000_000L);

    public ImageLimits {
        if (maxBytes <= 0 || maxPixels <= 0) {
            throw new IllegalArgumentException("image limits must be positive, got maxBytes=" + maxBytes + " maxPixels=" + maxPixels);
        }
    }
}
