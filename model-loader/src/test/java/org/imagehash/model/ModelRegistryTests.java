package org.imagehash.model;

import org.opensearch.test.OpenSearchTestCase;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;

import static org.hamcrest.Matchers.containsString;

/** Models from the config folder: found, loaded lazily, kept inside their folder, with clear errors. */
public class ModelRegistryTests extends OpenSearchTestCase {

    private static byte[] bundled(String name) throws IOException {
        try (InputStream in = ModelRegistryTests.class.getResourceAsStream("/org/imagehash/model/default/" + name)) {
            return in.readAllBytes();
        }
    }

    private ModelRegistry registryWith(Path modelsDir) {
        return new ModelRegistry(modelsDir, new ModelRegistry.Settings(InferenceDevice.AUTO, 0, 1, 1, ImageLimits.DEFAULT));
    }

    public void testAModelFolderIsListedAndRuns() throws IOException {
        Path models = createTempDir();
        Path mine = Files.createDirectories(models.resolve("my-model"));
        Files.write(mine.resolve("model.onnx"), bundled("model.onnx"));
        Files.write(mine.resolve("model.json"), bundled("model.json"));
        try (ModelRegistry registry = registryWith(models)) {
            List<ModelRegistry.ModelInfo> infos = registry.list();
            assertEquals(List.of("default", "my-model"), infos.stream().map(ModelRegistry.ModelInfo::id).toList());
            assertTrue(registry.loadedIds().isEmpty());
            byte[] png = DefaultModelParityTests.resource((String) DefaultModelParityTests.goldenImages().get(0).get("file"));
            String expected = (String) DefaultModelParityTests.goldenImages().get(0).get("hex");
            assertEquals(expected, HexFormat.of().formatHex(registry.get("my-model").encode(png)));
            assertEquals(java.util.Set.of("my-model"), registry.loadedIds());
            // auto on a CPU build of ONNX Runtime: the CPU, and it says so
            assertEquals("cpu (auto: CPU build)", registry.get("my-model").device());
        }
    }

    public void testIdsCannotEscapeTheModelsFolder() throws IOException {
        Path models = createTempDir();
        try (ModelRegistry registry = registryWith(models)) {
            for (String bad : List.of("../etc", "a/b", "..", ".hidden", "", "x".repeat(200), "a\\b")) {
                IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> registry.get(bad));
                assertThat(e.getMessage(), containsString("invalid model id"));
            }
            UnknownModelException unknown = expectThrows(UnknownModelException.class, () -> registry.get("nope"));
            assertThat(unknown.getMessage(), containsString("no model [nope]"));
            assertThat(unknown.getMessage(), containsString("models: [default]"));
        }
    }

    public void testABadManifestFailsWithTheKeyAndIsSkippedInTheList() throws IOException {
        Path models = createTempDir();
        Path broken = Files.createDirectories(models.resolve("broken"));
        Files.write(broken.resolve("model.onnx"), bundled("model.onnx"));
        String json = new String(bundled("model.json"), StandardCharsets.UTF_8).replace("\"bits\": 64", "\"bits\": 63");
        Files.writeString(broken.resolve("model.json"), json);
        try (ModelRegistry registry = registryWith(models)) {
            IllegalStateException e = expectThrows(IllegalStateException.class, () -> registry.get("broken"));
            assertThat(e.getMessage(), containsString("[bits] must be a multiple of 8"));
            assertEquals(List.of("default"), registry.list().stream().map(ModelRegistry.ModelInfo::id).toList());
        }
    }

    public void testAGraphThatIsNotOnnxFailsToLoad() throws IOException {
        Path models = createTempDir();
        Path junk = Files.createDirectories(models.resolve("junk"));
        Files.write(junk.resolve("model.onnx"), randomByteArrayOfLength(100));
        Files.write(junk.resolve("model.json"), bundled("model.json"));
        try (ModelRegistry registry = registryWith(models)) {
            IllegalStateException e = expectThrows(IllegalStateException.class, () -> registry.get("junk"));
            assertThat(e.getMessage(), containsString("model [junk] could not be loaded"));
        }
    }

    public void testABatchWithABadImageEncodesTheRest() throws IOException {
        try (ModelRegistry registry = registryWith(null)) {
            HashModel model = registry.get(ModelRegistry.DEFAULT_ID);
            byte[] good = DefaultModelParityTests.resource((String) DefaultModelParityTests.goldenImages().get(0).get("file"));
            List<HashModel.Result> results = model.encode(List.of(good, "junk".getBytes(StandardCharsets.UTF_8), good));
            assertNotNull(results.get(0).code());
            assertThat(results.get(1).failure().getMessage(), containsString("not an image"));
            assertArrayEquals(results.get(0).code(), results.get(2).code());
        }
    }
}
