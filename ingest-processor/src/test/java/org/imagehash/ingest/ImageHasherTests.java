package org.imagehash.ingest;

import org.imagehash.model.ImageLimits;
import org.imagehash.model.InferenceDevice;
import org.imagehash.model.ModelRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine-neutral processor work on plain map documents: codes written, options honoured, bad documents fail alone. */
class ImageHasherTests {

    private static ModelRegistry models;
    private static String sandal;
    private static String sandalCode;

    @BeforeAll
    static void loadModel() throws IOException {
        models = new ModelRegistry(null, new ModelRegistry.Settings(InferenceDevice.CPU, 0, 2, 1, ImageLimits.DEFAULT));
        try (InputStream in = ImageHasherTests.class.getResourceAsStream("/images/grey_28x28_native.png")) {
            byte[] png = in.readAllBytes();
            sandal = Base64.getEncoder().encodeToString(png);
            sandalCode = HexFormat.of().formatHex(models.get(ModelRegistry.DEFAULT_ID).encode(png));
        }
    }

    @AfterAll
    static void closeModels() throws IOException {
        models.close();
    }

    private static ImageHasher hasher(boolean ignoreMissing, boolean removeSource) {
        return new ImageHasher(models, ModelRegistry.DEFAULT_ID, "image", "code", ignoreMissing, removeSource);
    }

    @Test
    void aBatchWithBadDocumentsEncodesTheRestAndNamesTheField() {
        List<MapDocument> docs = new ArrayList<>();
        docs.add(new MapDocument(Map.of("image", sandal)));
        docs.add(new MapDocument(Map.of("image", "not base64 !")));
        docs.add(new MapDocument(Map.of("image", Base64.getEncoder().encodeToString("no image".getBytes()))));
        docs.add(new MapDocument(Map.of("image", 42)));
        docs.add(new MapDocument(Map.of("other", "x")));
        docs.add(new MapDocument(Map.of("image", sandal)));
        hasher(false, false).encode(docs);

        for (int i : new int[] { 0, 5 }) {
            assertNull(docs.get(i).failure);
            assertEquals(sandalCode, docs.get(i).source.get("code"));
            assertEquals(sandal, docs.get(i).source.get("image"));
        }
        for (int i = 1; i <= 4; i++) {
            MapDocument doc = docs.get(i);
            assertTrue(doc.failure instanceof IllegalArgumentException, "document " + i);
            assertTrue(doc.failure.getMessage().startsWith("[image_hash] field [image]"), doc.failure.getMessage());
            assertFalse(doc.source.containsKey("code"));
        }
        assertTrue(docs.get(4).failure.getMessage().contains("ignore_missing"));
    }

    @Test
    void batchesDecodedAheadGiveEveryDocumentItsOwnCode() throws IOException {
        Random random = new Random(7);
        List<MapDocument> docs = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            if (i == 4) { // a corrupt image in the second batch fails alone
                docs.add(new MapDocument(Map.of("image", Base64.getEncoder().encodeToString("no image".getBytes()))));
                expected.add(null);
                continue;
            }
            byte[] png = noise(random);
            docs.add(new MapDocument(Map.of("image", Base64.getEncoder().encodeToString(png))));
            expected.add(HexFormat.of().formatHex(models.get(ModelRegistry.DEFAULT_ID).encode(png)));
        }
        assertEquals(10, expected.stream().filter(java.util.Objects::nonNull).distinct().count(), "distinct images, distinct codes");
        hasher(false, false).encode(docs, 3);
        for (int i = 0; i < docs.size(); i++) {
            assertEquals(expected.get(i), docs.get(i).source.get("code"), "document " + i);
            assertEquals(expected.get(i) == null, docs.get(i).failure != null, "document " + i);
        }
    }

    @Test
    void everyDocumentIsHandedBackOnceWithItsBatchAsSoonAsThatBatchIsDone() throws IOException {
        Random random = new Random(11);
        List<MapDocument> docs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            docs.add(new MapDocument(Map.of("image", Base64.getEncoder().encodeToString(noise(random)))));
        }
        MapDocument skipped = new MapDocument(Map.of("other", "x"));
        MapDocument corrupt = new MapDocument(Map.of("image", "not base64 !"));
        docs.add(2, skipped);
        docs.add(5, corrupt);
        List<List<MapDocument>> groups = new ArrayList<>();
        hasher(true, false).encode(docs, 3, group -> {
            for (MapDocument doc : group) { // handed back with its code already written, or its failure recorded
                assertTrue(doc == skipped || doc.failure != null || doc.source.containsKey("code"));
            }
            groups.add(List.copyOf(group));
        });
        // batches of 3 documents, in order, the skipped and the corrupt one in theirs
        assertEquals(List.of(docs.subList(0, 3), docs.subList(3, 6), docs.subList(6, 9), docs.subList(9, 10)), groups);
        assertNull(skipped.failure);
        assertFalse(skipped.source.containsKey("code"));
        assertTrue(corrupt.failure.getMessage().startsWith("[image_hash] field [image]"), corrupt.failure.getMessage());
    }

    /** A 28x28 grey PNG of random pixels. */
    static byte[] noise(Random random) throws IOException {
        BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                image.getRaster().setSample(x, y, 0, random.nextInt(256));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }

    @Test
    void missingImagesAreSkippedWhenAllowedAndTheSourceCanBeDropped() {
        MapDocument missing = new MapDocument(Map.of("other", "x"));
        MapDocument image = new MapDocument(Map.of("image", sandal));
        hasher(true, true).encode(List.of(missing, image));
        assertNull(missing.failure);
        assertFalse(missing.source.containsKey("code"));
        assertEquals(sandalCode, image.source.get("code"));
        assertFalse(image.source.containsKey("image"));
    }
}
