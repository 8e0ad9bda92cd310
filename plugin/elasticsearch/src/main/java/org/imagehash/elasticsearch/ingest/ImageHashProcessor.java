package org.imagehash.elasticsearch.ingest;

import org.imagehash.elasticsearch.EngineProcessorFactory;
import org.imagehash.ingest.DocumentBatcher;
import org.imagehash.ingest.ImageHasher;
import org.imagehash.model.ModelRegistry;
import org.elasticsearch.common.util.concurrent.ThreadContext;
import org.elasticsearch.ingest.AbstractProcessor;
import org.elasticsearch.ingest.ConfigurationUtils;
import org.elasticsearch.ingest.IngestDocument;
import org.elasticsearch.ingest.Processor;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * The {@code image_hash} ingest processor in Elasticsearch, with the options of the OpenSearch one:
 *
 * <pre>
 * {"image_hash": {"field": "image", "target_field": "code", "model_id": "default", "batch_size": 16,
 *                 "ignore_missing": false, "remove_source_field": true}}
 * </pre>
 *
 * Elasticsearch hands a processor one document at a time, so this one is asynchronous: it queues the document and
 * returns, the engine goes on through the bulk, and a {@link DocumentBatcher} worker on the node's generic pool
 * encodes what has queued in batches of {@code batch_size} (what OpenSearch's batch processors get from the engine).
 * A bad image fails its document (and goes to {@code on_failure}), never the bulk.
 */
public final class ImageHashProcessor extends AbstractProcessor {

    public static final String TYPE = ImageHasher.TYPE;

    private final ImageHasher hasher;
    private final DocumentBatcher batcher;
    private final ThreadContext threadContext;

    ImageHashProcessor(String tag, String description, ImageHasher hasher, DocumentBatcher batcher, ThreadContext threadContext) {
        super(tag, description);
        this.hasher = hasher;
        this.batcher = batcher;
        this.threadContext = threadContext;
    }

    @Override
    public String getType() {
        return TYPE;
    }

    @Override
    public boolean isAsync() {
        return true;
    }

    @Override
    public void execute(IngestDocument document, BiConsumer<IngestDocument, Exception> handler) {
        // a worker may finish this document beside another request's: the rest of its pipeline and its indexing must
        // run in its own request's thread context (user, headers), not the worker's
        batcher.add(new Queued(document, handler, threadContext.newRestorableContext(false)));
    }

    /** For callers that run processors synchronously: this document alone, on the calling thread. */
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
    private static class Wrapped implements ImageHasher.Document {
        final IngestDocument document;
        Exception failure;

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

    /** A document in the batcher's queue, handed back to the engine in its own thread context. */
    private static final class Queued extends Wrapped implements DocumentBatcher.Pending {
        private final BiConsumer<IngestDocument, Exception> handler;
        private final Supplier<ThreadContext.StoredContext> context;

        Queued(IngestDocument document, BiConsumer<IngestDocument, Exception> handler, Supplier<ThreadContext.StoredContext> context) {
            super(document);
            this.handler = handler;
            this.context = context;
        }

        @Override
        public void finished() {
            try (ThreadContext.StoredContext ignored = context.get()) {
                if (failure != null) {
                    handler.accept(null, failure);
                } else {
                    handler.accept(document, null);
                }
            }
        }
    }

    /** Creates {@code image_hash} processors; checks the model id when the pipeline is created. */
    public static final class Factory extends EngineProcessorFactory {
        private final ModelRegistry models;
        private final Executor workers;
        private final ThreadContext threadContext;

        /**
         * @param workers where batches are encoded (the node's generic pool)
         * @param threadContext the node's, to hand each document back in its request's context
         */
        public Factory(ModelRegistry models, Executor workers, ThreadContext threadContext) {
            this.models = models;
            this.workers = workers;
            this.threadContext = threadContext;
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
            ImageHasher hasher = new ImageHasher(models, modelId, field, targetField, ignoreMissing, removeSourceField);
            // workers: no more than the inference slots, which are all that they could use
            DocumentBatcher batcher = new DocumentBatcher(hasher, batchSize, workers, models::maxConcurrency);
            return new ImageHashProcessor(tag, description, hasher, batcher, threadContext);
        }
    }
}
