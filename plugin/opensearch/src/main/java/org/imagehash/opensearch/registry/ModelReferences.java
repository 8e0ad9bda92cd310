package org.imagehash.opensearch.registry;

import org.imagehash.opensearch.ingest.ImageHashProcessor;
import org.imagehash.opensearch.mapper.HashCodeFieldMapper;
import org.opensearch.cluster.ClusterState;
import org.opensearch.cluster.metadata.IndexMetadata;
import org.opensearch.cluster.metadata.MappingMetadata;
import org.opensearch.ingest.IngestMetadata;
import org.opensearch.ingest.PipelineConfiguration;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Who names a model, from the cluster state: ingest pipelines' {@code image_hash} processors and {@code hash_code} fields. */
public final class ModelReferences {

    private ModelReferences() {}

    /** E.g. {@code ["ingest pipeline [images]", "field [code] of index [photos]"]}. */
    public static List<String> users(ClusterState state, String modelId) {
        List<String> users = new ArrayList<>();
        IngestMetadata ingest = state.metadata().custom(IngestMetadata.TYPE);
        if (ingest != null) {
            for (PipelineConfiguration pipeline : ingest.getPipelines().values()) {
                if (names(pipeline.getConfigAsMap(), modelId, ImageHashProcessor.TYPE)) {
                    users.add("ingest pipeline [" + pipeline.getId() + "]");
                }
            }
        }
        for (IndexMetadata index : state.metadata().indices().values()) {
            MappingMetadata mapping = index.mapping();
            if (mapping != null) {
                fields(mapping.sourceAsMap(), "", modelId, index.getIndex().getName(), users);
            }
        }
        return users;
    }

    /** Whether some processor of this type (at any depth: on_failure, foreach...) has this model_id. */
    private static boolean names(Object node, String modelId, String type) {
        if (node instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                if (type.equals(entry.getKey()) && entry.getValue() instanceof Map<?, ?> processor) {
                    Object id = processor.get("model_id");
                    if (modelId.equals(id == null ? "default" : id)) {
                        return true;
                    }
                }
                if (names(entry.getValue(), modelId, type)) {
                    return true;
                }
            }
        } else if (node instanceof List<?> list) {
            for (Object item : list) {
                if (names(item, modelId, type)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static void fields(Map<?, ?> mapping, String prefix, String modelId, String index, List<String> users) {
        if (mapping.get("properties") instanceof Map<?, ?> properties) {
            for (Map.Entry<?, ?> entry : properties.entrySet()) {
                if (entry.getValue() instanceof Map<?, ?> field) {
                    String name = prefix + entry.getKey();
                    if (HashCodeFieldMapper.CONTENT_TYPE.equals(field.get("type")) && modelId.equals(field.get("model_id"))) {
                        users.add("field [" + name + "] of index [" + index + "]");
                    }
                    fields(field, name + ".", modelId, index, users);
                }
            }
        }
    }
}
