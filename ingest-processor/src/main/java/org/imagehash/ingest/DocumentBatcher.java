package org.imagehash.ingest;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
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
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
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
        queue.add(document);
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
            for (List<Pending> taken = takePass(); taken.isEmpty() == false; taken = takePass()) {
                Set<Pending> handedBack = Collections.newSetFromMap(new IdentityHashMap<>()); // at most once each
                try {
                    hasher.encode(taken, batchSize, done -> handBack(done, handedBack));
                } catch (RuntimeException e) { // a bug, not a bad image (those fail their documents): fail what is left
                    for (Pending document : taken) {
                        if (handedBack.contains(document) == false) {
                            document.fail(e);
                        }
                    }
                    handBack(taken, handedBack);
                }
            }
        } finally {
            workers.decrementAndGet();
            startWorker(); // documents queued after this worker's last look, when no other worker could start
        }
    }

    private static void handBack(List<Pending> documents, Set<Pending> handedBack) {
        for (Pending document : documents) {
            if (handedBack.add(document)) {
                document.finished();
            }
        }
    }

    private List<Pending> takePass() {
        int limit = (int) Math.min(Integer.MAX_VALUE, (long) batchSize * MAX_BATCHES_PER_PASS);
        List<Pending> taken = new ArrayList<>();
        for (Pending document; taken.size() < limit && (document = queue.poll()) != null; ) {
            taken.add(document);
        }
        return taken;
    }
}
