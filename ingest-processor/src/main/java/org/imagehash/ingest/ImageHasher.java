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
import java.util.function.Supplier;

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
     * Encodes the documents in batches of {@code batchSize}, one inference call each, reading and decoding the next
     * batch while the model runs the current one. Why: a node ingesting one bulk at a time otherwise leaves the
     * inference thread idle while images decode, and the other cores idle while it infers. Every document either gets
     * its code or fails.
     */
    public void encode(List<? extends Document> documents, int batchSize) {
        encode(documents, batchSize, finished -> {});
    }

    /**
     * {@link #encode(List, int)}, handing every document to {@code finished} exactly once, with the rest of its batch,
     * as soon as that batch has its codes: a document need not wait for the batches after its own.
     */
    public <D extends Document> void encode(List<D> documents, int batchSize, Consumer<List<D>> finished) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        int[] next = { 0 };
        encode(() -> {
            int from = next[0];
            next[0] = (int) Math.min(documents.size(), (long) from + batchSize);
            return documents.subList(from, next[0]);
        }, finished);
    }

    /**
     * Encodes the batches that {@code batches} gives, one after another until it gives an empty one, each in one
     * inference call, and hands each batch to {@code finished} once its documents have their codes (or have failed, or
     * were skipped: a missing image with {@code ignore_missing}). The next batch is taken when the model starts on
     * the current one, and read (images out of their documents) and decoded in the common pool meanwhile, so that
     * this thread does nothing but inference while batches keep coming; a batch of one document is read here, in
     * turn (handing single images over cost more than it saved: bench/ingest/DecodeOverlapBench.java). At most two
     * batches are taken at once. A fault that is not a bad image (an engine's document failing to answer, say) is
     * thrown, after the batch read ahead has been read: the caller fails what it handed over and did not get back.
     */
    public <D extends Document> void encode(Supplier<List<D>> batches, Consumer<List<D>> finished) {
        List<D> first = batches.get();
        if (first.isEmpty()) {
            return;
        }
        // the model is looked up as each batch is taken, here, not in the pool: loading one may need the plugin's own
        // permissions, and one evicted meanwhile (its files changed) is not used again
        for (Batch<D> current = new Batch<>(first, model()), next; current != null; current = next) {
            List<D> following = batches.get();
            next = following.isEmpty() ? null : new Batch<>(following, model());
            if (next != null && following.size() > 1) {
                ForkJoinPool.commonPool().execute(next);
            }
            try {
                current.encode();
                finished.accept(current.documents);
            } catch (RuntimeException | Error e) {
                if (next != null) {
                    next.awaitReading(); // its reader is done with those documents before the caller fails them (its own fault dropped)
                }
                throw e;
            }
        }
    }

    /** The model, or why it cannot be had (which fails only the documents that have an image). */
    private record Model(HashModel model, RuntimeException failure) {}

    private Model model() {
        try {
            return new Model(models.get(modelId), null);
        } catch (RuntimeException e) {
            return new Model(null, e);
        }
    }

    /**
     * One batch: its documents' images read and decoded when this task runs (in the pool ahead of its turn, or on the
     * inference thread when the pool has not started it by then: a busy pool delays a batch, never stalls it), then
     * encoded by {@link #encode()} on the inference thread. Running, it only reads the documents: failures are recorded
     * and written on the inference thread, so that documents are never written by two threads.
     */
    private final class Batch<D extends Document> implements Runnable {
        final List<D> documents;
        private final Model model;
        private final FutureTask<Void> reading = new FutureTask<>(this::read, null); // runs once, whoever runs it first
        private final Exception[] unread; // why a document's image could not be read, by position
        private final List<D> withImages = new ArrayList<>();
        private HashModel.Prepared prepared; // null when no document has an image or the model cannot be had
        private RuntimeException unprepared; // why decoding failed as a whole (bad images fail alone): fails the batch

        Batch(List<D> documents, Model model) {
            this.documents = documents;
            this.model = model;
            this.unread = new Exception[documents.size()];
        }

        @Override
        public void run() {
            reading.run(); // a no-op when already running or done
        }

        /** Reads and decodes (the task's body). */
        private void read() {
            List<byte[]> images = new ArrayList<>();
            for (int i = 0; i < documents.size(); i++) {
                try {
                    byte[] image = readImage(documents.get(i));
                    if (image != null) {
                        withImages.add(documents.get(i));
                        images.add(image);
                    }
                } catch (IllegalArgumentException e) {
                    unread[i] = e;
                }
            }
            if (images.isEmpty() == false && model.model() != null) {
                try {
                    prepared = model.model().prepare(images);
                } catch (RuntimeException e) { // this batch's documents fail with it; the batches after it go on
                    unprepared = e;
                }
            }
        }

        /**
         * Reads it here unless a pool thread has begun, then waits for the reading to end: what it threw (or the
         * interruption of the wait, the thread's flag set again), or null.
         */
        Throwable awaitReading() {
            run();
            try {
                reading.get();
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new IllegalStateException("[" + TYPE + "] field [" + field + "]: interrupted while images were decoded", e);
            } catch (ExecutionException e) {
                return e.getCause();
            }
        }

        /** On the inference thread: the batch's failures written, the model run, the codes written. */
        void encode() {
            Throwable fault = awaitReading();
            if (fault instanceof Error error) {
                throw error;
            }
            if (fault != null) {
                throw fault instanceof RuntimeException r ? r : new IllegalStateException(fault);
            }
            for (int i = 0; i < documents.size(); i++) {
                if (unread[i] != null) {
                    documents.get(i).fail(unread[i]);
                }
            }
            if (withImages.isEmpty()) {
                return;
            }
            RuntimeException failure = model.failure() != null ? model.failure() : unprepared;
            if (failure != null) { // the model cannot be loaded, or decoding failed: each document with an image fails
                withImages.forEach(document -> document.fail(failure));
                return;
            }
            ImageHasher.this.encode(withImages, model.model(), prepared);
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
