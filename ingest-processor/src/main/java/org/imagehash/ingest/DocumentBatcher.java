package org.imagehash.ingest;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * Batches for an engine whose processors see one document per call (Elasticsearch): each document is queued and the
 * processor returns at once (an asynchronous processor), so the engine hands over the rest of the bulk in its loop;
 * a worker on the engine's pool takes every document queued by then and encodes them with
 * {@link ImageHasher#encode(List, int, java.util.function.Consumer)} in batches of {@code batch_size}, each batch's
 * images decoded while the model runs the one before. No timer: a batch is whatever arrived while the batches before
 * it were encoded (as in a group commit), so a lone document is encoded at once and never waits for company.
 *
 * <p>At most {@code maxWorkers} workers run at once (the node's inference slots: more could only wait for one), each
 * taking the queue's documents (up to {@value #MAX_BATCHES_PER_PASS} batches) when it starts and again after each pass. Every queued document is handed back exactly
 * once, through {@link Pending#finished()}, with its code or its failure, batch by batch as the model gets through them
 * (on the worker's thread: handing them to the pool instead, so that the engine's work on them would overlap the next
 * batch, measured no faster on Elasticsearch, docs/BENCHMARKS.md section 4).
 */
public final class DocumentBatcher {

    /**
     * Batches a worker takes at most in one pass: the images of a pass are read (base64 decoded) before its first batch,
     * so this bounds that memory where several bulks queue at once (one bulk's worth on OpenSearch, which gets a
     * bulk at a time), and the decoding ahead still spans a pass's batches.
     */
    static final int MAX_BATCHES_PER_PASS = 8;

    /** A document waiting for its code; told once when it has it or has failed. */
    public interface Pending extends ImageHasher.Document {
        void finished();
    }

    private final ImageHasher hasher;
    private final int batchSize;
    private final Executor executor;
    private final IntSupplier maxWorkers;
    private final ConcurrentLinkedQueue<Entry> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger workers = new AtomicInteger();

    public DocumentBatcher(ImageHasher hasher, int batchSize, Executor executor, IntSupplier maxWorkers) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        this.hasher = hasher;
        this.batchSize = batchSize;
        this.executor = executor;
        this.maxWorkers = maxWorkers;
    }

    /** Queues a document; its {@link Pending#finished()} runs later, on a worker's thread or (pool refused) on this one. */
    public void add(Pending document) {
        queue.add(new Entry(document));
        startWorker();
    }

    private void startWorker() {
        int running;
        do {
            running = workers.get();
            if (queue.isEmpty() || running >= Math.max(1, maxWorkers.getAsInt())) {
                return;
            }
        } while (workers.compareAndSet(running, running + 1) == false);
        try {
            executor.execute(this::work);
        } catch (RejectedExecutionException e) { // a shutting-down or saturated pool: a document must never be left waiting
            work();
        }
    }

    private void work() {
        try {
            for (List<Entry> taken = takePass(); taken.isEmpty() == false; taken = takePass()) {
                try {
                    hasher.encode(taken, batchSize, done -> done.forEach(Entry::finished));
                } catch (RuntimeException e) { // a bug, not a bad image (those fail their documents): fail what is left
                    for (Entry entry : taken) {
                        if (entry.isFinished() == false) {
                            entry.fail(e);
                            entry.finished();
                        }
                    }
                }
            }
        } finally {
            workers.decrementAndGet();
            startWorker(); // documents queued after this worker's last look, when no other worker could start
        }
    }

    private List<Entry> takePass() {
        int limit = (int) Math.min(Integer.MAX_VALUE, (long) batchSize * MAX_BATCHES_PER_PASS);
        List<Entry> taken = new ArrayList<>();
        for (Entry entry; taken.size() < limit && (entry = queue.poll()) != null; ) {
            taken.add(entry);
        }
        return taken;
    }

    /** A queued document, finished at most once whatever happens to its batch. */
    private static final class Entry implements ImageHasher.Document {
        private final Pending document;
        private final AtomicBoolean finished = new AtomicBoolean();

        Entry(Pending document) {
            this.document = document;
        }

        @Override
        public Object get(String path) {
            return document.get(path);
        }

        @Override
        public void set(String path, Object value) {
            document.set(path, value);
        }

        @Override
        public void remove(String path) {
            document.remove(path);
        }

        @Override
        public void fail(Exception reason) {
            document.fail(reason);
        }

        boolean isFinished() {
            return finished.get();
        }

        void finished() {
            if (finished.compareAndSet(false, true)) {
                document.finished();
            }
        }
    }
}
