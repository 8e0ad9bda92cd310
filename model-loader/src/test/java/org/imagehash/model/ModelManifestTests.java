package org.imagehash.model;

import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.common.bytes.BytesArray;
import org.opensearch.test.OpenSearchTestCase;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.hamcrest.Matchers.containsString;

public class ModelManifestTests extends OpenSearchTestCase {

    static Map<String, Object> defaultManifest() throws IOException {
        try (InputStream in = ModelManifestTests.class.getResourceAsStream("/org/imagehash/model/default/model.json")) {
            return XContentHelper.convertToMap(JsonXContent.jsonXContent, new BytesArray(in.readAllBytes()).streamInput(), true);
        }
    }

    public void testTheDefaultManifestParses() throws IOException {
        ModelManifest manifest = ModelManifest.parse(defaultManifest(), "model [default]");
        assertEquals(64, manifest.bits());
        assertEquals(28, manifest.height());
        assertEquals(ModelManifest.ColourMode.GREY, manifest.colourMode());
        assertEquals(1, manifest.mean().length);
        assertNotNull(manifest.inputName());
    }

    @SuppressWarnings("unchecked")
    private static void assertRejected(Consumer<Map<String, Object>> breakIt, String message) throws IOException {
        Map<String, Object> json = defaultManifest();
        json.put("input", new HashMap<>((Map<String, Object>) json.get("input")));
        json.put("onnx", new HashMap<>((Map<String, Object>) json.get("onnx")));
        breakIt.accept(json);
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> ModelManifest.parse(json, "model [x]"));
        assertThat(e.getMessage(), containsString("model.json of model [x]: " + message));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> input(Map<String, Object> json) {
        return (Map<String, Object>) json.get("input");
    }

    public void testEveryBadKeyIsNamed() throws IOException {
        assertRejected(j -> j.remove("bits"), "[bits] is required");
        assertRejected(j -> j.put("bits", 12), "[bits] must be a multiple of 8 up to 4096, got [12]");
        assertRejected(j -> j.put("bits", "64"), "[bits] must be a positive integer, got [64]");
        assertRejected(j -> j.remove("id"), "[id] is required");
        assertRejected(j -> j.put("onnx", "x"), "[onnx] must be an object");
        assertRejected(j -> ((Map<String, Object>) j.get("onnx")).remove("output_name"), "[onnx.output_name] is required");
        assertRejected(j -> input(j).put("height", -1), "[input.height] must be a positive integer, got [-1]");
        assertRejected(j -> input(j).put("colour_mode", "cmyk"), "[input.colour_mode] must be one of [grey, rgb], got [cmyk]");
        assertRejected(j -> input(j).put("channels", 3), "[input.channels] must be 1 for colour_mode [grey], got [3]");
        assertRejected(j -> input(j).put("mean", List.of(0.1, 0.2)), "[input.mean] must be an array of 1 numbers (one per channel)");
        assertRejected(j -> input(j).put("std", List.of(0)), "[input.std] must be positive");
        assertRejected(j -> input(j).put("resize", Map.of("rule", "crop", "interpolation", "bilinear")), "[input.resize] only {rule: stretch");
    }
}
