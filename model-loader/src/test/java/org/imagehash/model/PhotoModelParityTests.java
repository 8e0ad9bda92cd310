package org.imagehash.model;

import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.common.bytes.BytesArray;
import org.opensearch.test.OpenSearchTestCase;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * A model trained on a folder of photos with timm's preprocessing (shorter side 35, bicubic, centre crop 32, mean = std
 * = 0.5, EXIF orientation) and exported by {@code python3 -m vithash export}: the node reproduces its golden codes
 * bit for bit. Its golden PNGs are stored resized but not cropped, so the node's shorter-side rule, bicubic filter and
 * centre crop all run on them. Made with (a generated ImageFolder of 160 PNGs, 40-120 px, 4 classes):
 * {@code python3 -m vithash train --images DIR --method single_loss --bits 32 --epochs 3 --batch-size 16 --image-size 32
 * --preprocess timm --model stem_convs=2 --model width=32 --model depth=1 --model heads=2 --model stem_width=8 --name photo}
 * then {@code python3 -m vithash export --checkpoint .../photo/model.pt --out photo-model --golden 8 --model-id photo}.
 */
public class PhotoModelParityTests extends OpenSearchTestCase {

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = PhotoModelParityTests.class.getResourceAsStream("/photo-model/" + name)) {
            assertNotNull("missing " + name, in);
            return in.readAllBytes();
        }
    }

    @SuppressWarnings("unchecked")
    public void testGoldenCodesThroughShorterSideBicubicAndCrop() throws IOException {
        Path models = createTempDir();
        Path dir = Files.createDirectories(models.resolve("photo"));
        Files.write(dir.resolve("model.json"), resource("model.json"));
        Files.write(dir.resolve("model.onnx"), resource("model.onnx"));
        Map<String, Object> golden = XContentHelper.convertToMap(
            JsonXContent.jsonXContent,
            new BytesArray(resource("golden/golden.json")).streamInput(),
            false
        );
        try (ModelRegistry registry = new ModelRegistry(models, new ModelRegistry.Settings(InferenceDevice.CPU, 0, 2, 1, ImageLimits.DEFAULT))) {
            HashModel model = registry.get("photo");
            ModelManifest.Geometry g = model.manifest().geometry();
            assertEquals(new ModelManifest.Geometry(ModelManifest.ResizeRule.SHORTER_SIDE, 35, ModelManifest.Interpolation.BICUBIC, 32, true), g);
            ImagePreprocessor preprocessor = new ImagePreprocessor(model.manifest(), ImageLimits.DEFAULT);
            List<Map<String, Object>> images = (List<Map<String, Object>>) golden.get("images");
            assertEquals(8, images.size());
            for (Map<String, Object> image : images) {
                byte[] png = resource("golden/" + image.get("file"));
                assertEquals((String) image.get("file"), image.get("hex"), HexFormat.of().formatHex(model.encode(png)));
                float[] input = new float[preprocessor.inputSize()];
                preprocessor.preprocess(png, input, 0);
                float[] output = model.run(input, 1)[0];
                List<Number> expected = (List<Number>) image.get("outputs");
                for (int i = 0; i < output.length; i++) {
                    assertEquals(image.get("file") + " output " + i, expected.get(i).floatValue(), output[i], 1e-3f);
                }
            }
        }
    }
}
