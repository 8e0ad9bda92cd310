package org.imagehash.model;

import org.opensearch.test.OpenSearchTestCase;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.hamcrest.Matchers.containsString;

/** Part assembly and verification, and models served from a (fake) model index with a disk cache and an LRU limit. */
public class ModelUploadTests extends OpenSearchTestCase {

    private static byte[] bundled(String name) throws IOException {
        try (InputStream in = ModelUploadTests.class.getResourceAsStream("/org/imagehash/model/default/" + name)) {
            return in.readAllBytes();
        }
    }

    private static byte[][] split(byte[] bytes, int parts) {
        byte[][] out = new byte[parts][];
        int size = (bytes.length + parts - 1) / parts;
        for (int i = 0; i < parts; i++) {
            out[i] = Arrays.copyOfRange(bytes, Math.min(bytes.length, i * size), Math.min(bytes.length, (i + 1) * size));
        }
        return out;
    }

    public void testPlanChecksItsValues() {
        String sha = "ab".repeat(32);
        ModelUpload.Plan plan = ModelUpload.Plan.of(3, 100L, sha.toUpperCase(java.util.Locale.ROOT), 1000);
        assertEquals(sha, plan.sha256());
        assertThat(expectThrows(IllegalArgumentException.class, () -> ModelUpload.Plan.of(3, 100, "xyz", 1000)).getMessage(), containsString("[sha256]"));
        assertThat(expectThrows(IllegalArgumentException.class, () -> ModelUpload.Plan.of(0, 100, sha, 1000)).getMessage(), containsString("[total_parts]"));
        assertThat(expectThrows(IllegalArgumentException.class, () -> ModelUpload.Plan.of(3, "x", sha, 1000)).getMessage(), containsString("[total_length]"));
        assertThat(expectThrows(ModelUpload.ModelTooLargeException.class, () -> ModelUpload.Plan.of(3, 2000, sha, 1000)).getMessage(), containsString("image_hash.models.max_bytes"));
        assertThat(expectThrows(IllegalArgumentException.class, () -> ModelUpload.Plan.of(1, 11L << 20, sha, 1L << 30)).getMessage(), containsString("between 2 and"));
    }

    public void testPartsAreCheckedAndAssembledInOrder() throws IOException {
        byte[] graph = randomByteArrayOfLength(1000);
        byte[][] parts = split(graph, 4);
        ModelUpload.Plan plan = ModelUpload.Plan.of(4, 1000, ModelUpload.sha256(graph), 1 << 20);
        for (int n = 0; n < 4; n++) {
            assertArrayEquals(parts[n], ModelUpload.decodePart(plan, n, Base64.getMimeEncoder().encodeToString(parts[n])));
        }
        assertArrayEquals(graph, ModelUpload.assemble(plan, n -> parts[n]));
        assertThat(expectThrows(IllegalArgumentException.class, () -> ModelUpload.decodePart(plan, 4, "AAAA")).getMessage(), containsString("part [4] is out of range: this upload has parts 0 to 3"));
        assertThat(expectThrows(IllegalArgumentException.class, () -> ModelUpload.decodePart(plan, -1, "AAAA")).getMessage(), containsString("out of range"));
        assertThat(expectThrows(IllegalArgumentException.class, () -> ModelUpload.decodePart(plan, 1, "not base64!")).getMessage(), containsString("not valid base64"));
        assertThat(expectThrows(IllegalArgumentException.class, () -> ModelUpload.decodePart(plan, 1, 42)).getMessage(), containsString("base64 string"));
        String huge = Base64.getEncoder().encodeToString(new byte[ModelUpload.MAX_PART_BYTES + 3]);
        expectThrows(ModelUpload.ModelTooLargeException.class, () -> ModelUpload.decodePart(plan, 1, huge));
        // a missing part, a wrong length, a wrong hash
        assertThat(expectThrows(IllegalArgumentException.class, () -> ModelUpload.assemble(plan, n -> n == 2 ? null : parts[n])).getMessage(), containsString("part [2] of 4 is missing"));
        assertThat(expectThrows(IllegalArgumentException.class, () -> ModelUpload.assemble(plan, n -> n == 3 ? new byte[1] : parts[n])).getMessage(), containsString("[total_length] is 1000"));
        byte[][] swapped = { parts[1], parts[0], parts[2], parts[3] };
        assertThat(expectThrows(IllegalArgumentException.class, () -> ModelUpload.assemble(plan, n -> swapped[n])).getMessage(), containsString("SHA-256 mismatch"));
    }

    /** A model index in memory. */
    private static final class FakeStore implements IndexModels.Store {
        final Map<String, IndexModels.Record> records = new HashMap<>();
        final Map<String, byte[]> parts = new HashMap<>();
        int partReads;

        @Override
        public IndexModels.Record record(String id) {
            return records.get(id);
        }

        @Override
        public byte[] part(String id, int n) {
            partReads++;
            return parts.get(id + "#" + n);
        }

        @Override
        public List<IndexModels.Record> records() {
            return records.values().stream().sorted(java.util.Comparator.comparing(IndexModels.Record::id)).toList();
        }

        void upload(String id, byte[] manifest, byte[] graph, int count, String state) {
            byte[][] split = split(graph, count);
            for (int n = 0; n < count; n++) {
                parts.put(id + "#" + n, split[n]);
            }
            records.put(id, new IndexModels.Record(id, manifest, new ModelUpload.Plan(count, graph.length, ModelUpload.sha256(graph)), state, null, 0L));
        }
    }

    private static ModelRegistry registry(FakeStore store, Path cache, long maxLoadedBytes) {
        return new ModelRegistry(
            List.of(new BundledModels(), new IndexModels(store, cache, PrivilegedAccess.DIRECT)),
            new ModelRegistry.Settings(InferenceDevice.CPU, 0, 1, 1, ImageLimits.DEFAULT, maxLoadedBytes),
            PrivilegedAccess.DIRECT
        );
    }

    public void testAnUploadedModelIsVerifiedCachedAndGivesTheBundledCodes() throws IOException {
        FakeStore store = new FakeStore();
        store.upload("up", bundled("model.json"), bundled("model.onnx"), 3, IndexModels.READY);
        store.upload("half", bundled("model.json"), bundled("model.onnx"), 3, IndexModels.UPLOADING);
        Path cache = createTempDir();
        byte[] png = DefaultModelParityTests.resource((String) DefaultModelParityTests.goldenImages().get(0).get("file"));
        String expected = (String) DefaultModelParityTests.goldenImages().get(0).get("hex");
        try (ModelRegistry registry = registry(store, cache, Long.MAX_VALUE)) {
            assertEquals(List.of("default", "half", "up"), registry.list().stream().map(ModelRegistry.ModelInfo::id).toList());
            assertEquals("ready", registry.info("up").details().get("state"));
            assertEquals(expected, HexFormat.of().formatHex(registry.get("up").encode(png)));
            assertThat(expectThrows(ModelNotReadyException.class, () -> registry.get("half")).getMessage(), containsString("is not ready: it is [uploading]"));
            assertTrue(Files.exists(cache.resolve("up-" + ModelUpload.sha256(bundled("model.onnx")) + ".onnx")));
            registry.evict("up");
            int reads = store.partReads;
            assertEquals(expected, HexFormat.of().formatHex(registry.get("up").encode(png)));
            assertEquals("loaded again from the disk cache", reads, store.partReads);
            registry.remove("up");
            assertFalse(Files.exists(cache.resolve("up-" + ModelUpload.sha256(bundled("model.onnx")) + ".onnx")));
        }
        // a part damaged in the index: refused, never loaded
        store.parts.put("up#1", new byte[] { 1, 2, 3 });
        try (ModelRegistry registry = registry(store, null, Long.MAX_VALUE)) {
            assertThat(expectThrows(ModelNotReadyException.class, () -> registry.get("up")).getMessage(), containsString("damaged"));
            assertTrue(registry.loadedIds().isEmpty());
        }
    }

    public void testValidateNamesTheProblem() throws IOException {
        try (ModelRegistry registry = registry(new FakeStore(), null, Long.MAX_VALUE)) {
            byte[] onnx = bundled("model.onnx");
            byte[] manifest = bundled("model.json");
            assertEquals(64, registry.validate("x", manifest, onnx).bits());
            assertThat(expectThrows(IllegalArgumentException.class, () -> registry.validate("x", manifest, "not onnx".getBytes())).getMessage(), containsString("cannot open the file as an ONNX model"));
            byte[] wrongBits = new String(manifest, java.nio.charset.StandardCharsets.UTF_8).replace("\"bits\": 64", "\"bits\": 32").getBytes();
            assertThat(expectThrows(IllegalArgumentException.class, () -> registry.validate("x", wrongBits, onnx)).getMessage(), containsString("says [bits] is 32"));
            byte[] wrongInput = new String(manifest, java.nio.charset.StandardCharsets.UTF_8).replace("\"input_name\": \"input\"", "\"input_name\": \"pixels\"").getBytes();
            assertThat(expectThrows(IllegalArgumentException.class, () -> registry.validate("x", wrongInput, onnx)).getMessage(), containsString("[onnx.input_name] is [pixels]"));
        }
    }

    public void testLeastRecentlyUsedModelsAreEvictedOverTheLimit() throws IOException {
        FakeStore store = new FakeStore();
        byte[] onnx = bundled("model.onnx");
        for (String id : List.of("a", "b", "c")) {
            store.upload(id, bundled("model.json"), onnx, 1, IndexModels.READY);
        }
        try (ModelRegistry registry = registry(store, null, 2L * onnx.length + 10)) {
            registry.get("a");
            registry.get("b");
            registry.get("a");
            registry.get("c"); // b is the least recently used
            assertEquals(java.util.Set.of("a", "c"), registry.loadedIds());
            assertEquals(2L * onnx.length, registry.loadedBytes());
        }
    }
}
