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

    /**
     * Every geometry rule against the training code's preprocessing (vithash.data.preprocessing, i.e. Pillow), with the
     * manifest's "input" object exactly as export writes it: JPEG with each EXIF orientation (and PNG with some), PNG
     * with alpha, CMYK JPEG, 16-bit PNG, palette GIF, very wide and very tall images, up- and down-scaling, bilinear
     * and bicubic, stretch and shorter side + centre crop (cases written by make_geometry_cases.py). Lossless formats
     * give the same pixels; JPEGs are within the tolerance the case gives (IDCT rounding).
     */
    @SuppressWarnings("unchecked")
    public void testGeometryCasesMatchPillow() throws IOException {
        List<Object> cases = (List<Object>) XContentHelper.convertToMap(
            JsonXContent.jsonXContent,
            new BytesArray(("{\"cases\":" + new String(image("pillow_geometry.json"), java.nio.charset.StandardCharsets.UTF_8) + "}").getBytes(java.nio.charset.StandardCharsets.UTF_8)).streamInput(),
            false
        ).get("cases");
        assertEquals(34, cases.size());
        int exact = 0;
        for (Object c : cases) {
            Map<String, Object> testCase = (Map<String, Object>) c;
            Map<String, Object> json = ModelManifestTests.defaultManifest();
            json.put("input", testCase.get("input"));
            ModelManifest manifest = ModelManifest.parse(json, "case");
            String what = testCase.get("file") + " " + testCase.get("input");
            int[][] planes = new ImagePreprocessor(manifest, ImageLimits.DEFAULT).decodeToPlanes(image("photos/" + testCase.get("file")));
            int[] actual = Arrays.stream(planes).flatMapToInt(Arrays::stream).toArray();
            int[] wanted = ((List<Number>) testCase.get("pixels")).stream().mapToInt(Number::intValue).toArray();
            assertEquals(what, wanted.length, actual.length);
            int tolerance = ((Number) testCase.get("tolerance")).intValue();
            if (tolerance == 0) {
                assertArrayEquals(what, wanted, actual);
                exact++;
            }
            for (int i = 0; i < actual.length; i++) {
                int difference = Math.abs(actual[i] - wanted[i]);
                assertTrue(what + " value " + i + " differs by " + difference, difference <= tolerance);
            }
        }
        assertEquals(24, exact);
    }

    public void testExifOrientationIsReadFromJpegPngAndWebpAndNeverFails() throws IOException {
        assertEquals(6, ExifOrientation.read(image("photos/exif_6.jpg")));
        assertEquals(8, ExifOrientation.read(image("photos/exif_8.png")));
        assertEquals(5, ExifOrientation.read(image("photos/exif_5.webp")));
        assertEquals(1, ExifOrientation.read(image("photos/rgb_97x61.png")));
        assertEquals(1, ExifOrientation.read(image("rgb_60x40.jpg")));
        // big-endian TIFF, as cameras write it: FFD8, APP1 "Exif\0\0" MM 42 IFD0 with one entry 0x0112 SHORT 1 = 7
        byte[] bigEndian = {
            (byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE1, 0, 34, 'E', 'x', 'i', 'f', 0, 0,
            'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0 };
        assertEquals(7, ExifOrientation.read(bigEndian));
        bigEndian[31] = 9; // out of range
        assertEquals(1, ExifOrientation.read(bigEndian));
        byte[] jpeg = image("photos/exif_6.jpg");
        for (int cut = 0; cut < 80; cut++) { // truncated anywhere in the metadata: as is, never an exception
            int orientation = ExifOrientation.read(Arrays.copyOf(jpeg, cut));
            assertTrue(orientation == 1 || orientation == 6);
        }
        assertEquals(1, ExifOrientation.read(randomByteArrayOfLength(100)));
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
