package org.imagehash.opensearch;

import org.imagehash.opensearch.query.HammingQueryBuilder;
import org.imagehash.search.query.ImageEncoder;
import org.opensearch.plugins.PluginsService;
import org.opensearch.action.bulk.BulkItemResponse;
import org.opensearch.action.bulk.BulkRequestBuilder;
import org.opensearch.action.bulk.BulkResponse;
import org.opensearch.action.search.SearchResponse;
import org.opensearch.action.support.WriteRequest;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.xcontent.XContentType;
import org.opensearch.core.common.bytes.BytesArray;
import org.opensearch.plugins.Plugin;
import org.opensearch.test.OpenSearchSingleNodeTestCase;

import java.io.IOException;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import static org.hamcrest.Matchers.containsString;

/** Pipeline to index to query, in a node: images in, codes stored, search by image and by example. */
public class ImageSearchSingleNodeTests extends OpenSearchSingleNodeTestCase {

    private static final List<String> IMAGES = GoldenImages.files().subList(0, 5);

    @Override
    protected Collection<Class<? extends Plugin>> getPlugins() {
        return List.of(ImageHashPlugin.class);
    }

    /** Builders made in Java (not parsed from JSON by the node) take the node's encoder explicitly. */
    private ImageEncoder encoder() {
        return getInstanceFromNode(PluginsService.class).filterPlugins(ImageHashPlugin.class).get(0).imageEncoder();
    }

    private static String base64(String golden) {
        return GoldenImages.base64(golden);
    }

    private void createPipelineAndIndex() {
        String pipeline = "{\"processors\": [{\"image_hash\": {\"field\": \"image\", \"target_field\": \"code\", \"batch_size\": 4, "
            + "\"remove_source_field\": true}}]}";
        client().admin().cluster().preparePutPipeline("images", new BytesArray(pipeline), XContentType.JSON).get();
        client().admin()
            .indices()
            .prepareCreate("images")
            .setSettings(Settings.builder().put("index.default_pipeline", "images").put("index.number_of_shards", 2))
            .setMapping("code", "type=hash_code,bits=64", "name", "type=keyword")
            .get();
    }

    private BulkResponse indexImages(String... extra) throws IOException {
        BulkRequestBuilder bulk = client().prepareBulk().setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE);
        for (String name : IMAGES) {
            bulk.add(client().prepareIndex("images").setId(name).setSource(Map.of("image", base64(name), "name", name)));
        }
        for (int i = 0; i < extra.length; i++) {
            bulk.add(client().prepareIndex("images").setId("broken-" + i).setSource(Map.of("image", extra[i], "name", "broken")));
        }
        return bulk.get();
    }

    public void testIndexThenSearchByImageAndByExample() throws IOException {
        createPipelineAndIndex();
        String notAnImage = Base64.getEncoder().encodeToString("not an image".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        BulkResponse response = indexImages(notAnImage, "@@@");
        for (BulkItemResponse item : response.getItems()) {
            assertEquals(item.getId(), item.getId().startsWith("broken"), item.isFailed());
        }
        assertThat(response.getItems()[IMAGES.size()].getFailureMessage(), containsString("not an image in a supported format"));
        assertThat(response.getItems()[IMAGES.size() + 1].getFailureMessage(), containsString("is not valid base64"));

        Map<String, Object> stored = client().prepareGet("images", IMAGES.get(0)).get().getSourceAsMap();
        assertFalse("remove_source_field dropped the image", stored.containsKey("image"));
        assertEquals(16, ((String) stored.get("code")).length());

        // by image: the query image's own document is among the hits at distance 0 (score 1)
        String query = IMAGES.get(4);
        SearchResponse byImage = client().prepareSearch("images").setQuery(HammingQueryBuilder.byImage("code", base64(query), null, encoder()).k(5)).get();
        assertEquals(1f, byImage.getHits().getAt(0).getScore(), 0f);
        assertTrue(java.util.Arrays.stream(byImage.getHits().getHits()).anyMatch(hit -> hit.getId().equals(query) && hit.getScore() == 1f));

        // by example: the same as querying with the stored code
        SearchResponse like = client().prepareSearch("images").setQuery(HammingQueryBuilder.like("code", "images", IMAGES.get(0)).k(2)).get();
        SearchResponse byCode = client().prepareSearch("images")
            .setQuery(new HammingQueryBuilder("code", java.util.HexFormat.of().parseHex((String) stored.get("code"))).k(2))
            .get();
        assertEquals(like.getHits().getAt(0).getId(), byCode.getHits().getAt(0).getId());
        assertEquals(like.getHits().getAt(1).getScore(), byCode.getHits().getAt(1).getScore(), 0f);
    }

    public void testQueryByABrokenImageIsABadRequest() {
        createPipelineAndIndex();
        // without model_id the field's model encodes the image, on the shards (where the mapping is): still a 400
        org.opensearch.action.search.SearchPhaseExecutionException e = expectThrows(
            org.opensearch.action.search.SearchPhaseExecutionException.class,
            () -> client().prepareSearch("images").setQuery(HammingQueryBuilder.byImage("code", "AAAA", null, encoder()).k(1)).get()
        );
        assertEquals(org.opensearch.core.rest.RestStatus.BAD_REQUEST, e.status());
        assertThat(e.getDetailedMessage(), containsString("[hamming] [image] (model [default])"));
        // with model_id it is encoded once, on the coordinating node
        IllegalArgumentException direct = expectThrows(
            IllegalArgumentException.class,
            () -> client().prepareSearch("images").setQuery(HammingQueryBuilder.byImage("code", "AAAA", "default", encoder()).k(1)).get()
        );
        assertThat(direct.getMessage(), containsString("[hamming] [image] (model [default])"));
    }
}
