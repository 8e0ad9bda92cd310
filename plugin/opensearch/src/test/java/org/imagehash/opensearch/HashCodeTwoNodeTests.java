package org.imagehash.opensearch;

import org.imagehash.search.ClusteredCodes;
import org.imagehash.search.HashCodes;
import org.imagehash.opensearch.query.HammingQueryBuilder;
import org.imagehash.search.query.HammingScore;
import org.opensearch.action.bulk.BulkRequestBuilder;
import org.opensearch.action.search.SearchResponse;
import org.opensearch.action.support.WriteRequest;
import org.opensearch.common.settings.Settings;
import org.opensearch.index.query.QueryBuilders;
import org.opensearch.plugins.Plugin;
import org.opensearch.search.SearchHit;
import org.opensearch.test.OpenSearchIntegTestCase;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Two nodes, shards spread over both, with replicas: the query travels over the transport layer (its serialization)
 * and the coordinating node merges each shard's top k into the global top k, which must equal brute force.
 */
@OpenSearchIntegTestCase.ClusterScope(scope = OpenSearchIntegTestCase.Scope.SUITE, numDataNodes = 2)
public class HashCodeTwoNodeTests extends OpenSearchIntegTestCase {

    @Override
    protected Collection<Class<? extends Plugin>> nodePlugins() {
        return List.of(ImageHashPlugin.class);
    }

    public void testGlobalTopKEqualsBruteForce() {
        int bits = 64;
        prepareCreate("codes").setSettings(Settings.builder().put("index.number_of_shards", 4).put("index.number_of_replicas", 1))
            .setMapping("code", "type=hash_code,bits=" + bits, "tag", "type=keyword")
            .get();
        ensureGreen("codes");
        ClusteredCodes generator = new ClusteredCodes(random(), bits, 4);
        Map<String, byte[]> codes = new HashMap<>();
        BulkRequestBuilder bulk = client().prepareBulk().setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE);
        for (int i = 0; i < 500; i++) {
            byte[] code = generator.next(12);
            codes.put(Integer.toString(i), code);
            bulk.add(client().prepareIndex("codes").setId(Integer.toString(i)).setSource("code", HashCodes.toHex(code), "tag", i % 3 == 0 ? "x" : "y"));
        }
        assertFalse(bulk.get().hasFailures());

        for (int q = 0; q < 10; q++) {
            byte[] query = generator.next(8);
            int k = randomIntBetween(1, 25);
            // ask through a random node, so that the query is serialized to the other one
            SearchResponse response = client(randomFrom(internalCluster().getNodeNames())).prepareSearch("codes")
                .setQuery(new HammingQueryBuilder("code", query).k(k).filterQuery(randomBoolean() ? null : QueryBuilders.existsQuery("tag")))
                .setSize(k)
                .get();
            assertEquals(0, response.getFailedShards());
            List<Integer> expected = codes.values().stream().map(c -> ClusteredCodes.distance(query, c)).sorted().limit(k).toList();
            List<Integer> actual = new ArrayList<>();
            for (SearchHit hit : response.getHits().getHits()) {
                int distance = HammingScore.distance(hit.getScore(), 1f);
                assertEquals(ClusteredCodes.distance(query, codes.get(hit.getId())), distance);
                actual.add(distance);
            }
            assertEquals(expected, actual);
        }
    }
}
