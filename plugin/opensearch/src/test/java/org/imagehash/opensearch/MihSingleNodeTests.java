package org.imagehash.opensearch;

import org.imagehash.search.TotalHits;
import org.imagehash.search.ClusteredCodes;
import org.imagehash.search.HashCodes;
import org.imagehash.opensearch.query.HammingQueryBuilder;
import org.opensearch.action.bulk.BulkRequestBuilder;
import org.opensearch.action.explain.ExplainResponse;
import org.opensearch.action.search.SearchResponse;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.xcontent.XContentType;
import org.opensearch.index.query.QueryBuilder;
import org.opensearch.index.query.QueryBuilders;
import org.opensearch.plugins.Plugin;
import org.opensearch.search.SearchHit;
import org.opensearch.search.profile.ProfileShardResult;
import org.opensearch.search.profile.ProfileResult;
import org.opensearch.test.OpenSearchSingleNodeTestCase;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import static org.hamcrest.Matchers.containsString;

/**
 * A field with {@code substrings} enabled answers every hamming query exactly as a plain field with the same codes:
 * several shards and segments, deletions, k, max_distance and filter; the plan shows in the profile and in explain.
 */
public class MihSingleNodeTests extends OpenSearchSingleNodeTestCase {

    @Override
    protected Collection<Class<? extends Plugin>> getPlugins() {
        return List.of(ImageHashPlugin.class);
    }

    private List<String> ids(SearchResponse response) {
        List<String> ids = new ArrayList<>();
        for (SearchHit hit : response.getHits().getHits()) {
            ids.add(hit.getId() + "@" + hit.getScore());
        }
        return ids;
    }

    private SearchResponse search(QueryBuilder query, int size) {
        return client().prepareSearch("codes").setQuery(query).setSize(size).get();
    }

    public void testSameHitsAsThePlainField() throws Exception {
        int bits = randomFrom(64, 128);
        client().admin()
            .indices()
            .prepareCreate("codes")
            .setSettings(Settings.builder().put("index.number_of_shards", randomIntBetween(1, 3)).put("index.number_of_replicas", 0))
            .setMapping(
                "{\"properties\": {\"plain\": {\"type\": \"hash_code\", \"bits\": " + bits + "}, \"mih\": {\"type\": \"hash_code\", \"bits\": "
                    + bits + ", \"substrings\": {\"enabled\": true}}, \"tag\": {\"type\": \"keyword\"}}}"
            )
            .get();
        ClusteredCodes codes = new ClusteredCodes(random(), bits, randomIntBetween(1, 6));
        List<byte[]> queries = new ArrayList<>();
        int id = 0;
        for (int batch = 0; batch < 4; batch++) {
            BulkRequestBuilder bulk = client().prepareBulk();
            for (int i = 0; i < 300; i++, id++) {
                String hex = HashCodes.toHex(codes.next(10));
                if (i % 50 == 0) {
                    queries.add(codes.next(6));
                }
                bulk.add(
                    client().prepareIndex("codes")
                        .setId(Integer.toString(id))
                        .setSource("{\"plain\": \"" + hex + "\", \"mih\": \"" + hex + "\", \"tag\": \"" + (id % 3 == 0 ? "a" : "b") + "\"}", XContentType.JSON)
                );
            }
            bulk.get();
            client().admin().indices().prepareRefresh("codes").get(); // a segment per batch
            client().prepareDelete("codes", Integer.toString(randomIntBetween(0, id - 1))).get();
        }
        client().admin().indices().prepareRefresh("codes").get();
        for (byte[] query : queries) {
            int k = randomFrom(1, 10, 100);
            Integer maxDistance = randomBoolean() ? null : randomIntBetween(0, 12);
            QueryBuilder filter = randomBoolean() ? QueryBuilders.termQuery("tag", "a") : null;
            SearchResponse plain = search(new HammingQueryBuilder("plain", query).k(k).maxDistance(maxDistance).filterQuery(filter), k);
            SearchResponse mih = search(new HammingQueryBuilder("mih", query).k(k).maxDistance(maxDistance).filterQuery(filter), k);
            assertEquals(ids(plain), ids(mih));
            int radius = randomIntBetween(0, 12);
            plain = search(new HammingQueryBuilder("plain", query).maxDistance(radius), 1000);
            mih = search(new HammingQueryBuilder("mih", query).maxDistance(radius), 1000);
            assertEquals(TotalHits.of(plain.getHits().getTotalHits()), TotalHits.of(mih.getHits().getTotalHits()));
            assertEquals(ids(plain), ids(mih));
        }

        // the plan shows in the profile (the rewritten query's description) and in explain
        SearchResponse profiled = client().prepareSearch("codes")
            .setQuery(new HammingQueryBuilder("mih", queries.get(0)).k(5))
            .setProfile(true)
            .get();
        StringBuilder descriptions = new StringBuilder();
        for (ProfileShardResult shard : profiled.getProfileResults().values()) {
            for (ProfileResult result : shard.getQueryProfileResults().get(0).getQueryResults()) {
                descriptions.append(result.getLuceneDescription()).append('\n');
            }
        }
        assertThat(descriptions.toString(), containsString("plan:{segments probed:"));
        SearchHit first = profiled.getHits().getAt(0);
        ExplainResponse explain = client().prepareExplain("codes", first.getId())
            .setQuery(new HammingQueryBuilder("mih", queries.get(0)).k(5))
            .get();
        assertTrue(explain.isMatch());
        assertThat(explain.getExplanation().getDescription(), containsString("[plan: segments probed:"));
    }
}
