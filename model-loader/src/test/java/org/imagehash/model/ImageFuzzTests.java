package org.imagehash.model;

import org.opensearch.test.OpenSearchTestCase;

import java.io.IOException;
import java.util.List;

/**
 * Random damage to real images: truncation, flipped bytes, random headers, random bytes. Every outcome is either a
 * decoded image or an {@link ImageException} with a message; never another exception, a hang or a crash.
 */
public class ImageFuzzTests extends OpenSearchTestCase {

    private static final List<String> SEEDS = List.of(
        "rgb_40x33.png", "grey_28x28_native.png", "rgba_31x29.png", "palette_30x30.gif", "animated_28x28.gif", "rgb_64x48.bmp",
        "rgb_60x40.jpg", "cmyk_32x32.jpg", "rgb_50x45_lossless.webp"
    );

    public void testDamagedImagesFailCleanly() throws IOException {
        ModelManifest grey = new ModelManifest(
            "fuzz", 64, "input", "hash", 28, 28, ModelManifest.ColourMode.GREY, new float[] { 0 }, new float[] { 1 }, null, null, null
        );
        ImagePreprocessor preprocessor = new ImagePreprocessor(grey, new ImageLimits(1 << 20, 4_000_000));
        float[] out = new float[preprocessor.inputSize()];
        int decoded = 0, rejected = 0;
        for (int iteration = 0; iteration < 400; iteration++) {
            byte[] image = ImagePreprocessorTests.image(randomFrom(SEEDS)).clone();
            byte[] damaged = switch (randomIntBetween(0, 4)) {
                case 0 -> java.util.Arrays.copyOf(image, randomIntBetween(0, image.length - 1)); // truncated
                case 1 -> { // flipped bytes anywhere
                    for (int i = 0; i < randomIntBetween(1, 20); i++) {
                        image[randomIntBetween(0, image.length - 1)] ^= (byte) randomIntBetween(1, 255);
                    }
                    yield image;
                }
                case 2 -> { // damaged header only
                    for (int i = 0; i < randomIntBetween(1, 4); i++) {
                        image[randomIntBetween(0, Math.min(32, image.length - 1))] = randomByte();
                    }
                    yield image;
                }
                case 3 -> randomByteArrayOfLength(randomIntBetween(0, 2000)); // not an image at all
                default -> { // a real header followed by junk
                    byte[] junk = randomByteArrayOfLength(randomIntBetween(16, 500));
                    System.arraycopy(image, 0, junk, 0, Math.min(16, image.length));
                    yield junk;
                }
            };
            try {
                preprocessor.preprocess(damaged, out, 0);
                decoded++;
            } catch (ImageException e) {
                assertNotNull(e.getMessage());
                rejected++;
            }
        }
        assertTrue("most damaged images are rejected: " + rejected, rejected > 100);
        logger.info("fuzz: {} decoded despite damage, {} rejected", decoded, rejected);
    }
}
