package org.imagehash.opensearch.ingest;

import org.imagehash.opensearch.mapper.HashCodeFieldMapper;
import org.opensearch.cluster.ClusterState;
import org.opensearch.cluster.metadata.IndexMetadata;
import org.opensearch.cluster.metadata.MappingMetadata;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * Refuses to write one model's codes into a {@code hash_code} field mapped for another model ({@code model_id}) or
 * another code length, per document (the index is known only then), from the cluster state's mapping. The target
 * field's mapping is read once per index and mapping version.
 */
final class TargetFieldCheck {

    /** A target field's {@code model_id} (may be null) and {@code bits}. */
    private record Target(String modelId, int bits) {}

    private final Supplier<ClusterState> state;
    private final String targetField;
    private final String modelId;
    private final Map<String, Optional<Target>> targets = new ConcurrentHashMap<>();

    TargetFieldCheck(Supplier<ClusterState> state, String targetField, String modelId) {
        this.state = state;
        this.targetField = targetField;
        this.modelId = modelId;
    }

    /**
     * @param modelBits the processor's model's code length, asked only when the field is a hash_code field
     * @return why a document of {@code index} cannot get this processor's code, or null
     */
    String refusal(String index, IntSupplier modelBits) {
        if (index == null || state == null) {
            return null;
        }
        IndexMetadata metadata = state.get().metadata().index(index);
        if (metadata == null) {
            return null; // created by this write: its mapping follows the codes
        }
        if (targets.size() > 1000) {
            targets.clear();
        }
        Optional<Target> target = targets.computeIfAbsent(index + "@" + metadata.getIndexUUID() + "@" + metadata.getMappingVersion(), k -> find(metadata.mapping()));
        if (target.isEmpty()) {
            return null;
        }
        String fieldModel = target.get().modelId();
        if (fieldModel != null && fieldModel.equals(modelId) == false) {
            return "[image_hash] field [" + targetField + "] of index [" + index + "] holds codes of model [" + fieldModel
                + "] (its model_id) but this processor encodes with model [" + modelId + "]";
        }
        int bits = modelBits.getAsInt();
        if (bits > 0 && bits != target.get().bits()) {
            return "[image_hash] field [" + targetField + "] of index [" + index + "] has [bits: " + target.get().bits() + "] but model ["
                + modelId + "] gives " + bits + "-bit codes";
        }
        return null;
    }

    private Optional<Target> find(MappingMetadata mapping) {
        if (mapping == null) {
            return Optional.empty();
        }
        Object node = mapping.sourceAsMap();
        for (String part : targetField.split("\\.")) {
            if (node instanceof Map<?, ?> map && map.get("properties") instanceof Map<?, ?> properties) {
                node = properties.get(part);
            } else {
                return Optional.empty();
            }
        }
        if (node instanceof Map<?, ?> field && HashCodeFieldMapper.CONTENT_TYPE.equals(field.get("type")) && field.get("bits") instanceof Number bits) {
            return Optional.of(new Target((String) field.get("model_id"), bits.intValue()));
        }
        return Optional.empty();
    }
}
