package org.imagehash.elasticsearch.ingest;

import org.imagehash.elasticsearch.EngineProcessorFactory;
import org.imagehash.ingest.ImageHasher;
import org.imagehash.model.ModelRegistry;
import org.elasticsearch.ingest.AbstractProcessor;
import org.elasticsearch.ingest.ConfigurationUtils;
import org.elasticsearch.ingest.IngestDocument;
import org.elasticsearch.ingest.Processor;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The {@code image_hash} ingest processor in Elasticsearch, with the options of the OpenSearch one:
 *
 * <pre>
 * {"image_hash": {"field": "image", "target_field": "code", "model_id": "default",
 *                 "ignore_missing": false, "remove_source_field": true}}
 * </pre>
 *
 * Elasticsearch has no batching processor base, so each document is encoded on its own ({@code batch_size} is
 * accepted, so that pipelines move between engines unchanged, and checked, but has no effect); a bad image fails its
 * document (and goes to {@code on_failure}), never the bulk.
 */
public final class ImageHashProcessor extends AbstractProcessor {

    public static final String TYPE = ImageHasher.TYPE;

    private final ImageHasher hasher;

    ImageHashProcessor(String tag, String description, ImageHasher hasher) {
        super(tag, description);
        this.hasher = hasher;
    }

    @Override
    public String getType() {
        return TYPE;
    }

    @Override
    public IngestDocument execute(IngestDocument document) throws Exception {
        Wrapped wrapped = new Wrapped(document);
        hasher.encode(List.of(wrapped));
        if (wrapped.failure != null) {
            throw wrapped.failure;
        }
        return document;
    }

    /** An Elasticsearch ingest document as {@link ImageHasher} sees it. */
    private static final class Wrapped implements ImageHasher.Document {
        private final IngestDocument document;
        private Exception failure;

        Wrapped(IngestDocument document) {
            this.document = document;
        }

        @Override
        public Object get(String path) {
            return document.hasField(path, true) ? document.getFieldValue(path, Object.class, true) : null;
        }

        @Override
        public void set(String path, Object value) {
            document.setFieldValue(path, value);
        }

        @Override
        public void remove(String path) {
            document.removeField(path);
        }

        @Override
        public void fail(Exception reason) {
            failure = reason;
        }
    }

    /** Creates {@code image_hash} processors; checks the model id when the pipeline is created. */
    public static final class Factory extends EngineProcessorFactory {
        private final ModelRegistry models;

        public Factory(ModelRegistry models) {
            this.models = models;
        }

        @Override
        protected Processor create(String tag, String description, Map<String, Object> config) {
            String field = ConfigurationUtils.readStringProperty(TYPE, tag, config, "field");
            String targetField = ConfigurationUtils.readStringProperty(TYPE, tag, config, "target_field");
            String modelId = ConfigurationUtils.readStringProperty(TYPE, tag, config, "model_id", ModelRegistry.DEFAULT_ID);
            boolean ignoreMissing = ConfigurationUtils.readBooleanProperty(TYPE, tag, config, "ignore_missing", false);
            boolean removeSourceField = ConfigurationUtils.readBooleanProperty(TYPE, tag, config, "remove_source_field", false);
            int batchSize = ConfigurationUtils.readIntProperty(TYPE, tag, config, "batch_size", 1);
            if (batchSize < 1) {
                throw ConfigurationUtils.newConfigurationException(TYPE, tag, "batch_size", "must be at least 1, got [" + batchSize + "]");
            }
            try {
                models.info(modelId);
            } catch (IllegalArgumentException e) { // no such model, or an invalid id
                throw ConfigurationUtils.newConfigurationException(TYPE, tag, "model_id", e.getMessage());
            } catch (IOException e) {
                throw ConfigurationUtils.newConfigurationException(TYPE, tag, "model_id", "cannot read model [" + modelId + "]: " + e);
            }
            return new ImageHashProcessor(tag, description, new ImageHasher(models, modelId, field, targetField, ignoreMissing, removeSourceField));
        }
    }
}
