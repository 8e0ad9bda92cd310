package org.imagehash.model;

import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.common.bytes.BytesArray;
import org.opensearch.test.OpenSearchTestCase;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.hamcrest.Matchers.containsString;

/**
 * Decoding and preprocessing against Pillow, which the training code uses: the same 28x28 grey pixels for PNG, GIF,
 * BMP and WebP, resized up and down, from grey, RGB, RGBA and palette images (files and expectations written by
 * {@code src/test/resources/images/make_images.py}); limits and broken input.
 */
public class ImagePreprocessorTests extends OpenSearchTestCase {

    private static final ModelManifest GREY_28 = new ModelManifest(
        "test", 64, "input", "hash", 28, 28, ModelManifest.ColourMode.GREY, new float[] { 0.5f }, new float[] { 0.25f }, null, null, null
    );

    static byte[] image(String name) throws IOException {
        try (InputStream in = ImagePreprocessorTests.class.getResourceAsStream("/images/" + name)) {
            assertNotNull(name, in);
            return in.readAllBytes();
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, List<Number>> pillow(String kind) throws IOException {
        Map<String, Object> all = XContentHelper.convertToMap(JsonXContent.jsonXContent, new BytesArray(image("pillow_grey28.json")).streamInput(), false);
        return (Map<String, List<Number>>) all.get(kind);
    }

    public void testSamePixelsAsPillowForLosslessFormats() throws IOException {
        ImagePreprocessor preprocessor = new ImagePreprocessor(GREY_28, ImageLimits.DEFAULT);
        Map<String, List<Number>> expected = pillow("exact");
        assertEquals(8, expected.size());
        for (Map.Entry<String, List<Number>> entry : expected.entrySet()) {
            int[] actual = preprocessor.decodeToPlanes(image(entry.getKey()))[0];
            int[] wanted = entry.getValue().stream().mapToInt(Number::intValue).toArray();
            assertArrayEquals(entry.getKey(), wanted, actual);
        }
    }

    public void testJpegsDecodeCloseToLibjpeg() throws IOException {
        // Java's JPEG decoder and libjpeg round the inverse DCT differently: a level or two apart, never more
        ImagePreprocessor preprocessor = new ImagePreprocessor(GREY_28, ImageLimits.DEFAULT);
        for (Map.Entry<String, List<Number>> entry : pillow("loose").entrySet()) {
            int[] actual = preprocessor.decodeToPlanes(image(entry.getKey()))[0];
            for (int i = 0; i < actual.length; i++) {
                int difference = Math.abs(actual[i] - entry.getValue().get(i).intValue());
                assertTrue(entry.getKey() + " pixel " + i + " differs by " + difference, difference <= 3);
            }
        }
    }

    public void testNormalisationIsPixelOver255MinusMeanOverStd() throws IOException {
        ImagePreprocessor preprocessor = new ImagePreprocessor(GREY_28, ImageLimits.DEFAULT);
        byte[] png = image("grey_28x28_native.png");
        int[] pixels = preprocessor.decodeToPlanes(png)[0];
        float[] input = new float[preprocessor.inputSize() + 3];
        preprocessor.preprocess(png, input, 3);
        for (int i = 0; i < pixels.length; i++) {
            assertEquals((pixels[i] / 255.0f - 0.5f) / 0.25f, input[3 + i], 0f);
        }
    }

    public void testRgbModelsGetThreePlanes() throws IOException {
        ModelManifest rgb = new ModelManifest(
            "rgb", 64, "input", "hash", 28, 28, ModelManifest.ColourMode.RGB, new float[3], new float[] { 1, 1, 1 }, null, null, null
        );
        ImagePreprocessor preprocessor = new ImagePreprocessor(rgb, ImageLimits.DEFAULT);
        assertEquals(3 * 28 * 28, preprocessor.inputSize());
        int[][] fromGrey = preprocessor.decodeToPlanes(image("grey_28x28_native.png"));
        assertArrayEquals(fromGrey[0], fromGrey[1]);
        assertArrayEquals(fromGrey[0], fromGrey[2]);
        int[][] fromRgb = preprocessor.decodeToPlanes(image("rgb_40x33.png"));
        assertFalse(Arrays.equals(fromRgb[0], fromRgb[2]));
    }

    public void testLimitsAreCheckedBeforeDecoding() throws IOException {
        byte[] png = image("rgb_40x33.png");
        ImageException bytes = expectThrows(
            ImageException.class,
            () -> new ImagePreprocessor(GREY_28, new ImageLimits(100, 1_000_000)).decodeToPlanes(png)
        );
        assertThat(bytes.getMessage(), containsString("the image is " + png.length + " bytes, more than the limit of 100 (image_hash.image.max_bytes)"));
        ImageException pixels = expectThrows(
            ImageException.class,
            () -> new ImagePreprocessor(GREY_28, new ImageLimits(1_000_000, 1000)).decodeToPlanes(png)
        );
        assertThat(pixels.getMessage(), containsString("the image is 40x33 = 1320 pixels, more than the limit of 1000 (image_hash.image.max_pixels)"));
    }

    public void testBrokenInputSaysWhatIsWrong() throws IOException {
        ImagePreprocessor preprocessor = new ImagePreprocessor(GREY_28, ImageLimits.DEFAULT);
        byte[] png = image("rgb_40x33.png");
        assertThat(expectThrows(ImageException.class, () -> preprocessor.decodeToPlanes(new byte[0])).getMessage(), containsString("empty"));
        assertThat(
            expectThrows(ImageException.class, () -> preprocessor.decodeToPlanes("GIF89a but not".getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
                .getMessage(),
            containsString("could not be decoded")
        );
        assertThat(
            expectThrows(ImageException.class, () -> preprocessor.decodeToPlanes(randomByteArrayOfLength(64))).getMessage(),
            containsString("not an image in a supported format")
        );
        byte[] truncated = Arrays.copyOf(png, png.length / 2);
        ImageException e = expectThrows(ImageException.class, () -> preprocessor.decodeToPlanes(truncated));
        assertNotNull(e.getMessage());
    }

    public void testBase64IsStrictAndAcceptsDataUrls() {
        assertArrayEquals(new byte[] { 1, 2, 3 }, ImageBytes.fromBase64("AQID", "[x]"));
        assertArrayEquals(new byte[] { 1, 2, 3 }, ImageBytes.fromBase64("AQ\nID", "[x]"));
        assertArrayEquals(new byte[] { 1, 2, 3 }, ImageBytes.fromBase64("data:image/png;base64,AQID", "[x]"));
        assertThat(expectThrows(ImageException.class, () -> ImageBytes.fromBase64("AQ!D", "[x]")).getMessage(), containsString("[x] is not valid base64"));
        assertThat(expectThrows(ImageException.class, () -> ImageBytes.fromBase64("  ", "[x]")).getMessage(), containsString("[x] is empty"));
        assertThat(expectThrows(ImageException.class, () -> ImageBytes.fromBase64("data:text/plain,hi", "[x]")).getMessage(), containsString("not base64"));
    }
}
