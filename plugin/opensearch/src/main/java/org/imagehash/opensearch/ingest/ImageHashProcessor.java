package org.imagehash.opensearch.ingest;

import org.imagehash.ingest.ImageHasher;
import org.imagehash.model.ModelRegistry;
import org.imagehash.opensearch.engine.EngineCompat;
import org.opensearch.ingest.AbstractBatchingProcessor;
import org.opensearch.ingest.ConfigurationUtils;
import org.opensearch.ingest.IngestDocument;
import org.opensearch.ingest.IngestDocumentWrapper;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The {@code image_hash} ingest processor in OpenSearch: a batching processor over {@link ImageHasher}.
 *
 * <pre>
 * {"image_hash": {"field": "image", "target_field": "code", "model_id": "default",
 *                 "batch_size": 16, "ignore_missing": false, "remove_source_field": true}}
 * </pre>
 *
 * With {@code batch_size} above 1, the documents of a bulk request are encoded together, in one inference call per
 * batch, each batch's images decoded while the model runs the one before; a bad document fails alone (and goes to
 * {@code on_failure} when the pipeline has one).
 */
public final class ImageHashProcessor extends AbstractBatchingProcessor {

    public static final String TYPE = ImageHasher.TYPE;

    private final ImageHasher hasher;
    private final TargetFieldCheck targetCheck;
    private final ModelRegistry models;

    ImageHashProcessor(String tag, String description, int batchSize, ImageHasher hasher, ModelRegistry models, TargetFieldCheck targetCheck) {
        super(tag, description, batchSize);
        this.hasher = hasher;
        this.models = models;
        this.targetCheck = targetCheck;
    }

    @Override
    public String getType() {
        return TYPE;
    }

    public String field() {
        return hasher.field();
    }

    public String targetField() {
        return hasher.targetField();
    }

    public String modelId() {
        return hasher.modelId();
    }

    public int batchSize() {
        return batchSize;
    }

    @Override
    public IngestDocument execute(IngestDocument document) {
        List<IngestDocumentWrapper> one = List.of(EngineCompat.wrap(0, document));
        encode(one);
        Exception failure = one.get(0).getException();
        if (failure != null) {
            throw failure instanceof RuntimeException r ? r : new IllegalStateException(failure);
        }
        return one.get(0).getIngestDocument();
    }

    /**
     * The whole bulk's documents at once, not the base class's one {@link #subBatchExecute} per {@code batch_size}
     * slice: {@link ImageHasher} cuts them into batches itself and decodes the next batch while the model runs one.
     */
    @Override
    public void batchExecute(List<IngestDocumentWrapper> documents, Consumer<List<IngestDocumentWrapper>> handler) {
        encode(documents);
        handler.accept(documents);
    }

    /** Not called by the engine once {@link #batchExecute} is overridden; kept equivalent to it. */
    @Override
    protected void subBatchExecute(List<IngestDocumentWrapper> documents, Consumer<List<IngestDocumentWrapper>> handler) {
        batchExecute(documents, handler);
    }

    private void encode(List<IngestDocumentWrapper> documents) {
        // documents that failed or were dropped before this processor are passed over
        List<IngestDocumentWrapper> live = documents.stream().filter(w -> w.getException() == null && w.getIngestDocument() != null).toList();
        List<IngestDocumentWrapper> allowed = live.stream().filter(this::targetAccepts).toList();
        hasher.encode(allowed.stream().map(Wrapped::new).toList(), batchSize);
    }

    /** Whether the document's index maps the target field for this model (else the document fails with the reason). */
    private boolean targetAccepts(IngestDocumentWrapper wrapper) {
        Object index = wrapper.getIngestDocument().getSourceAndMetadata().get(IngestDocument.Metadata.INDEX.getFieldName());
        String refusal = targetCheck.refusal(index instanceof String s ? s : null, this::modelBits);
        if (refusal == null) {
            return true;
        }
        wrapper.update(wrapper.getIngestDocument(), new IllegalArgumentException(refusal));
        return false;
    }

    /** The model's code length, or 0 when it cannot be loaded (the hasher then fails the documents with the reason). */
    private int modelBits() {
        try {
            return models.get(hasher.modelId()).manifest().bits();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** An OpenSearch ingest document as {@link ImageHasher} sees it. */
    private record Wrapped(IngestDocumentWrapper wrapper) implements ImageHasher.Document {
        @Override
        public Object get(String path) {
            IngestDocument document = wrapper.getIngestDocument();
            return document.hasField(path, true) ? document.getFieldValue(path, Object.class, true) : null;
        }

        @Override
        public void set(String path, Object value) {
            wrapper.getIngestDocument().setFieldValue(path, value);
        }

        @Override
        public void remove(String path) {
            wrapper.getIngestDocument().removeField(path);
        }

        @Override
        public void fail(Exception reason) {
            wrapper.update(wrapper.getIngestDocument(), reason);
        }
    }

    /** Creates {@code image_hash} processors; checks the model id when the pipeline is created. */
    public static final class Factory extends AbstractBatchingProcessor.Factory {
        private final ModelRegistry models;
        private final java.util.function.Supplier<org.opensearch.cluster.ClusterState> clusterState;

        public Factory(ModelRegistry models) {
            this(models, null);
        }

        /** @param clusterState the node's cluster state, for the target fields' mappings (null: no check) */
        public Factory(ModelRegistry models, java.util.function.Supplier<org.opensearch.cluster.ClusterState> clusterState) {
            super(TYPE);
            this.models = models;
            this.clusterState = clusterState;
        }

        @Override
        protected AbstractBatchingProcessor newProcessor(String tag, String description, int batchSize, Map<String, Object> config) {
            String field = ConfigurationUtils.readStringProperty(TYPE, tag, config, "field");
            String targetField = ConfigurationUtils.readStringProperty(TYPE, tag, config, "target_field");
            String modelId = ConfigurationUtils.readStringProperty(TYPE, tag, config, "model_id", ModelRegistry.DEFAULT_ID);
            boolean ignoreMissing = ConfigurationUtils.readBooleanProperty(TYPE, tag, config, "ignore_missing", false);
            boolean removeSourceField = ConfigurationUtils.readBooleanProperty(TYPE, tag, config, "remove_source_field", false);
            try {
                // no call to the cluster here (pipelines are created on the cluster applier thread): an uploaded
                // model not loaded on this node is checked when the first document arrives
                models.localInfo(modelId);
            } catch (IllegalArgumentException e) { // no such model, or an invalid id
                throw ConfigurationUtils.newConfigurationException(TYPE, tag, "model_id", e.getMessage());
            } catch (IOException e) {
                throw ConfigurationUtils.newConfigurationException(TYPE, tag, "model_id", "cannot read model [" + modelId + "]: " + e);
            }
            ImageHasher hasher = new ImageHasher(models, modelId, field, targetField, ignoreMissing, removeSourceField);
            TargetFieldCheck check = new TargetFieldCheck(clusterState, targetField, modelId);
            return new ImageHashProcessor(tag, description, batchSize, hasher, models, check);
        }
    }
}
