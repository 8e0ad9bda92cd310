package org.imagehash.model;

import java.nio.charset.StandardCharsets;

/**
 * The EXIF orientation tag (0x0112) of a JPEG (first APP1 "Exif" segment), PNG ({@code eXIf} chunk) or WebP
 * ({@code EXIF} chunk), and the transposition Pillow's {@code ImageOps.exif_transpose} applies for it. Anything
 * missing, malformed or outside 1-8 means 1 (as is): a photo is never refused for its metadata.
 */
final class ExifOrientation {

    private static final int ORIENTATION_TAG = 0x0112;

    private ExifOrientation() {}

    /** The orientation, 1 to 8; 1 when there is none. */
    static int read(byte[] image) {
        try {
            int tiff = tiffOffset(image);
            if (tiff < 0) {
                return 1;
            }
            int value = orientationInTiff(image, tiff);
            return value >= 1 && value <= 8 ? value : 1;
        } catch (IndexOutOfBoundsException e) {
            return 1; // truncated metadata
        }
    }

    /** Where the TIFF header of the EXIF block starts, or -1. */
    private static int tiffOffset(byte[] b) {
        if (b.length > 4 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8) {
            return jpeg(b);
        }
        if (b.length > 8 && (b[0] & 0xFF) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
            return png(b);
        }
        if (b.length > 12 && ascii(b, 0, 4).equals("RIFF") && ascii(b, 8, 4).equals("WEBP")) {
            return webp(b);
        }
        return -1;
    }

    private static int jpeg(byte[] b) {
        int i = 2;
        while (i + 4 <= b.length) {
            if ((b[i] & 0xFF) != 0xFF) {
                return -1;
            }
            int marker = b[i + 1] & 0xFF;
            if (marker == 0xFF) { // fill byte
                i++;
                continue;
            }
            if (marker == 0xDA || marker == 0xD9) { // start of scan, end of image: no more metadata
                return -1;
            }
            int length = u16(b, i + 2, true);
            if (marker == 0xE1 && length >= 8 && ascii(b, i + 4, 6).equals("Exif\0\0")) {
                return i + 10;
            }
            i += 2 + length;
        }
        return -1;
    }

    private static int png(byte[] b) {
        int i = 8;
        while (i + 8 <= b.length) {
            int length = u32(b, i, true);
            String type = ascii(b, i + 4, 4);
            if (type.equals("eXIf")) {
                return exifPayload(b, i + 8);
            }
            if (type.equals("IEND") || length < 0) {
                return -1;
            }
            i += 12 + length;
        }
        return -1;
    }

    private static int webp(byte[] b) {
        int i = 12;
        while (i + 8 <= b.length) {
            int length = u32(b, i + 4, false);
            if (ascii(b, i, 4).equals("EXIF")) {
                return exifPayload(b, i + 8);
            }
            if (length < 0) {
                return -1;
            }
            i += 8 + length + (length & 1); // chunks are padded to even sizes
        }
        return -1;
    }

    /** PNG and WebP carry the TIFF block directly; some writers keep JPEG's "Exif\0\0" prefix (Pillow skips it). */
    private static int exifPayload(byte[] b, int start) {
        return ascii(b, start, 6).equals("Exif\0\0") ? start + 6 : start;
    }

    private static int orientationInTiff(byte[] b, int tiff) {
        String order = ascii(b, tiff, 2);
        boolean bigEndian;
        if (order.equals("MM")) {
            bigEndian = true;
        } else if (order.equals("II")) {
            bigEndian = false;
        } else {
            return 1;
        }
        if (u16(b, tiff + 2, bigEndian) != 42) {
            return 1;
        }
        int ifd = tiff + u32(b, tiff + 4, bigEndian);
        int entries = u16(b, ifd, bigEndian);
        for (int e = 0; e < entries; e++) {
            int entry = ifd + 2 + 12 * e;
            if (u16(b, entry, bigEndian) == ORIENTATION_TAG) {
                int type = u16(b, entry + 2, bigEndian);
                if (type == 3) { // SHORT
                    return u16(b, entry + 8, bigEndian);
                }
                if (type == 4) { // LONG
                    return u32(b, entry + 8, bigEndian);
                }
                return 1;
            }
        }
        return 1;
    }

    /**
     * Applies Pillow's transposition for an orientation to a {@code width x height} plane: 2 mirror, 3 rotate 180,
     * 4 flip, 5 transpose, 6 rotate 90 clockwise, 7 transverse, 8 rotate 90 anticlockwise. Orientations 5-8 swap the
     * width and height.
     */
    static int[] apply(int[] plane, int width, int height, int orientation) {
        if (orientation <= 1 || orientation > 8) {
            return plane;
        }
        boolean swap = orientation >= 5;
        int outWidth = swap ? height : width;
        int outHeight = swap ? width : height;
        int[] out = new int[plane.length];
        for (int y = 0; y < outHeight; y++) {
            for (int x = 0; x < outWidth; x++) {
                int sx, sy;
                switch (orientation) {
                    case 2 -> { sx = width - 1 - x; sy = y; }
                    case 3 -> { sx = width - 1 - x; sy = height - 1 - y; }
                    case 4 -> { sx = x; sy = height - 1 - y; }
                    case 5 -> { sx = y; sy = x; }
                    case 6 -> { sx = y; sy = height - 1 - x; }
                    case 7 -> { sx = width - 1 - y; sy = height - 1 - x; }
                    default -> { sx = width - 1 - y; sy = x; } // 8
                }
                out[y * outWidth + x] = plane[sy * width + sx];
            }
        }
        return out;
    }

    private static int u16(byte[] b, int i, boolean bigEndian) {
        int b0 = b[i] & 0xFF, b1 = b[i + 1] & 0xFF;
        return bigEndian ? (b0 << 8) | b1 : (b1 << 8) | b0;
    }

    private static int u32(byte[] b, int i, boolean bigEndian) {
        return bigEndian
            ? (u16(b, i, true) << 16) | u16(b, i + 2, true)
            : (u16(b, i + 2, false) << 16) | u16(b, i, false);
    }

    private static String ascii(byte[] b, int start, int length) {
        if (start < 0 || start + length > b.length) {
            return "";
        }
        return new String(b, start, length, StandardCharsets.ISO_8859_1);
    }
}
