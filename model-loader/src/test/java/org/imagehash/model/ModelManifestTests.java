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
        // written before the geometry keys existed: stretch + bilinear, no crop, EXIF ignored (the golden codes rely on it)
        assertEquals(ModelManifest.Geometry.STRETCH_BILINEAR, manifest.geometry());
    }

    public void testGeometryKeys() throws IOException {
        Map<String, Object> json = defaultManifest();
        Map<String, Object> input = new HashMap<>(input(json));
        json.put("input", input);
        input.putAll(Map.of("height", 224, "width", 224, "exif_orientation", true));
        input.put("resize", Map.of("rule", "shorter_side", "size", 248, "interpolation", "bicubic"));
        input.put("crop", Map.of("type", "centre", "size", 224));
        ModelManifest.Geometry g = ModelManifest.parse(json, "model [x]").geometry();
        assertEquals(
            new ModelManifest.Geometry(ModelManifest.ResizeRule.SHORTER_SIDE, 248, ModelManifest.Interpolation.BICUBIC, 224, true),
            g
        );
        input.put("resize", Map.of("interpolation", "bicubic"));
        input.remove("crop");
        input.put("exif_orientation", false);
        assertEquals(
            new ModelManifest.Geometry(ModelManifest.ResizeRule.STRETCH, 0, ModelManifest.Interpolation.BICUBIC, 0, false),
            ModelManifest.parse(json, "model [x]").geometry()
        );
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
        assertRejected(j -> input(j).put("resize", Map.of("rule", "crop")), "[input.resize.rule] must be one of [stretch, shorter_side], got [crop]");
        assertRejected(j -> input(j).put("resize", Map.of("interpolation", "lanczos")), "[input.resize.interpolation] must be one of [bilinear, bicubic]");
        assertRejected(j -> input(j).put("resize", "stretch"), "[input.resize] must be an object");
        assertRejected(j -> input(j).put("resize", Map.of("rule", "shorter_side")), "[input.resize.size] is required");
        assertRejected(j -> input(j).put("resize", Map.of("rule", "shorter_side", "size", 32)), "[input.crop] is required with resize rule [shorter_side]");
        assertRejected(j -> {
            input(j).put("resize", Map.of("rule", "shorter_side", "size", 20));
            input(j).put("crop", Map.of("type", "centre", "size", 28));
        }, "[input.resize] size must be at least the crop size 28, got [20]");
        assertRejected(j -> input(j).put("crop", Map.of("type", "centre", "size", 24)), "[input.crop.size] must equal input.height and input.width (28x28), got [24]");
        assertRejected(j -> input(j).put("crop", Map.of("type", "random", "size", 28)), "[input.crop.type] must be [centre], got [random]");
        assertRejected(j -> input(j).put("exif_orientation", "yes"), "[input.exif_orientation] must be true or false, got [yes]");
    }
}
