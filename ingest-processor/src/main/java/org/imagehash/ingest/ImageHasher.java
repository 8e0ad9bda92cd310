package org.imagehash.ingest;

import org.imagehash.model.HashModel;
import org.imagehash.model.ImageBytes;
import org.imagehash.model.ModelRegistry;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.FutureTask;
import java.util.function.Consumer;

/**
 * What the {@code image_hash} ingest processor does, for any engine: reads an image from {@code field} of each document
 * (base64 text in JSON; raw bytes where the document came as CBOR or SMILE, which carry binary values as they are), encodes a batch of them in one inference call, and writes each code, as hex, into
 * {@code target_field}. A document whose image is missing, not base64, corrupt or over the node's limits fails alone,
 * with a reason naming the field; the others are encoded. Engines adapt their documents to {@link Document}.
 */
public final class ImageHasher {

    public static final String TYPE = "image_hash";

    /** An ingest document as the engine holds it. */
    public interface Document {
        /** The value at a (dotted) path, or null when absent. */
        Object get(String path);

        void set(String path, Object value);

        void remove(String path);

        /** This document fails with {@code reason} (the engine sends it to {@code on_failure}, or rejects it). */
        void fail(Exception reason);
    }

    private final ModelRegistry models;
    private final String modelId;
    private final String field;
    private final String targetField;
    private final boolean ignoreMissing;
    private final boolean removeSourceField;

    public ImageHasher(ModelRegistry models, String modelId, String field, String targetField, boolean ignoreMissing, boolean removeSourceField) {
        this.models = models;
        this.modelId = modelId;
        this.field = field;
        this.targetField = targetField;
        this.ignoreMissing = ignoreMissing;
        this.removeSourceField = removeSourceField;
    }

    public String modelId() {
        return modelId;
    }

    public String field() {
        return field;
    }

    public String targetField() {
        return targetField;
    }

    /** Encodes the documents' images in one batch; every document either gets its code or fails. */
    public void encode(List<? extends Document> documents) {
        encode(documents, Integer.MAX_VALUE);
    }

    /**
     * Encodes the documents' images in batches of {@code batchSize}, one inference call each, decoding the next batch
     * while the model runs the current one. Why: a node ingesting one bulk at a time otherwise leaves the inference
     * thread idle while images decode, and the other cores idle while it infers. Every document either gets its code
     * or fails.
     */
    public void encode(List<? extends Document> documents, int batchSize) {
        encode(documents, batchSize, finished -> {});
    }

    /**
     * {@link #encode(List, int)}, handing every document to {@code finished} exactly once, in groups, as soon as it has
     * its code, has failed, or was skipped (a missing image with {@code ignore_missing}): a document need not wait for
     * the batches after its own.
     */
    public <D extends Document> void encode(List<D> documents, int batchSize, Consumer<List<D>> finished) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        List<D> toEncode = new ArrayList<>();
        List<D> done = new ArrayList<>();
        List<byte[]> images = new ArrayList<>();
        for (D document : documents) {
            try {
                byte[] image = readImage(document);
                if (image != null) {
                    toEncode.add(document);
                    images.add(image);
                } else {
                    done.add(document);
                }
            } catch (IllegalArgumentException e) {
                document.fail(e);
                done.add(document);
            }
        }
        if (done.isEmpty() == false) {
            finished.accept(done);
        }
        if (images.isEmpty()) {
            return;
        }
        HashModel model;
        try {
            model = models.get(modelId);
        } catch (RuntimeException e) { // the model cannot be loaded: every document fails with the reason
            toEncode.forEach(document -> document.fail(e));
            finished.accept(toEncode);
            return;
        }
        int count = images.size();
        PreparedBatch next = new PreparedBatch(model, images.subList(0, Math.min(batchSize, count)));
        for (int start = 0; start < count; start += batchSize) {
            int end = Math.min(start + batchSize, count);
            List<D> batch = toEncode.subList(start, end);
            HashModel.Prepared prepared;
            try {
                prepared = next.get(field);
            } catch (RuntimeException e) {
                batch.forEach(document -> document.fail(e));
                prepared = null;
            }
            if (end < count) {
                next = new PreparedBatch(model, images.subList(end, Math.min(end + batchSize, count)));
                if (batchSize > 1) {
                    // ahead, in the pool the decoding already spreads over; one image at a time is decoded here, in
                    // turn: handing single images over cost more than it saved (bench/ingest/DecodeOverlapBench.java)
                    ForkJoinPool.commonPool().execute(next);
                }
            }
            if (prepared != null) {
                encode(batch, model, prepared);
            }
            finished.accept(batch);
        }
    }

    /**
     * One batch's decoding, run by the common pool ahead of its turn, or by the ingest thread itself when the pool has
     * not started it by then (a busy pool delays a batch, never stalls it).
     */
    private static final class PreparedBatch extends FutureTask<HashModel.Prepared> {
        PreparedBatch(HashModel model, List<byte[]> images) {
            super(() -> model.prepare(images));
        }

        HashModel.Prepared get(String field) {
            run(); // no-op when already running or done
            try {
                return get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("[" + TYPE + "] field [" + field + "]: interrupted while images were decoded", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof Error error) {
                    throw error;
                }
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            }
        }
    }

    /** The decoded image bytes, or null when the field is missing and that is allowed. */
    private byte[] readImage(Document document) {
        Object value = document.get(field);
        if (value == null) {
            if (ignoreMissing) {
                return null;
            }
            throw new IllegalArgumentException("[" + TYPE + "] field [" + field + "] is missing or null; set ignore_missing to skip such documents");
        }
        if (value instanceof byte[] raw) { // a CBOR or SMILE document's binary value: the image as it is, no base64
            return ImageBytes.raw(raw, "[" + TYPE + "] field [" + field + "]");
        }
        if (value instanceof String == false) {
            throw new IllegalArgumentException(
                "[" + TYPE + "] field [" + field + "] must be an image: base64 text, or raw bytes in a CBOR or SMILE document; got a "
                    + value.getClass().getSimpleName()
            );
        }
        return ImageBytes.fromBase64((String) value, "[" + TYPE + "] field [" + field + "]");
    }

    private void encode(List<? extends Document> documents, HashModel model, HashModel.Prepared batch) {
        List<HashModel.Result> results;
        try {
            results = model.encode(batch);
        } catch (RuntimeException e) { // the model itself failed: every document of the batch fails with the reason
            documents.forEach(document -> document.fail(e));
            return;
        }
        for (int i = 0; i < documents.size(); i++) {
            Document document = documents.get(i);
            HashModel.Result result = results.get(i);
            if (result.failure() != null) {
                // no cause attached: on_failure handlers read the root cause's message, which should be this one
                document.fail(new IllegalArgumentException("[" + TYPE + "] field [" + field + "]: " + result.failure().getMessage()));
                continue;
            }
            document.set(targetField, HexFormat.of().formatHex(result.code()));
            if (removeSourceField && field.equals(targetField) == false) {
                document.remove(field);
            }
        }
    }
}
