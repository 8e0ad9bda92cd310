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
 * Batches the documents given to one processor, for both engines: Elasticsearch hands a processor one document per
 * call, OpenSearch a bulk's documents in one call; either way they are queued and the processor returns at once (an
 * asynchronous processor), so the engine goes on (through the bulk, or with other requests), and the documents of
 * concurrent bulks share batches instead of taking turns at the inference slots. A worker on the engine's pool feeds
 * the queue to {@link ImageHasher#encode(java.util.function.Supplier, java.util.function.Consumer)} a batch at a
 * time: up to {@code batch_size} of the documents queued when the model starts on the batch before (which it reads
 * and decodes meanwhile), until the queue is empty. No timer: a batch is
 * whatever arrived while the batches before it were encoded (as in a group commit), so a lone document is encoded at
 * once and never waits for company.
 *
 * <p>At most {@code maxWorkers} workers run at once (the node's inference slots: more could only wait for one). Every
 * queued document is handed back exactly once, through {@link Pending#finished()}, with its code or its failure,
 * batch by batch as the model gets through them (on the worker's thread: handing them to the pool instead, so that the
 * engine's work on them would overlap the next batch, measured no faster on Elasticsearch, docs/BENCHMARKS.md
 * section 4).
 */
public final class DocumentBatcher {

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

    /**
     * Queues documents handed over together (OpenSearch's batch of a bulk), all before a worker starts, so that a
     * worker's first batch is a full one rather than the first document alone.
     */
    public void addAll(List<? extends Pending> documents) {
        queue.addAll(documents);
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
            Set<Pending> taken = Collections.newSetFromMap(new IdentityHashMap<>()); // taken and not handed back yet
            while (queue.isEmpty() == false) {
                try {
                    hasher.encode(() -> take(taken), done -> handBack(done, taken));
                } catch (RuntimeException e) { // a bug, not a bad image (those fail their documents): fail what is left
                    List<Pending> left = List.copyOf(taken);
                    left.forEach(document -> document.fail(e));
                    handBack(left, taken);
                }
            }
        } finally {
            workers.decrementAndGet();
            startWorker(); // documents queued after this worker's last look, when no other worker could start
        }
    }

    /** The next batch: up to {@code batch_size} of the documents queued now. */
    private List<Pending> take(Set<Pending> taken) {
        List<Pending> batch = new ArrayList<>(Math.min(batchSize, 64));
        for (Pending document; batch.size() < batchSize && (document = queue.poll()) != null; ) {
            batch.add(document);
        }
        taken.addAll(batch);
        return batch;
    }

    /** Hands each document back once: one already handed back before a fault is not handed back again. */
    private static void handBack(List<Pending> documents, Set<Pending> taken) {
        for (Pending document : documents) {
            if (taken.remove(document)) {
                document.finished();
            }
        }
    }
}
