package org.imagehash.opensearch;

import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.common.bytes.BytesArray;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** The default model's golden images (models/default/golden, on the test class path as /golden/), for tests. */
final class GoldenImages {

    private GoldenImages() {}

    /** File names, in golden.json order. */
    @SuppressWarnings("unchecked")
    static List<String> files() {
        try (InputStream in = GoldenImages.class.getResourceAsStream("/golden/golden.json")) {
            Map<String, Object> golden = XContentHelper.convertToMap(JsonXContent.jsonXContent, new BytesArray(in.readAllBytes()).streamInput(), false);
            return ((List<Map<String, Object>>) golden.get("images")).stream().map(image -> (String) image.get("file")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String base64(String file) {
        try (InputStream in = GoldenImages.class.getResourceAsStream("/golden/" + file)) {
            return Base64.getEncoder().encodeToString(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
