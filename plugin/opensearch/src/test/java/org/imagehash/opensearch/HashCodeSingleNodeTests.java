package org.imagehash.opensearch;

import org.imagehash.search.TotalHits;
import org.imagehash.search.ClusteredCodes;
import org.imagehash.search.HashCodes;
import org.imagehash.opensearch.query.HammingQueryBuilder;
import org.imagehash.search.query.HammingScore;
import org.opensearch.action.bulk.BulkItemResponse;
import org.opensearch.action.bulk.BulkRequestBuilder;
import org.opensearch.action.bulk.BulkResponse;
import org.opensearch.action.explain.ExplainResponse;
import org.opensearch.action.search.SearchPhaseExecutionException;
import org.opensearch.action.search.SearchResponse;
import org.opensearch.action.support.WriteRequest;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.xcontent.XContentType;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.index.query.QueryBuilders;
import org.opensearch.index.query.functionscore.ScoreFunctionBuilders;
import org.opensearch.plugins.Plugin;
import org.opensearch.search.SearchHit;
import org.opensearch.test.OpenSearchSingleNodeTestCase;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.hamcrest.Matchers.containsString;

/**
 * The field and the query in a node: mapping, bulk indexing with bad documents, fetching, nesting in other queries,
 * and top k over several shards and segments against a brute-force reference.
 */
public class HashCodeSingleNodeTests extends OpenSearchSingleNodeTestCase {

    @Override
    protected Collection<Class<? extends Plugin>> getPlugins() {
        return List.of(ImageHashPlugin.class);
    }

    private void createIndex(String index, int shards, int bits) {
        client().admin()
            .indices()
            .prepareCreate(index)
            .setSettings(Settings.builder().put("index.number_of_shards", shards).put("index.number_of_replicas", 0))
            .setMapping("code", "type=hash_code,bits=" + bits, "tag", "type=keyword")
            .get();
    }

    public void testBadDocumentsFailAloneInABulk() {
        createIndex("codes", 1, 16);
        BulkResponse response = client().prepareBulk()
            .setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE)
            .add(client().prepareIndex("codes").setId("good-hex").setSource("{\"code\": \"00ff\"}", XContentType.JSON))
            .add(client().prepareIndex("codes").setId("short").setSource("{\"code\": \"0f\"}", XContentType.JSON))
            .add(client().prepareIndex("codes").setId("good-bytes").setSource("{\"code\": [0, -1]}", XContentType.JSON))
            .add(client().prepareIndex("codes").setId("object").setSource("{\"code\": {\"hex\": \"00ff\"}}", XContentType.JSON))
            .add(client().prepareIndex("codes").setId("range").setSource("{\"code\": [0, 300]}", XContentType.JSON))
            .add(client().prepareIndex("codes").setId("null").setSource("{\"code\": null}", XContentType.JSON))
            .get();
        Map<String, BulkItemResponse> byId = new HashMap<>();
        for (BulkItemResponse item : response.getItems()) {
            byId.put(item.getId(), item);
        }
        assertFalse(byId.get("good-hex").isFailed());
        assertFalse(byId.get("good-bytes").isFailed());
        assertFalse(byId.get("null").isFailed());
        for (String bad : List.of("short", "object", "range")) {
            BulkItemResponse item = byId.get(bad);
            assertTrue(bad, item.isFailed());
            assertEquals(RestStatus.BAD_REQUEST, item.status());
            assertThat(item.getFailureMessage(), containsString("failed to parse field [code] of type [hash_code]"));
        }
        assertEquals(3, TotalHits.of(client().prepareSearch("codes").setSize(0).get().getHits().getTotalHits()));
        // both good documents hold the same code
        SearchResponse exact = client().prepareSearch("codes").setQuery(QueryBuilders.termQuery("code", "00FF")).get();
        assertEquals(2, TotalHits.of(exact.getHits().getTotalHits()));
    }

    public void testFieldsAndDocValueFieldsAnswerInHexAndSourceIsKept() {
        createIndex("codes", 1, 16);
        client().prepareIndex("codes").setId("1").setSource("{\"code\": [10, 255]}", XContentType.JSON).setRefreshPolicy("true").get();
        SearchResponse response = client().prepareSearch("codes").addFetchField("code").addDocValueField("code").get();
        SearchHit hit = response.getHits().getAt(0);
        assertEquals("0aff", hit.field("code").getValue());
        assertEquals(List.of(10, 255), hit.getSourceAsMap().get("code"));
    }

    public void testTopKOverShardsAndSegmentsEqualsBruteForce() {
        int bits = randomFrom(64, 128, 256, 96);
        createIndex("codes", randomIntBetween(1, 4), bits);
        ClusteredCodes generator = new ClusteredCodes(random(), bits, 5);
        Map<String, byte[]> codes = new HashMap<>();
        Map<String, String> tags = new HashMap<>();
        for (int batch = 0; batch < 4; batch++) { // a refresh per batch: several segments
            BulkRequestBuilder bulk = client().prepareBulk().setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE);
            for (int i = 0; i < 150; i++) {
                String id = batch + "-" + i;
                byte[] code = generator.next(10);
                String tag = randomFrom("a", "b");
                codes.put(id, code);
                tags.put(id, tag);
                bulk.add(client().prepareIndex("codes").setId(id).setSource("code", HashCodes.toHex(code), "tag", tag));
            }
            assertFalse(bulk.get().hasFailures());
        }
        for (int d = 0; d < 40; d++) { // deletions
            String victim = randomFrom(new ArrayList<>(codes.keySet()));
            client().prepareDelete("codes", victim).setRefreshPolicy("true").get();
            codes.remove(victim);
        }

        for (int q = 0; q < 10; q++) {
            byte[] query = generator.next(6);
            int k = randomIntBetween(1, 30);
            Integer maxDistance = randomBoolean() ? null : randomIntBetween(0, 12);
            boolean filtered = randomBoolean();
            HammingQueryBuilder hamming = new HammingQueryBuilder("code", query).k(k).maxDistance(maxDistance);
            if (filtered) {
                hamming.filterQuery(QueryBuilders.termQuery("tag", "a"));
            }
            List<Integer> expected = codes.entrySet()
                .stream()
                .filter(e -> filtered == false || tags.get(e.getKey()).equals("a"))
                .map(e -> ClusteredCodes.distance(query, e.getValue()))
                .filter(distance -> maxDistance == null || distance <= maxDistance)
                .sorted()
                .limit(k)
                .toList();

            SearchResponse response = client().prepareSearch("codes").setQuery(hamming).setSize(k).get();
            assertEquals(0, response.getFailedShards());
            List<Integer> actual = new ArrayList<>();
            for (SearchHit hit : response.getHits().getHits()) {
                int distance = HammingScore.distance(hit.getScore(), 1f);
                assertEquals("score matches the true distance of " + hit.getId(), ClusteredCodes.distance(query, codes.get(hit.getId())), distance);
                if (filtered) {
                    assertEquals("a", tags.get(hit.getId()));
                }
                actual.add(distance);
            }
            assertEquals(expected, actual);
            // exact and deterministic: the same query gives the same documents
            SearchResponse again = client().prepareSearch("codes").setQuery(hamming).setSize(k).get();
            assertEquals(ids(response), ids(again));
        }
    }

    private static List<String> ids(SearchResponse response) {
        List<String> ids = new ArrayList<>();
        response.getHits().forEach(hit -> ids.add(hit.getId()));
        return ids;
    }

    public void testNestedInBoolConstantScoreAndFunctionScore() {
        createIndex("codes", 2, 8);
        BulkRequestBuilder bulk = client().prepareBulk().setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE);
        String[] hex = { "00", "01", "03", "07", "0f", "ff" };
        for (int i = 0; i < hex.length; i++) {
            bulk.add(client().prepareIndex("codes").setId(hex[i]).setSource("code", hex[i], "tag", i % 2 == 0 ? "even" : "odd"));
        }
        assertFalse(bulk.get().hasFailures());

        HammingQueryBuilder within2 = new HammingQueryBuilder("code", new byte[] { 0 }).maxDistance(2);
        SearchResponse bool = client().prepareSearch("codes")
            .setQuery(QueryBuilders.boolQuery().filter(within2).must(QueryBuilders.termQuery("tag", "even")))
            .get();
        assertEquals(List.of("00", "03"), sortedIds(bool));

        SearchResponse constant = client().prepareSearch("codes").setQuery(QueryBuilders.constantScoreQuery(within2).boost(5f)).get();
        assertEquals(3, TotalHits.of(constant.getHits().getTotalHits()));
        constant.getHits().forEach(hit -> assertEquals(5f, hit.getScore(), 0f));

        SearchResponse functionScore = client().prepareSearch("codes")
            .setQuery(QueryBuilders.functionScoreQuery(within2, ScoreFunctionBuilders.weightFactorFunction(2f)))
            .get();
        assertEquals("00", functionScore.getHits().getAt(0).getId());
        assertEquals(2f * HammingScore.score(0, 1f), functionScore.getHits().getAt(0).getScore(), 1e-6f);
    }

    private static List<String> sortedIds(SearchResponse response) {
        List<String> ids = new ArrayList<>();
        response.getHits().forEach(hit -> ids.add(hit.getId()));
        ids.sort(Comparator.naturalOrder());
        return ids;
    }

    public void testExplainShowsTheDistance() {
        createIndex("codes", 1, 8);
        client().prepareIndex("codes").setId("1").setSource("code", "0f").setRefreshPolicy("true").get();
        ExplainResponse explain = client().prepareExplain("codes", "1")
            .setQuery(new HammingQueryBuilder("code", new byte[] { 0 }).k(1))
            .get();
        assertTrue(explain.isMatch());
        assertThat(explain.getExplanation().getDescription(), containsString("hamming distance 4 in field [code]"));
    }

    public void testQueryErrorsAreBadRequests() {
        createIndex("codes", 1, 16);
        client().prepareIndex("codes").setId("1").setSource("code", "00ff", "tag", "x").setRefreshPolicy("true").get();
        SearchPhaseExecutionException wrongLength = expectThrows(
            SearchPhaseExecutionException.class,
            () -> client().prepareSearch("codes").setQuery(new HammingQueryBuilder("code", new byte[1])).get()
        );
        assertEquals(RestStatus.BAD_REQUEST, wrongLength.status());
        assertThat(wrongLength.shardFailures()[0].reason(), containsString("[code] has 8 bits (2 hex digits) but field [code] has [bits: 16]"));
        SearchPhaseExecutionException wrongType = expectThrows(
            SearchPhaseExecutionException.class,
            () -> client().prepareSearch("codes").setQuery(new HammingQueryBuilder("tag", new byte[2])).get()
        );
        assertEquals(RestStatus.BAD_REQUEST, wrongType.status());
    }
}
