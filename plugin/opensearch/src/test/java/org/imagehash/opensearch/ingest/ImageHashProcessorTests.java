package org.imagehash.opensearch.ingest;

import org.imagehash.model.ImageLimits;
import org.imagehash.model.InferenceDevice;
import org.imagehash.model.ModelRegistry;
import org.imagehash.opensearch.engine.EngineCompat;
import org.opensearch.OpenSearchParseException;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.util.concurrent.ThreadContext;
import org.opensearch.ingest.IngestDocument;
import org.opensearch.ingest.IngestDocumentWrapper;
import org.opensearch.ingest.RandomDocumentPicks;
import org.opensearch.test.OpenSearchTestCase;
import org.junit.AfterClass;
import org.junit.BeforeClass;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;

/** The processor on documents: codes written, options honoured, and a bad document failing alone in a batch. */
public class ImageHashProcessorTests extends OpenSearchTestCase {

    private static ModelRegistry models;
    private static String sandal;
    private static String sandalCode;

    @BeforeClass
    public static void loadModel() throws IOException {
        models = new ModelRegistry(null, new ModelRegistry.Settings(InferenceDevice.CPU, 0, 2, 1, ImageLimits.DEFAULT));
        try (InputStream in = ImageHashProcessorTests.class.getResourceAsStream("/images/grey_28x28_native.png")) {
            sandal = Base64.getEncoder().encodeToString(in.readAllBytes());
        }
        sandalCode = java.util.HexFormat.of().formatHex(models.get(ModelRegistry.DEFAULT_ID).encode(Base64.getDecoder().decode(sandal)));
    }

    @AfterClass
    public static void closeModels() throws IOException {
        models.close();
        models = null;
    }

    private ImageHashProcessor processor(Map<String, Object> options) throws Exception {
        Map<String, Object> config = new HashMap<>(Map.of("field", "image", "target_field", "code"));
        config.putAll(options);
        return (ImageHashProcessor) new ImageHashProcessor.Factory(models).create(Map.of(), "tag", null, config);
    }

    private static IngestDocument document(Map<String, Object> source) {
        return RandomDocumentPicks.randomIngestDocument(random(), new HashMap<>(source));
    }

    public void testWritesTheHexCode() throws Exception {
        IngestDocument doc = document(Map.of("image", sandal));
        processor(Map.of()).execute(doc);
        assertEquals(sandalCode, doc.getFieldValue("code", String.class));
        assertEquals(sandal, doc.getFieldValue("image", String.class));
    }

    public void testRemoveSourceFieldDropsTheImage() throws Exception {
        IngestDocument doc = document(Map.of("image", sandal));
        processor(Map.of("remove_source_field", true)).execute(doc);
        assertFalse(doc.hasField("image"));
        assertEquals(sandalCode, doc.getFieldValue("code", String.class));
    }

    /** A CBOR or SMILE document carries the image as raw bytes: same code as its base64 text, an empty one fails alone. */
    public void testRawBytesFromABinaryDocument() throws Exception {
        IngestDocument doc = document(Map.of("image", Base64.getDecoder().decode(sandal)));
        processor(Map.of("remove_source_field", true)).execute(doc);
        assertEquals(sandalCode, doc.getFieldValue("code", String.class));
        assertFalse(doc.hasField("image"));
        assertThat(
            expectThrows(IllegalArgumentException.class, () -> processor(Map.of()).execute(document(Map.of("image", new byte[0])))).getMessage(),
            containsString("[image_hash] field [image] is empty")
        );
    }

    public void testMissingImage() throws Exception {
        IngestDocument doc = document(Map.of("other", 1));
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> processor(Map.of()).execute(doc));
        assertThat(e.getMessage(), containsString("[image_hash] field [image] is missing or null"));
        IngestDocument skipped = document(Map.of("other", 1));
        processor(Map.of("ignore_missing", true)).execute(skipped);
        assertFalse(skipped.hasField("code"));
    }

    public void testBadValuesSayWhy() throws Exception {
        ImageHashProcessor processor = processor(Map.of());
        assertThat(
            expectThrows(IllegalArgumentException.class, () -> processor.execute(document(Map.of("image", 42)))).getMessage(),
            containsString("must be an image: base64 text, or raw bytes in a CBOR or SMILE document; got a Integer")
        );
        assertThat(
            expectThrows(IllegalArgumentException.class, () -> processor.execute(document(Map.of("image", "%%%")))).getMessage(),
            containsString("is not valid base64")
        );
        String notAnImage = Base64.getEncoder().encodeToString("hello".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(
            expectThrows(IllegalArgumentException.class, () -> processor.execute(document(Map.of("image", notAnImage)))).getMessage(),
            containsString("[image_hash] field [image]: not an image in a supported format")
        );
    }

    public void testABadDocumentFailsAloneInABatch() throws Exception {
        // batches of two: the bad image in the first, the second decoded while the model runs the first
        ImageHashProcessor processor = processor(Map.of("batch_size", 2));
        assertEquals(2, processor.batchSize());
        List<IngestDocumentWrapper> batch = new ArrayList<>();
        String[] images = { sandal, "AAAA", sandal, null, sandal };
        for (int i = 0; i < images.length; i++) {
            Map<String, Object> source = new HashMap<>();
            if (images[i] != null) {
                source.put("image", images[i]);
            }
            batch.add(EngineCompat.wrap(i, document(source)));
        }
        AtomicReference<List<IngestDocumentWrapper>> done = new AtomicReference<>();
        processor.batchExecute(batch, done::set);
        assertEquals(5, done.get().size());
        for (IngestDocumentWrapper wrapper : done.get()) {
            int slot = wrapper.getSlot();
            if (slot == 1 || slot == 3) {
                assertNotNull("slot " + slot + " fails", wrapper.getException());
            } else {
                assertNull(wrapper.getException());
                assertEquals(sandalCode, wrapper.getIngestDocument().getFieldValue("code", String.class));
            }
        }
    }

    public void testABulkGoesOnFromTheWorkerInItsOwnThreadContextOnceEveryDocumentIsDone() throws Exception {
        ThreadContext threadContext = new ThreadContext(Settings.EMPTY);
        ExecutorService workers = Executors.newSingleThreadExecutor();
        try {
            ImageHashProcessor processor = (ImageHashProcessor) new ImageHashProcessor.Factory(models, null, workers, threadContext).create(
                Map.of(),
                "tag",
                null,
                new HashMap<>(Map.of("field", "image", "target_field", "code", "batch_size", 2))
            );
            List<IngestDocumentWrapper> bulk = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                bulk.add(EngineCompat.wrap(i, document(new HashMap<>(Map.of("image", i == 2 ? "AAAA" : sandal)))));
            }
            CompletableFuture<String> handedOn = new CompletableFuture<>();
            try (ThreadContext.StoredContext ignored = threadContext.stashContext()) {
                threadContext.putHeader("bulk", "mine");
                processor.batchExecute(bulk, documents -> {
                    try {
                        for (IngestDocumentWrapper wrapper : documents) { // every document is done by now
                            int slot = wrapper.getSlot();
                            assertTrue("slot " + slot, slot == 2 ? wrapper.getException() != null : wrapper.getIngestDocument().hasField("code"));
                        }
                        handedOn.complete(Thread.currentThread().getName() + " " + threadContext.getHeader("bulk"));
                    } catch (Throwable t) {
                        handedOn.completeExceptionally(t);
                    }
                });
            }
            String onWorker = handedOn.get(60, TimeUnit.SECONDS);
            assertNotEquals(Thread.currentThread().getName(), onWorker.split(" ")[0]);
            assertThat(onWorker, endsWith(" mine"));
            assertNull("the worker's own context is left as it was", workers.submit(() -> threadContext.getHeader("bulk")).get());
        } finally {
            assertTrue(terminate(workers));
        }
    }

    public void testConfigurationErrorsNameTheProperty() {
        OpenSearchParseException unknown = expectThrows(OpenSearchParseException.class, () -> processor(Map.of("model_id", "nope")));
        assertThat(unknown.getMessage(), containsString("[model_id] no model [nope]"));
        OpenSearchParseException escape = expectThrows(OpenSearchParseException.class, () -> processor(Map.of("model_id", "../x")));
        assertThat(escape.getMessage(), containsString("invalid model id"));
        OpenSearchParseException batch = expectThrows(OpenSearchParseException.class, () -> processor(Map.of("batch_size", 0)));
        assertThat(batch.getMessage(), containsString("batch size must be a positive integer"));
        OpenSearchParseException noField = expectThrows(
            OpenSearchParseException.class,
            () -> new ImageHashProcessor.Factory(models).create(Map.of(), "tag", null, new HashMap<>(Map.of("target_field", "code")))
        );
        assertThat(noField.getMessage(), containsString("[field] required property is missing"));
    }
}
