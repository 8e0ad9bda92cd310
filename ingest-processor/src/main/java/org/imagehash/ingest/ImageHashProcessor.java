package org.imagehash.ingest;

import org.imagehash.model.HashModel;
import org.imagehash.model.ImageBytes;
import org.imagehash.model.ModelRegistry;
import org.opensearch.ingest.AbstractBatchingProcessor;
import org.opensearch.ingest.ConfigurationUtils;
import org.opensearch.ingest.IngestDocument;
import org.opensearch.ingest.IngestDocumentWrapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The {@code image_hash} ingest processor: reads a base64-encoded image from {@code field}, runs the hash model on it
 * and writes the code, as hex, into {@code target_field} (a {@code hash_code} field).
 *
 * <pre>
 * {"image_hash": {"field": "image", "target_field": "code", "model_id": "default",
 *                 "batch_size": 16, "ignore_missing": false, "remove_source_field": true}}
 * </pre>
 *
 * With {@code batch_size} above 1, the documents of a bulk request are encoded together, in one inference call per
 * batch. A document whose image is missing, not base64, corrupt or over the node's limits fails alone, with a reason
 * (and goes to {@code on_failure} when the pipeline has one); the others are indexed.
 */
public final class ImageHashProcessor extends AbstractBatchingProcessor {

    public static final String TYPE = "image_hash";

    private final String field;
    private final String targetField;
    private final String modelId;
    private final boolean ignoreMissing;
    private final boolean removeSourceField;
    private final ModelRegistry models;

    ImageHashProcessor(
        String tag,
        String description,
        int batchSize,
        String field,
        String targetField,
        String modelId,
        boolean ignoreMissing,
        boolean removeSourceField,
        ModelRegistry models
    ) {
        super(tag, description, batchSize);
        this.field = field;
        this.targetField = targetField;
        this.modelId = modelId;
        this.ignoreMissing = ignoreMissing;
        this.removeSourceField = removeSourceField;
        this.models = models;
    }

    @Override
    public String getType() {
        return TYPE;
    }

    public String field() {
        return field;
    }

    public String targetField() {
        return targetField;
    }

    public String modelId() {
        return modelId;
    }

    public int batchSize() {
        return batchSize;
    }

    @Override
    public IngestDocument execute(IngestDocument document) {
        List<IngestDocumentWrapper> one = List.of(new IngestDocumentWrapper(0, 0, document, null));
        subBatchExecute(one, results -> {});
        Exception failure = one.get(0).getException();
        if (failure != null) {
            throw failure instanceof RuntimeException r ? r : new IllegalStateException(failure);
        }
        return one.get(0).getIngestDocument();
    }

    @Override
    protected void subBatchExecute(List<IngestDocumentWrapper> documents, Consumer<List<IngestDocumentWrapper>> handler) {
        List<IngestDocumentWrapper> toEncode = new ArrayList<>();
        List<byte[]> images = new ArrayList<>();
        for (IngestDocumentWrapper wrapper : documents) {
            if (wrapper.getException() != null || wrapper.getIngestDocument() == null) {
                continue; // failed or dropped before this processor
            }
            try {
                byte[] image = readImage(wrapper.getIngestDocument());
                if (image != null) {
                    toEncode.add(wrapper);
                    images.add(image);
                }
            } catch (IllegalArgumentException e) {
                wrapper.update(wrapper.getIngestDocument(), e);
            }
        }
        if (images.isEmpty() == false) {
            encode(toEncode, images);
        }
        handler.accept(documents);
    }

    /** The decoded image bytes, or null when the field is missing and that is allowed. */
    private byte[] readImage(IngestDocument document) {
        Object value = document.hasField(field, true) ? document.getFieldValue(field, Object.class, true) : null;
        if (value == null) {
            if (ignoreMissing) {
                return null;
            }
            throw new IllegalArgumentException("[" + TYPE + "] field [" + field + "] is missing or null; set ignore_missing to skip such documents");
        }
        if (value instanceof String == false) {
            throw new IllegalArgumentException(
                "[" + TYPE + "] field [" + field + "] must be a base64-encoded image (a string), got a " + value.getClass().getSimpleName()
            );
        }
        return ImageBytes.fromBase64((String) value, "[" + TYPE + "] field [" + field + "]");
    }

    private void encode(List<IngestDocumentWrapper> documents, List<byte[]> images) {
        List<HashModel.Result> results;
        try {
            results = models.get(modelId).encode(images);
        } catch (RuntimeException e) { // the model itself failed: every document of the batch fails with the reason
            for (IngestDocumentWrapper wrapper : documents) {
                wrapper.update(wrapper.getIngestDocument(), e);
            }
            return;
        }
        for (int i = 0; i < documents.size(); i++) {
            IngestDocumentWrapper wrapper = documents.get(i);
            HashModel.Result result = results.get(i);
            if (result.failure() != null) {
                wrapper.update(
                    wrapper.getIngestDocument(),
                    // no cause attached: on_failure handlers read the root cause's message, which should be this one
                    new IllegalArgumentException("[" + TYPE + "] field [" + field + "]: " + result.failure().getMessage())
                );
                continue;
            }
            IngestDocument document = wrapper.getIngestDocument();
            document.setFieldValue(targetField, HexFormat.of().formatHex(result.code()));
            if (removeSourceField && field.equals(targetField) == false) {
                document.removeField(field);
            }
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
            return new ImageHashProcessor(tag, description, batchSize, field, targetField, modelId, ignoreMissing, removeSourceField, models);
        }
    }
}
