package org.imagehash.model;

import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.common.bytes.BytesArray;
import org.opensearch.test.OpenSearchTestCase;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The Java pipeline (ImageIO decode, preprocessing, ONNX Runtime, bit rule) reproduces the default model's golden codes,
 * written by the Python code that trained and exported it, bit for bit.
 */
public class DefaultModelParityTests extends OpenSearchTestCase {

    static ModelRegistry registry() {
        return new ModelRegistry(
            createTempDir(),
            new ModelRegistry.Settings(InferenceDevice.CPU, 0, 2, 1, ImageLimits.DEFAULT)
        );
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> goldenImages() throws IOException {
        try (InputStream in = DefaultModelParityTests.class.getResourceAsStream("/golden/golden.json")) {
            Map<String, Object> golden = XContentHelper.convertToMap(JsonXContent.jsonXContent, new BytesArray(in.readAllBytes()).streamInput(), false);
            return (List<Map<String, Object>>) golden.get("images");
        }
    }

    static byte[] resource(String name) throws IOException {
        try (InputStream in = DefaultModelParityTests.class.getResourceAsStream("/golden/" + name)) {
            assertNotNull("missing golden file " + name, in);
            return in.readAllBytes();
        }
    }

    public void testEveryGoldenImageGetsItsGoldenCode() throws IOException {
        try (ModelRegistry registry = registry()) {
            HashModel model = registry.get(ModelRegistry.DEFAULT_ID);
            List<Map<String, Object>> golden = goldenImages();
            assertTrue("a few dozen golden images", golden.size() >= 10);
            List<byte[]> images = new ArrayList<>();
            for (Map<String, Object> image : golden) {
                images.add(resource((String) image.get("file")));
            }
            // one batch, and one by one: batching must not change a code
            List<HashModel.Result> batch = model.encode(images);
            for (int i = 0; i < golden.size(); i++) {
                String expected = (String) golden.get(i).get("hex");
                String file = (String) golden.get(i).get("file");
                assertNull(file, batch.get(i).failure());
                assertEquals(file, expected, HexFormat.of().formatHex(batch.get(i).code()));
                assertEquals(file, expected, HexFormat.of().formatHex(model.encode(images.get(i))));
            }
        }
    }

    @SuppressWarnings("unchecked")
    public void testRawOutputsMatchTorchWithinFloatNoise() throws IOException {
        try (ModelRegistry registry = registry()) {
            HashModel model = registry.get(ModelRegistry.DEFAULT_ID);
            ImagePreprocessor preprocessor = new ImagePreprocessor(model.manifest(), ImageLimits.DEFAULT);
            for (Map<String, Object> image : goldenImages()) {
                float[] input = new float[preprocessor.inputSize()];
                preprocessor.preprocess(resource((String) image.get("file")), input, 0);
                float[] output = model.run(input, 1)[0];
                List<Number> expected = (List<Number>) image.get("outputs");
                for (int i = 0; i < output.length; i++) {
                    assertEquals(image.get("file") + " output " + i, expected.get(i).floatValue(), output[i], 1e-3f);
                }
            }
        }
    }

    public void testTheDefaultModelDescribesItself() throws IOException {
        try (ModelRegistry registry = registry()) {
            List<ModelRegistry.ModelInfo> models = registry.list();
            assertEquals(ModelRegistry.DEFAULT_ID, models.get(0).id());
            assertEquals(64, models.get(0).manifest().bits());
            assertFalse("listing does not load", models.get(0).loaded());
            registry.get(ModelRegistry.DEFAULT_ID);
            assertTrue(registry.list().get(0).loaded());
            assertEquals("cpu (image_hash.inference.device: cpu)", registry.list().get(0).device());
        }
    }
}
