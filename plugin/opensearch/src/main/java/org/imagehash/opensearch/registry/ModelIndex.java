package org.imagehash.opensearch.registry;

import org.imagehash.model.IndexModels;
import org.imagehash.model.ModelUpload;
import org.imagehash.opensearch.engine.NodeActions;
import org.opensearch.ResourceAlreadyExistsException;
import org.opensearch.action.DocWriteRequest;
import org.opensearch.action.admin.indices.create.CreateIndexAction;
import org.opensearch.action.admin.indices.create.CreateIndexRequest;
import org.opensearch.action.bulk.BulkAction;
import org.opensearch.action.bulk.BulkRequest;
import org.opensearch.action.delete.DeleteRequest;
import org.opensearch.action.get.GetAction;
import org.opensearch.action.get.GetRequest;
import org.opensearch.action.get.GetResponse;
import org.opensearch.action.get.MultiGetAction;
import org.opensearch.action.get.MultiGetItemResponse;
import org.opensearch.action.get.MultiGetRequest;
import org.opensearch.action.index.IndexAction;
import org.opensearch.action.index.IndexRequest;
import org.opensearch.action.search.SearchAction;
import org.opensearch.action.search.SearchRequest;
import org.opensearch.action.support.WriteRequest;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.unit.TimeValue;
import org.opensearch.common.util.concurrent.ThreadContext;
import org.opensearch.index.IndexNotFoundException;
import org.opensearch.index.query.QueryBuilders;
import org.opensearch.indices.SystemIndexDescriptor;
import org.opensearch.search.SearchHit;
import org.opensearch.search.builder.SearchSourceBuilder;
import org.opensearch.search.sort.SortOrder;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cluster's uploaded models, in the hidden system index {@value #NAME}: one record document per model (id = the
 * model id) and one document per part ({@code <id>#<n>}, its bytes in base64 in {@code _source} only, not indexed).
 * All calls block (with a timeout) and stash the caller's thread context, as system index access requires: call them
 * from the generic pool, never from a network thread.
 */
public final class ModelIndex implements IndexModels.Store {

    public static final String NAME = ".image_hash-models";
    private static final TimeValue TIMEOUT = TimeValue.timeValueSeconds(60);
    private static final String MAPPING = """
        {"dynamic": false, "properties": {
          "kind": {"type": "keyword"}, "model_id": {"type": "keyword"}, "part": {"type": "integer"},
          "state": {"type": "keyword"}, "created": {"type": "date", "format": "epoch_millis"}}}""";

    private final NodeActions node;

    public ModelIndex(NodeActions node) {
        this.node = node;
    }

    public static SystemIndexDescriptor descriptor() {
        return new SystemIndexDescriptor(NAME, "image_hash: uploaded models (records and graph parts)");
    }

    private ThreadContext.StoredContext stash() {
        return node.threadPool().getThreadContext().stashContext();
    }

    public static String partId(String id, int n) {
        return id + "#" + n;
    }

    @Override
    public IndexModels.Record record(String id) {
        try (ThreadContext.StoredContext ignored = stash()) {
            GetResponse response = node.run(GetAction.INSTANCE, new GetRequest(NAME, id), TIMEOUT);
            return response.isExists() ? record(response.getId(), response.getSourceAsMap()) : null;
        } catch (IndexNotFoundException e) {
            return null;
        }
    }

    @Override
    public byte[] part(String id, int n) {
        try (ThreadContext.StoredContext ignored = stash()) {
            GetResponse response = node.run(GetAction.INSTANCE, new GetRequest(NAME, partId(id, n)), TIMEOUT);
            return response.isExists() ? Base64.getDecoder().decode((String) response.getSourceAsMap().get("data")) : null;
        } catch (IndexNotFoundException e) {
            return null;
        }
    }

    @Override
    public List<IndexModels.Record> records() {
        SearchSourceBuilder source = new SearchSourceBuilder().query(QueryBuilders.termQuery("kind", "model")).size(10_000).sort("model_id", SortOrder.ASC);
        List<IndexModels.Record> records = new ArrayList<>();
        try (ThreadContext.StoredContext ignored = stash()) {
            for (SearchHit hit : node.run(SearchAction.INSTANCE, new SearchRequest(NAME).source(source), TIMEOUT).getHits()) {
                records.add(record(hit.getId(), hit.getSourceAsMap()));
            }
        } catch (IndexNotFoundException e) {
            return List.of();
        }
        return records;
    }

    private static IndexModels.Record record(String id, Map<String, Object> source) {
        ModelUpload.Plan plan = new ModelUpload.Plan(
            ((Number) source.get("total_parts")).intValue(),
            ((Number) source.get("total_length")).longValue(),
            (String) source.get("sha256")
        );
        return new IndexModels.Record(
            id,
            ((String) source.get("manifest")).getBytes(StandardCharsets.UTF_8),
            plan,
            (String) source.get("state"),
            (String) source.get("reason"),
            ((Number) source.get("created")).longValue()
        );
    }

    private void createIfMissing() {
        try (ThreadContext.StoredContext ignored = stash()) {
            Settings settings = Settings.builder()
                .put("index.number_of_shards", 1)
                .put("index.auto_expand_replicas", "0-all")
                .put("index.hidden", true)
                .build();
            node.run(CreateIndexAction.INSTANCE, new CreateIndexRequest(NAME).settings(settings).mapping(MAPPING), TIMEOUT);
        } catch (ResourceAlreadyExistsException e) {
            // created by another upload
        }
    }

    /** Creates a model's record; fails with a version conflict when the id exists. */
    public void create(IndexModels.Record record) {
        createIfMissing();
        index(record, DocWriteRequest.OpType.CREATE);
    }

    /** Overwrites a model's record (its state changed). */
    public void update(IndexModels.Record record) {
        index(record, DocWriteRequest.OpType.INDEX);
    }

    private void index(IndexModels.Record record, DocWriteRequest.OpType opType) {
        Map<String, Object> source = new LinkedHashMap<>();
        source.put("kind", "model");
        source.put("model_id", record.id());
        source.put("manifest", new String(record.manifestJson(), StandardCharsets.UTF_8));
        source.put("total_parts", record.plan().totalParts());
        source.put("total_length", record.plan().totalLength());
        source.put("sha256", record.plan().sha256());
        source.put("state", record.state());
        source.put("reason", record.reason());
        source.put("created", record.createdMillis());
        try (ThreadContext.StoredContext ignored = stash()) {
            node.run(
                IndexAction.INSTANCE,
                new IndexRequest(NAME).id(record.id()).opType(opType).source(source).setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE),
                TIMEOUT
            );
        }
    }

    public void putPart(String id, int n, byte[] bytes) {
        Map<String, Object> source = Map.of("kind", "part", "model_id", id, "part", n, "data", Base64.getEncoder().encodeToString(bytes));
        try (ThreadContext.StoredContext ignored = stash()) {
            node.run(IndexAction.INSTANCE, new IndexRequest(NAME).id(partId(id, n)).source(source), TIMEOUT);
        }
    }

    /** The parts of an upload that are stored (realtime: no refresh needed). */
    public List<Integer> receivedParts(String id, int totalParts) {
        MultiGetRequest request = new MultiGetRequest();
        for (int n = 0; n < totalParts; n++) {
            request.add(new MultiGetRequest.Item(NAME, partId(id, n)).fetchSourceContext(org.opensearch.search.fetch.subphase.FetchSourceContext.DO_NOT_FETCH_SOURCE));
        }
        List<Integer> received = new ArrayList<>();
        try (ThreadContext.StoredContext ignored = stash()) {
            MultiGetItemResponse[] items = node.run(MultiGetAction.INSTANCE, request, TIMEOUT).getResponses();
            for (int n = 0; n < items.length; n++) {
                if (items[n].isFailed() == false && items[n].getResponse().isExists()) {
                    received.add(n);
                }
            }
        }
        return received;
    }

    /** Deletes a model's record and parts. */
    public void delete(IndexModels.Record record) {
        BulkRequest bulk = new BulkRequest().setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE);
        bulk.add(new DeleteRequest(NAME, record.id()));
        for (int n = 0; n < record.plan().totalParts(); n++) {
            bulk.add(new DeleteRequest(NAME, partId(record.id(), n)));
        }
        try (ThreadContext.StoredContext ignored = stash()) {
            node.run(BulkAction.INSTANCE, bulk, TIMEOUT);
        }
    }
}
