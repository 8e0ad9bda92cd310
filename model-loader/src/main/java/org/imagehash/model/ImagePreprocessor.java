package org.imagehash.model;

import com.twelvemonkeys.imageio.plugins.jpeg.JPEGImageReaderSpi;
import com.twelvemonkeys.imageio.plugins.webp.WebPImageReaderSpi;

import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.spi.IIORegistry;
import javax.imageio.spi.ImageReaderSpi;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Turns encoded image bytes into a model's input exactly as the training code does: decode (JPEG, PNG, GIF, BMP,
 * WebP through ImageIO and the TwelveMonkeys plugins), convert to grey or RGB with Pillow's rules, apply the EXIF
 * orientation, resize with Pillow's bilinear or bicubic filter (stretch, or shorter side), centre crop, then
 * {@code (pixel / 255 - mean) / std} per channel, laid out CHW. The manifest says which steps apply.
 */
public final class ImagePreprocessor {

    static {
        // ImageIO finds plugins through the context class loader, which is not the plugin's: register explicitly.
        IIORegistry registry = IIORegistry.getDefaultInstance();
        registry.registerServiceProvider(new JPEGImageReaderSpi());
        registry.registerServiceProvider(new WebPImageReaderSpi());
        ImageIO.setUseCache(false); // decode in memory: no temporary files
    }

    private final ModelManifest manifest;
    private final ImageLimits limits;

    public ImagePreprocessor(ModelManifest manifest, ImageLimits limits) {
        this.manifest = manifest;
        this.limits = limits;
    }

    /** Number of floats one image takes: channels x height x width. */
    public int inputSize() {
        return manifest.channels() * manifest.height() * manifest.width();
    }

    /**
     * Writes one image's model input into {@code out[offset ... offset + inputSize() - 1]}.
     *
     * @throws ImageException when the bytes are over the limits, not an image, or an unsupported or corrupt one
     */
    public void preprocess(byte[] encoded, float[] out, int offset) {
        int[][] planes = decodeToPlanes(encoded);
        int channels = manifest.channels();
        int size = manifest.height() * manifest.width();
        for (int c = 0; c < channels; c++) {
            float mean = manifest.mean()[c];
            float std = manifest.std()[c];
            int[] plane = planes[c];
            for (int i = 0; i < size; i++) {
                // same float32 arithmetic order as the training code: (x / 255 - mean) / std
                out[offset + c * size + i] = (plane[i] / 255.0f - mean) / std;
            }
        }
    }

    /** Decodes and returns the model-sized 8-bit planes (one for grey, three for RGB). */
    int[][] decodeToPlanes(byte[] encoded) {
        if (encoded.length == 0) {
            throw new ImageException("the image is empty (0 bytes)");
        }
        if (encoded.length > limits.maxBytes()) {
            throw new ImageException(
                "the image is " + encoded.length + " bytes, more than the limit of " + limits.maxBytes() + " (image_hash.image.max_bytes)"
            );
        }
        BufferedImage image = decode(encoded);
        int[][] planes = manifest.colourMode() == ModelManifest.ColourMode.GREY ? new int[][] { grey(image) } : rgb(image);
        return geometry(planes, image.getWidth(), image.getHeight(), encoded);
    }

    /** EXIF orientation, resize and centre crop, as the manifest's geometry says (see vithash.data.preprocessing). */
    private int[][] geometry(int[][] planes, int width, int height, byte[] encoded) {
        ModelManifest.Geometry g = manifest.geometry();
        if (g.exifOrientation()) {
            int orientation = ExifOrientation.read(encoded);
            for (int c = 0; c < planes.length; c++) {
                planes[c] = ExifOrientation.apply(planes[c], width, height, orientation);
            }
            if (orientation >= 5) {
                int w = width;
                width = height;
                height = w;
            }
        }
        int outWidth = manifest.width();
        int outHeight = manifest.height();
        if (g.resize() == ModelManifest.ResizeRule.SHORTER_SIDE) {
            // torchvision's Resize(int): the shorter side to size, the longer to int(size * long / short)
            int size = g.resizeSize();
            outWidth = width <= height ? size : (int) ((double) size * width / height);
            outHeight = width <= height ? (int) ((double) size * height / width) : size;
        }
        if (width != outWidth || height != outHeight) {
            for (int c = 0; c < planes.length; c++) {
                planes[c] = PilResize.resize(planes[c], width, height, outWidth, outHeight, g.interpolation());
            }
        }
        if (g.crop() > 0) {
            int size = g.crop();
            // torchvision's CenterCrop: int(round((h - size) / 2.0)), Python's round half to even
            int top = (int) Math.rint((outHeight - size) / 2.0);
            int left = (int) Math.rint((outWidth - size) / 2.0);
            for (int c = 0; c < planes.length; c++) {
                int[] cropped = new int[size * size];
                for (int y = 0; y < size; y++) {
                    System.arraycopy(planes[c], (top + y) * outWidth + left, cropped, y * size, size);
                }
                planes[c] = cropped;
            }
        }
        return planes;
    }

    /**
     * One reader per format and thread, reused: creating an ImageIO reader costs more than decoding a small image.
     * Readers are not thread-safe, hence per thread; {@link ImageReader#reset()} clears one between images.
     */
    private static final ThreadLocal<Map<ImageReaderSpi, ImageReader>> READERS = ThreadLocal.withInitial(HashMap::new);

    private BufferedImage decode(byte[] encoded) {
        try (ImageInputStream input = new MemoryCacheImageInputStream(new ByteArrayInputStream(encoded))) {
            ImageReader reader = reader(input, encoded);
            try {
                reader.setInput(input, true, true);
                long width = reader.getWidth(0);
                long height = reader.getHeight(0);
                if (width <= 0 || height <= 0) {
                    throw new ImageException("the image has no pixels (" + width + "x" + height + ")");
                }
                if (width * height > limits.maxPixels()) {
                    throw new ImageException(
                        "the image is " + width + "x" + height + " = " + width * height + " pixels, more than the limit of " + limits.maxPixels()
                            + " (image_hash.image.max_pixels)"
                    );
                }
                return reader.read(0); // the first frame of an animated image
            } finally {
                reader.reset();
            }
        } catch (ImageException e) {
            throw e;
        } catch (IIOException e) {
            // no cause attached: on_failure handlers see the root cause's message, and this one says it all
            throw new ImageException("the image could not be decoded: " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            throw new ImageException("the image could not be decoded (corrupt or truncated): " + e);
        }
    }

    /** This thread's reader for the image's format, found the way ImageIO finds it (by content, not by name). */
    private static ImageReader reader(ImageInputStream input, byte[] encoded) throws IOException {
        Iterator<ImageReaderSpi> spis = IIORegistry.getDefaultInstance().getServiceProviders(ImageReaderSpi.class, true);
        while (spis.hasNext()) {
            ImageReaderSpi spi = spis.next();
            input.mark();
            boolean canDecode;
            try {
                canDecode = spi.canDecodeInput(input);
            } finally {
                input.reset();
            }
            if (canDecode) {
                Map<ImageReaderSpi, ImageReader> readers = READERS.get();
                ImageReader reader = readers.get(spi);
                if (reader == null) {
                    reader = spi.createReaderInstance();
                    readers.put(spi, reader);
                }
                return reader;
            }
        }
        throw new ImageException("not an image in a supported format (JPEG, PNG, GIF, BMP, WebP): " + magic(encoded));
    }

    private static String magic(byte[] bytes) {
        StringBuilder sb = new StringBuilder("first bytes");
        for (int i = 0; i < Math.min(8, bytes.length); i++) {
            sb.append(String.format(java.util.Locale.ROOT, " %02x", bytes[i] & 0xFF));
        }
        return sb.toString();
    }

    /**
     * Luma in 8 bits, as Pillow's {@code convert('L')}. Single-band images (grey PNGs, JPEGs) are read from the raster,
     * not through {@code getRGB}, which would pass grey through a colour conversion and change the values.
     */
    static int[] grey(BufferedImage image) {
        int width = image.getWidth();
        int height = image.getHeight();
        int[] out = new int[width * height];
        if (isGrey(image)) {
            return band(image, 0);
        }
        if (isWideRgb(image)) { // Pillow keeps the high byte of each sample, then takes the luma
            int[] r = band(image, 0), g = band(image, 1), b = band(image, 2);
            for (int i = 0; i < out.length; i++) {
                out[i] = (r[i] * 19595 + g[i] * 38470 + b[i] * 7471 + 0x8000) >> 16;
            }
            return out;
        }
        int[] argb = new int[width]; // a row at a time: a whole-image copy would cost 4 bytes a pixel more
        for (int y = 0; y < height; y++) {
            image.getRGB(0, y, width, 1, argb, 0, width);
            for (int x = 0; x < width; x++) {
                int p = argb[x];
                int r = (p >> 16) & 0xFF, g = (p >> 8) & 0xFF, b = p & 0xFF;
                out[y * width + x] = (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
            }
        }
        return out;
    }

    /** Grey, with or without alpha, not a palette: read from the raster (the colour model would change the values). */
    private static boolean isGrey(BufferedImage image) {
        int bands = image.getRaster().getNumBands();
        return image.getColorModel() instanceof IndexColorModel == false
            && (bands == 1 || (bands == 2 && image.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY));
    }

    /** RGB(A) with more than 8 bits a sample (16-bit PNGs): the colour model would round; Pillow keeps the high byte. */
    private static boolean isWideRgb(BufferedImage image) {
        return image.getColorModel() instanceof IndexColorModel == false
            && image.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_RGB
            && image.getRaster().getNumBands() >= 3
            && image.getColorModel().getComponentSize(0) > 8;
    }

    /** One band of the raster in 8 bits: samples wider than 8 bits keep their high byte ({@code >> (bits - 8)}). */
    private static int[] band(BufferedImage image, int band) {
        Raster raster = image.getRaster();
        int width = image.getWidth();
        int height = image.getHeight();
        int shift = Math.max(0, image.getColorModel().getComponentSize(band) - 8);
        int[] out = raster.getSamples(0, 0, width, height, band, new int[width * height]);
        for (int i = 0; i < out.length; i++) {
            out[i] >>= shift;
        }
        return out;
    }

    /** Three 8-bit planes R, G, B; grey images repeat their value in each. */
    static int[][] rgb(BufferedImage image) {
        int width = image.getWidth();
        int height = image.getHeight();
        int[][] planes = new int[3][width * height];
        if (isGrey(image)) {
            int[] grey = grey(image);
            for (int c = 0; c < 3; c++) {
                planes[c] = grey.clone();
            }
            return planes;
        }
        if (isWideRgb(image)) {
            return new int[][] { band(image, 0), band(image, 1), band(image, 2) };
        }
        int[] argb = new int[width];
        for (int y = 0; y < height; y++) {
            image.getRGB(0, y, width, 1, argb, 0, width);
            for (int x = 0; x < width; x++) {
                int i = y * width + x;
                planes[0][i] = (argb[x] >> 16) & 0xFF;
                planes[1][i] = (argb[x] >> 8) & 0xFF;
                planes[2][i] = argb[x] & 0xFF;
            }
        }
        return planes;
    }
}
