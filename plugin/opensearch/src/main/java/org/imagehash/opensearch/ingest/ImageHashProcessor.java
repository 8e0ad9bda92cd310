package org.imagehash.opensearch.ingest;

import org.imagehash.ingest.DocumentBatcher;
import org.imagehash.ingest.ImageHasher;
import org.imagehash.model.ModelRegistry;
import org.imagehash.opensearch.engine.EngineCompat;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.util.concurrent.ThreadContext;
import org.opensearch.ingest.AbstractBatchingProcessor;
import org.opensearch.ingest.ConfigurationUtils;
import org.opensearch.ingest.IngestDocument;
import org.opensearch.ingest.IngestDocumentWrapper;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

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
 * {@code on_failure} when the pipeline has one). The processor is asynchronous: a bulk's documents are queued in a
 * {@link DocumentBatcher} and the write thread is released; a worker on the node's generic pool encodes the queue, so
 * concurrent bulks share batches and one inference slot instead of taking turns at it, and the bulk goes on through
 * its pipeline, in its own request's thread context, once its last document is done.
 */
public final class ImageHashProcessor extends AbstractBatchingProcessor {

    public static final String TYPE = ImageHasher.TYPE;

    private final ImageHasher hasher;
    private final DocumentBatcher batcher;
    private final ThreadContext threadContext;
    private final TargetFieldCheck targetCheck;
    private final ModelRegistry models;

    ImageHashProcessor(
        String tag,
        String description,
        int batchSize,
        ImageHasher hasher,
        DocumentBatcher batcher,
        ThreadContext threadContext,
        ModelRegistry models,
        TargetFieldCheck targetCheck
    ) {
        super(tag, description, batchSize);
        this.hasher = hasher;
        this.batcher = batcher;
        this.threadContext = threadContext;
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

    /** For callers that run processors synchronously (one document indexed alone): on the calling thread. */
    @Override
    public IngestDocument execute(IngestDocument document) {
        IngestDocumentWrapper wrapper = EngineCompat.wrap(0, document);
        if (targetAccepts(wrapper)) {
            hasher.encode(List.of(new Wrapped(wrapper)), batchSize);
        }
        Exception failure = wrapper.getException();
        if (failure != null) {
            throw failure instanceof RuntimeException r ? r : new IllegalStateException(failure);
        }
        return wrapper.getIngestDocument();
    }

    /**
     * The whole bulk's documents at once, not the base class's one {@link #subBatchExecute} per {@code batch_size}
     * slice: the batcher cuts them into batches itself (with whatever other bulks have queued) and hands the bulk on
     * once every document has its code or its failure. Documents that failed or were dropped before this processor
     * are passed over.
     */
    @Override
    public void batchExecute(List<IngestDocumentWrapper> documents, Consumer<List<IngestDocumentWrapper>> handler) {
        List<Queued> queued = documents.stream()
            .filter(w -> w.getException() == null && w.getIngestDocument() != null)
            .filter(this::targetAccepts)
            .map(Queued::new)
            .toList();
        if (queued.isEmpty()) {
            handler.accept(documents);
            return;
        }
        // the worker finishes the bulk beside other requests' documents: the rest of its pipeline and its indexing
        // must run in its own request's thread context (user, headers), not the worker's
        Supplier<ThreadContext.StoredContext> context = threadContext.newRestorableContext(false);
        AtomicInteger left = new AtomicInteger(queued.size());
        Runnable oneDone = () -> {
            if (left.decrementAndGet() == 0) {
                try (ThreadContext.StoredContext ignored = context.get()) {
                    handler.accept(documents);
                }
            }
        };
        queued.forEach(document -> document.whenFinished = oneDone);
        batcher.addAll(queued);
    }

    /** Not called by the engine once {@link #batchExecute} is overridden; kept equivalent to it. */
    @Override
    protected void subBatchExecute(List<IngestDocumentWrapper> documents, Consumer<List<IngestDocumentWrapper>> handler) {
        batchExecute(documents, handler);
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
    private static class Wrapped implements ImageHasher.Document {
        final IngestDocumentWrapper wrapper;

        Wrapped(IngestDocumentWrapper wrapper) {
            this.wrapper = wrapper;
        }

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

    /** A document of a bulk in the batcher's queue; the bulk goes on when the last of its documents is finished. */
    private static final class Queued extends Wrapped implements DocumentBatcher.Pending {
        Runnable whenFinished; // set before the document is queued

        Queued(IngestDocumentWrapper wrapper) {
            super(wrapper);
        }

        @Override
        public void finished() {
            whenFinished.run();
        }
    }

    /** Creates {@code image_hash} processors; checks the model id when the pipeline is created. */
    public static final class Factory extends AbstractBatchingProcessor.Factory {
        private final ModelRegistry models;
        private final Supplier<org.opensearch.cluster.ClusterState> clusterState;
        private final Executor workers;
        private final ThreadContext threadContext;

        /** For tests: no mapping check, batches encoded on the calling thread. */
        public Factory(ModelRegistry models) {
            this(models, null, Runnable::run, new ThreadContext(Settings.EMPTY));
        }

        /**
         * @param clusterState the node's cluster state, for the target fields' mappings (null: no check)
         * @param workers where batches are encoded (the node's generic pool)
         * @param threadContext the node's, to hand each bulk back in its request's context
         */
        public Factory(
            ModelRegistry models,
            Supplier<org.opensearch.cluster.ClusterState> clusterState,
            Executor workers,
            ThreadContext threadContext
        ) {
            super(TYPE);
            this.models = models;
            this.clusterState = clusterState;
            this.workers = workers;
            this.threadContext = threadContext;
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
            // workers: no more than the inference slots, which are all that they could use
            DocumentBatcher batcher = new DocumentBatcher(hasher, batchSize, workers, models::maxConcurrency);
            return new ImageHashProcessor(tag, description, batchSize, hasher, batcher, threadContext, models, check);
        }
    }
}
