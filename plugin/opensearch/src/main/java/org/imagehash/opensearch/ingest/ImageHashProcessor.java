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
 * batch; a bad document fails alone (and goes to {@code on_failure} when the pipeline has one).
 */
public final class ImageHashProcessor extends AbstractBatchingProcessor {

    public static final String TYPE = ImageHasher.TYPE;

    private final ImageHasher hasher;

    ImageHashProcessor(String tag, String description, int batchSize, ImageHasher hasher) {
        super(tag, description, batchSize);
        this.hasher = hasher;
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
        subBatchExecute(one, results -> {});
        Exception failure = one.get(0).getException();
        if (failure != null) {
            throw failure instanceof RuntimeException r ? r : new IllegalStateException(failure);
        }
        return one.get(0).getIngestDocument();
    }

    @Override
    protected void subBatchExecute(List<IngestDocumentWrapper> documents, Consumer<List<IngestDocumentWrapper>> handler) {
        // documents that failed or were dropped before this processor are passed over
        hasher.encode(
            documents.stream().filter(w -> w.getException() == null && w.getIngestDocument() != null).map(Wrapped::new).toList()
        );
        handler.accept(documents);
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

        public Factory(ModelRegistry models) {
            super(TYPE);
            this.models = models;
        }

        @Override
        protected AbstractBatchingProcessor newProcessor(String tag, String description, int batchSize, Map<String, Object> config) {
            String field = ConfigurationUtils.readStringProperty(TYPE, tag, config, "field");
            String targetField = ConfigurationUtils.readStringProperty(TYPE, tag, config, "target_field");
            String modelId = ConfigurationUtils.readStringProperty(TYPE, tag, config, "model_id", ModelRegistry.DEFAULT_ID);
            boolean ignoreMissing = ConfigurationUtils.readBooleanProperty(TYPE, tag, config, "ignore_missing", false);
            boolean removeSourceField = ConfigurationUtils.readBooleanProperty(TYPE, tag, config, "remove_source_field", false);
            try {
                models.info(modelId);
            } catch (IllegalArgumentException e) { // no such model, or an invalid id
                throw ConfigurationUtils.newConfigurationException(TYPE, tag, "model_id", e.getMessage());
            } catch (IOException e) {
                throw ConfigurationUtils.newConfigurationException(TYPE, tag, "model_id", "cannot read model [" + modelId + "]: " + e);
            }
            ImageHasher hasher = new ImageHasher(models, modelId, field, targetField, ignoreMissing, removeSourceField);
            return new ImageHashProcessor(tag, description, batchSize, hasher);
        }
    }
}
