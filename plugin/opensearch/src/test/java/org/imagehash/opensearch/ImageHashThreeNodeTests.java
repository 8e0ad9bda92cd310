package org.imagehash.opensearch;

import org.imagehash.search.TotalHits;
import org.imagehash.search.ClusteredCodes;
import org.imagehash.search.HashCodes;
import org.imagehash.opensearch.query.HammingQueryBuilder;
import org.imagehash.search.query.HammingScore;
import org.opensearch.action.bulk.BulkItemResponse;
import org.opensearch.action.bulk.BulkRequestBuilder;
import org.opensearch.action.bulk.BulkResponse;
import org.opensearch.action.search.SearchResponse;
import org.opensearch.action.support.WriteRequest;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.xcontent.XContentType;
import org.opensearch.core.common.bytes.BytesArray;
import org.opensearch.plugins.Plugin;
import org.opensearch.plugins.PluginsService;
import org.opensearch.search.SearchHit;
import org.opensearch.test.OpenSearchIntegTestCase;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Three nodes with replicas: top k over many shards equals one shard's; images are encoded on every node that runs the
 * pipeline; a node stopped in the middle of ingest loses no acknowledged document.
 */
@OpenSearchIntegTestCase.ClusterScope(scope = OpenSearchIntegTestCase.Scope.TEST, numDataNodes = 3)
public class ImageHashThreeNodeTests extends OpenSearchIntegTestCase {

    @Override
    protected Collection<Class<? extends Plugin>> nodePlugins() {
        return List.of(ImageHashPlugin.class);
    }

    private void createIndex(String name, int shards, int replicas, String pipeline) {
        Settings.Builder settings = Settings.builder().put("index.number_of_shards", shards).put("index.number_of_replicas", replicas);
        if (pipeline != null) {
            settings.put("index.default_pipeline", pipeline);
        }
        prepareCreate(name).setSettings(settings).setMapping("code", "type=hash_code,bits=64").get();
        ensureGreen(name);
    }

    public void testTopKOverManyShardsEqualsOneShard() {
        createIndex("many", 6, 1, null);
        createIndex("one", 1, 0, null);
        ClusteredCodes generator = new ClusteredCodes(random(), 64, 5);
        for (String index : List.of("many", "one")) {
            BulkRequestBuilder bulk = client().prepareBulk().setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE);
            ClusteredCodes same = new ClusteredCodes(new java.util.Random(42), 64, 5);
            for (int i = 0; i < 800; i++) {
                bulk.add(client().prepareIndex(index).setId(Integer.toString(i)).setSource("code", HashCodes.toHex(same.next(12))));
            }
            assertFalse(bulk.get().hasFailures());
        }
        for (int q = 0; q < 10; q++) {
            byte[] query = generator.next(10);
            int k = randomIntBetween(1, 40);
            List<Integer> many = distances(client().prepareSearch("many").setQuery(new HammingQueryBuilder("code", query).k(k)).setSize(k).get());
            List<Integer> one = distances(client().prepareSearch("one").setQuery(new HammingQueryBuilder("code", query).k(k)).setSize(k).get());
            assertEquals(one, many);
        }
    }

    private static List<Integer> distances(SearchResponse response) {
        assertEquals(0, response.getFailedShards());
        List<Integer> distances = new ArrayList<>();
        for (SearchHit hit : response.getHits().getHits()) {
            distances.add(HammingScore.distance(hit.getScore(), 1f));
        }
        return distances;
    }

    public void testModelsLoadOnEveryNodeThatEncodes() throws IOException {
        client().admin()
            .cluster()
            .preparePutPipeline(
                "images",
                new BytesArray("{\"processors\": [{\"image_hash\": {\"field\": \"image\", \"target_field\": \"code\"}}]}"),
                XContentType.JSON
            )
            .get();
        createIndex("images", 3, 1, "images");
        String image = GoldenImages.base64(GoldenImages.files().get(0));
        // a bulk sent to each node runs the pipeline on that node
        for (String node : internalCluster().getNodeNames()) {
            BulkResponse response = client(node).prepareBulk()
                .add(client().prepareIndex("images").setSource(Map.of("image", image)))
                .setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE)
                .get();
            assertFalse(response.buildFailureMessage(), response.hasFailures());
        }
        // the pipeline runs where the bulk arrives if that node has the ingest role (the test cluster may give some nodes
        // other roles; those forward the bulk to an ingest node)
        int ingestNodes = 0;
        for (String node : internalCluster().getNodeNames()) {
            if (internalCluster().clusterService(node).localNode().isIngestNode()) {
                PluginsService plugins = internalCluster().getInstance(PluginsService.class, node);
                assertEquals(node, Set.of("default"), plugins.filterPlugins(ImageHashPlugin.class).get(0).models().loadedIds());
                ingestNodes++;
            }
        }
        assertTrue(ingestNodes > 0);
    }

    public void testANodeStoppedMidIngestLosesNoAcknowledgedDocument() throws Exception {
        createIndex("durable", 3, 1, null);
        ClusteredCodes generator = new ClusteredCodes(new java.util.Random(randomLong()), 64, 3); // used by the writer thread
        Map<String, String> acknowledged = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        String coordinator = internalCluster().getNodeNames()[0];
        Thread writer = new Thread(() -> {
            int batch = 0;
            while (stop.get() == false) {
                BulkRequestBuilder bulk = client(coordinator).prepareBulk();
                Map<String, String> sent = new java.util.HashMap<>();
                for (int i = 0; i < 50; i++) {
                    String id = batch + "-" + i;
                    String code = HashCodes.toHex(generator.next(8));
                    sent.put(id, code);
                    bulk.add(client(coordinator).prepareIndex("durable").setId(id).setSource("code", code));
                }
                try {
                    for (BulkItemResponse item : bulk.get().getItems()) {
                        if (item.isFailed() == false) {
                            acknowledged.put(item.getId(), sent.get(item.getId()));
                        }
                    }
                } catch (Exception e) {
                    // a request that failed as a whole acknowledged nothing
                }
                batch++;
            }
        });
        writer.start();
        assertBusy(() -> assertTrue(acknowledged.size() > 500));
        internalCluster().stopRandomNode(settings -> coordinator.equals(settings.get("node.name")) == false);
        int before = acknowledged.size();
        assertBusy(() -> assertTrue(acknowledged.size() > before + 500));
        stop.set(true);
        writer.join();
        ensureYellow("durable");
        refresh("durable");
        assertEquals(acknowledged.size(), TotalHits.of(client().prepareSearch("durable").setSize(0).setTrackTotalHits(true).get().getHits().getTotalHits()));
        for (Map.Entry<String, String> doc : randomSubsetOf(200, acknowledged.entrySet())) {
            Map<String, Object> source = client().prepareGet("durable", doc.getKey()).get().getSourceAsMap();
            assertEquals(doc.getValue(), source.get("code"));
        }
    }
}
