package org.imagehash.opensearch;

import org.imagehash.model.ModelRegistry;
import org.imagehash.model.ModelUpload;
import org.imagehash.opensearch.action.DeleteModelAction;
import org.imagehash.opensearch.action.EncodeImageAction;
import org.imagehash.opensearch.action.ListModelsAction;
import org.imagehash.opensearch.action.PutModelAction;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.XContentType;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.common.bytes.BytesArray;
import org.opensearch.plugins.Plugin;
import org.opensearch.test.OpenSearchIntegTestCase;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Uploaded models on a real (internal) cluster: uploaded through one node, used by ingest through another, served by a
 * node that joins afterwards with identical codes, evicted everywhere on deletion; a node stopped during an upload
 * does not corrupt it.
 */
@OpenSearchIntegTestCase.ClusterScope(scope = OpenSearchIntegTestCase.Scope.TEST, numDataNodes = 0)
public class ModelUploadClusterTests extends OpenSearchIntegTestCase {

    @Override
    protected Collection<Class<? extends Plugin>> nodePlugins() {
        return List.of(ImageHashPlugin.class);
    }

    private static byte[] bundled(String name) throws IOException {
        try (InputStream in = ModelUploadClusterTests.class.getResourceAsStream("/org/imagehash/model/default/" + name)) {
            return in.readAllBytes();
        }
    }

    private void start(String node, String id, int parts) throws IOException {
        byte[] graph = bundled("model.onnx");
        Map<String, Object> manifest = XContentHelper.convertToMap(JsonXContent.jsonXContent, new String(bundled("model.json"), java.nio.charset.StandardCharsets.UTF_8), false);
        Map<String, Object> body = new HashMap<>();
        body.put("manifest", manifest);
        body.put("total_parts", parts);
        body.put("total_length", graph.length);
        body.put("sha256", ModelUpload.sha256(graph));
        client(node).execute(PutModelAction.INSTANCE, new PutModelAction.Request(id, PutModelAction.START, body)).actionGet();
    }

    private Map<String, Object> part(String node, String id, int n, int parts) throws IOException {
        byte[] graph = bundled("model.onnx");
        int size = (graph.length + parts - 1) / parts;
        byte[] bytes = Arrays.copyOfRange(graph, n * size, Math.min(graph.length, (n + 1) * size));
        Map<String, Object> body = Map.of("data", Base64.getEncoder().encodeToString(bytes));
        return client(node).execute(PutModelAction.INSTANCE, new PutModelAction.Request(id, n, body)).actionGet().body();
    }

    private String encode(String node, String id, String file) {
        EncodeImageAction.Response response = client(node).execute(EncodeImageAction.INSTANCE, new EncodeImageAction.Request(id, GoldenImages.base64(file)))
            .actionGet();
        return HexFormat.of().formatHex(response.code());
    }

    public void testUploadedOnceServedEverywhereAndEvictedEverywhere() throws Exception {
        List<String> nodes = internalCluster().startNodes(2);
        String a = nodes.get(0), b = nodes.get(1);
        ensureStableCluster(2);
        start(a, "shared", 3);
        for (int n : new int[] { 2, 0, 1 }) {
            part(a, "shared", n, 3);
        }
        String file = GoldenImages.files().get(0);
        String expected = encode(a, ModelRegistry.DEFAULT_ID, file);
        // ingest through node B
        client(b).admin().cluster().preparePutPipeline("p", new BytesArray("""
            {"processors": [{"image_hash": {"field": "image", "target_field": "code", "model_id": "shared"}}]}"""), XContentType.JSON).get();
        prepareCreate("images").setMapping("code", "type=hash_code,bits=64,model_id=shared").get();
        ensureGreen("images");
        client(b).prepareIndex("images").setId("1").setPipeline("p").setSource("image", GoldenImages.base64(file)).get();
        assertEquals(expected, client(b).prepareGet("images", "1").get().getSource().get("code"));
        // a node that joins afterwards serves it on first use, with identical codes
        String c = internalCluster().startNode();
        ensureStableCluster(3);
        for (String image : GoldenImages.files().subList(0, 4)) {
            assertEquals(encode(a, ModelRegistry.DEFAULT_ID, image), encode(c, "shared", image));
        }
        List<Map<String, Object>> listed = client(c).execute(ListModelsAction.INSTANCE, new ListModelsAction.Request("shared")).actionGet().models();
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> perNode = (Map<String, Map<String, Object>>) listed.get(0).get("nodes");
        assertEquals(3, perNode.size());
        assertEquals(true, perNode.get(c).get("loaded"));
        // in use by a pipeline and a field: refused; forced: evicted everywhere
        expectThrows(Exception.class, () -> client(a).execute(DeleteModelAction.INSTANCE, new DeleteModelAction.Request("shared", false)).actionGet());
        client(a).execute(DeleteModelAction.INSTANCE, new DeleteModelAction.Request("shared", true)).actionGet();
        for (String node : List.of(a, b, c)) {
            assertFalse(node, internalCluster().getInstance(ModelRegistry.class, node).loadedIds().contains("shared"));
        }
        expectThrows(Exception.class, () -> encode(b, "shared", file));
    }

    public void testANodeStoppedDuringAnUploadDoesNotCorruptIt() throws Exception {
        internalCluster().startClusterManagerOnlyNode();
        List<String> nodes = internalCluster().startDataOnlyNodes(2);
        ensureStableCluster(3);
        start(nodes.get(0), "survivor", 4);
        part(nodes.get(0), "survivor", 0, 4);
        part(nodes.get(1), "survivor", 1, 4);
        // both copies of the models index active first: stopping the node of the primary while the other copy was still
        // recovering left no copy to promote ("timed out waiting for yellow state" in a fresh-clone CI run)
        ensureGreen(org.imagehash.opensearch.registry.ModelIndex.NAME);
        internalCluster().stopRandomNode(org.opensearch.test.InternalTestCluster.nameFilter(nodes.get(1)));
        // the models index keeps a copy on every node (auto-expanded replicas): wait until the survivor's copy is the
        // primary, or a read right after the stop can find no active shard
        ensureYellow(org.imagehash.opensearch.registry.ModelIndex.NAME);
        assertEquals("uploading", part(nodes.get(0), "survivor", 2, 4).get("state"));
        assertEquals("ready", part(nodes.get(0), "survivor", 3, 4).get("state"));
        String file = GoldenImages.files().get(1);
        assertEquals(encode(nodes.get(0), ModelRegistry.DEFAULT_ID, file), encode(nodes.get(0), "survivor", file));
    }
}
