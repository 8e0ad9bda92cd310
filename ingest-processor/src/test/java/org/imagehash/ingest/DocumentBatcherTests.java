package org.imagehash.ingest;

import org.imagehash.model.ImageLimits;
import org.imagehash.model.InferenceDevice;
import org.imagehash.model.ModelRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Documents handed over one at a time (as Elasticsearch's processors get them) are gathered into batches while the
 * ones before them encode, never by more workers than inference slots, and each is handed back exactly once.
 */
class DocumentBatcherTests {

    private static ModelRegistry models;
    private static ExecutorService pool;

    /** A queued document that records when it was read, coded and finished, and can hold its reader at a gate. */
    private static class Queued extends MapDocument implements DocumentBatcher.Pending {
        final int id;
        final List<String> events;
        final CountDownLatch gate;
        final CountDownLatch allFinished;
        final AtomicInteger finishedTimes = new AtomicInteger();

        Queued(int id, String image, List<String> events, CountDownLatch gate, CountDownLatch allFinished) {
            super(Map.of("image", image));
            this.id = id;
            this.events = events;
            this.gate = gate;
            this.allFinished = allFinished;
        }

        @Override
        public Object get(String path) {
            events.add("read " + id);
            try {
                assertTrue(gate.await(30, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            return super.get(path);
        }

        @Override
        public void set(String path, Object value) {
            events.add("coded " + id);
            super.set(path, value);
        }

        @Override
        public void finished() {
            events.add("finished " + id);
            finishedTimes.incrementAndGet();
            allFinished.countDown();
        }
    }

    /** One test's queued documents: what happened to them, in order, and a gate that holds the readers of some. */
    private static final class Scenario {
        private static final CountDownLatch OPEN = new CountDownLatch(0);
        final List<String> events = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch gate = new CountDownLatch(1);
        final CountDownLatch allFinished;
        final List<Queued> docs = new ArrayList<>();

        Scenario(int count) {
            allFinished = new CountDownLatch(count);
        }

        /** The next document, {@code gated}: its reader waits for {@link #openGateAndAwaitAll}. */
        Queued doc(String image, boolean gated) {
            Queued doc = new Queued(docs.size(), image, events, gated ? gate : OPEN, allFinished);
            docs.add(doc);
            return doc;
        }

        void awaitEvent(String event) throws InterruptedException {
            for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30); events.contains(event) == false; ) {
                assertTrue(System.nanoTime() < deadline, "no [" + event + "] in " + events);
                Thread.sleep(1);
            }
        }

        void openGateAndAwaitAll() throws InterruptedException {
            gate.countDown();
            assertTrue(allFinished.await(60, TimeUnit.SECONDS));
        }

        void assertEachHandedBackOnce() {
            for (Queued doc : docs) {
                assertEquals(1, doc.finishedTimes.get(), "document " + doc.id);
            }
        }
    }

    /** Runs tasks on the test's pool, counting them. */
    private static final class CountingExecutor implements java.util.concurrent.Executor {
        final AtomicInteger started = new AtomicInteger();

        @Override
        public void execute(Runnable task) {
            started.incrementAndGet();
            pool.execute(task);
        }
    }

    @BeforeAll
    static void start() {
        models = new ModelRegistry(null, new ModelRegistry.Settings(InferenceDevice.CPU, 0, 2, 1, ImageLimits.DEFAULT));
        pool = Executors.newCachedThreadPool();
    }

    @AfterAll
    static void stop() throws IOException {
        pool.shutdownNow();
        models.close();
    }

    private static DocumentBatcher batcher(int batchSize, java.util.concurrent.Executor executor, int maxWorkers) {
        return new DocumentBatcher(new ImageHasher(models, ModelRegistry.DEFAULT_ID, "image", "code", false, false), batchSize, executor, () -> maxWorkers);
    }

    /** A random 28x28 grey PNG, as base64 text. */
    private static String image(Random random) throws IOException {
        return Base64.getEncoder().encodeToString(ImageHasherTests.noise(random));
    }

    @Test
    void aBulkHandedOverOneByOneIsGatheredWhileTheFirstDocumentEncodes() throws Exception {
        Random random = new Random(3);
        Scenario run = new Scenario(9);
        CountingExecutor executor = new CountingExecutor();
        DocumentBatcher batcher = batcher(4, executor, 1);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            byte[] png = ImageHasherTests.noise(random);
            boolean corrupt = i == 5;
            run.doc(corrupt ? "not base64 !" : Base64.getEncoder().encodeToString(png), i == 0);
            expected.add(corrupt ? null : HexFormat.of().formatHex(models.get(ModelRegistry.DEFAULT_ID).encode(png)));
        }
        List<Queued> docs = run.docs;
        batcher.add(docs.get(0));
        run.awaitEvent("read 0"); // the worker took this document alone and waits at the gate, reading it
        for (int i = 1; i < docs.size(); i++) {
            batcher.add(docs.get(i));
        }
        assertEquals(1, executor.started.get(), "one inference slot: one worker (and nothing handed back yet)");
        run.openGateAndAwaitAll();

        run.assertEachHandedBackOnce();
        for (Queued doc : docs) {
            assertEquals(expected.get(doc.id), doc.source.get("code"), "document " + doc.id);
        }
        assertTrue(docs.get(5).failure.getMessage().startsWith("[image_hash] field [image]"), docs.get(5).failure.getMessage());
        // the eight documents queued meanwhile were encoded in two batches of four: each batch's codes written (one
        // inference call) before any of its documents was handed back; the corrupt one fails with its batch
        List<String> afterTheFirst = run.events.stream()
            .filter(e -> e.startsWith("coded ") || e.startsWith("finished "))
            .filter(e -> e.endsWith(" 0") == false)
            .toList();
        assertEquals(
            List.of("coded 1", "coded 2", "coded 3", "coded 4", "finished 1", "finished 2", "finished 3", "finished 4",
                "coded 6", "coded 7", "coded 8", "finished 5", "finished 6", "finished 7", "finished 8"),
            afterTheFirst
        );
    }

    @Test
    void documentsHandedOverTogetherAreAllQueuedBeforeAWorkerStartsSoItsFirstBatchIsFull() throws Exception {
        Random random = new Random(5);
        Scenario run = new Scenario(8);
        List<Queued> bulk = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            bulk.add(run.doc(image(random), false));
        }
        // a worker run in place, as soon as it is started: one started by the first document would take it alone
        batcher(4, Runnable::run, 1).addAll(bulk);
        run.openGateAndAwaitAll();
        run.assertEachHandedBackOnce();
        List<String> codedAndFinished = run.events.stream().filter(e -> e.startsWith("coded ") || e.startsWith("finished ")).toList();
        assertEquals(
            List.of("coded 0", "coded 1", "coded 2", "coded 3", "finished 0", "finished 1", "finished 2", "finished 3",
                "coded 4", "coded 5", "coded 6", "coded 7", "finished 4", "finished 5", "finished 6", "finished 7"),
            codedAndFinished
        );
    }

    @Test
    void aWorkerTakesTheNextBatchWhileTheModelRunsOneAndNoFurtherAhead() throws Exception {
        Random random = new Random(8);
        int count = 13; // the first document alone, then six batches of two
        Scenario run = new Scenario(count);
        DocumentBatcher batcher = batcher(2, new CountingExecutor(), 1);
        for (int i = 0; i < count; i++) {
            batcher.add(run.doc(image(random), i == 0));
            if (i == 0) {
                run.awaitEvent("read 0");
            }
        }
        run.openGateAndAwaitAll();
        run.assertEachHandedBackOnce();
        // batch b holds documents 2b - 1 and 2b; batch b + 2 is taken (and read) only once batch b has been handed
        // back: at most two batches' images are held at once, however long the queue
        for (int b = 1; b + 2 <= 6; b++) {
            int readLater = run.events.indexOf("read " + (2 * (b + 2) - 1));
            assertTrue(run.events.indexOf("finished " + 2 * b) < readLater, run.events.toString());
        }
        for (Queued doc : run.docs) {
            assertNull(doc.failure);
            assertEquals(16, ((String) doc.source.get("code")).length());
        }
    }

    @Test
    void workersNeverOutnumberTheInferenceSlots() throws Exception {
        Random random = new Random(5);
        Scenario run = new Scenario(6);
        CountingExecutor executor = new CountingExecutor();
        DocumentBatcher batcher = batcher(2, executor, 2);
        for (int i = 0; i < 6; i++) {
            batcher.add(run.doc(image(random), true));
            if (i < 2) {
                run.awaitEvent("read " + i); // a worker took it alone and waits at the gate
            }
        }
        // every document waits at the gate, so each worker holds what it took: the first two documents started one
        // worker each, the four after them found both slots taken
        assertEquals(2, executor.started.get());
        run.openGateAndAwaitAll();
        run.assertEachHandedBackOnce();
        for (Queued doc : run.docs) {
            assertNull(doc.failure);
            assertEquals(16, ((String) doc.source.get("code")).length());
        }
    }

    @Test
    void aPoolThatRefusesWorkLeavesTheDocumentToTheCallersThread() throws IOException {
        Scenario run = new Scenario(1);
        Queued doc = run.doc(image(new Random(9)), false);
        batcher(8, task -> { throw new RejectedExecutionException("shutting down"); }, 4).add(doc);
        assertEquals(0, run.allFinished.getCount(), "encoded before add returned");
        assertEquals(16, ((String) doc.source.get("code")).length());
    }

    @Test
    void aDocumentHandedBackBeforeAFaultIsNotHandedBackAgain() throws Exception {
        Scenario run = new Scenario(2);
        Queued first = new Queued(0, image(new Random(2)), run.events, new CountDownLatch(0), run.allFinished) {
            @Override
            public void finished() { // the engine fails while taking it back: the rest of the pass fails, not this one again
                super.finished();
                throw new IllegalStateException("engine fault taking a document back");
            }
        };
        Queued second = new Queued(1, image(new Random(3)), run.events, new CountDownLatch(0), run.allFinished);
        List<Runnable> held = new ArrayList<>(); // the worker runs only once both documents are queued: one pass
        DocumentBatcher batcher = batcher(1, held::add, 1);
        batcher.add(first);
        batcher.add(second);
        assertEquals(1, held.size());
        held.get(0).run();
        assertEquals(0, run.allFinished.getCount());
        assertEquals(1, first.finishedTimes.get());
        assertNull(first.failure);
        assertEquals(16, ((String) first.source.get("code")).length());
        assertEquals(1, second.finishedTimes.get());
        assertTrue(second.failure instanceof IllegalStateException, String.valueOf(second.failure));
    }

    @Test
    void aFaultOutsideTheImagesFailsItsPassAndTheQueueGoesOn() throws Exception {
        CountDownLatch brokenFinished = new CountDownLatch(1);
        CountDownLatch laterFinished = new CountDownLatch(1);
        Queued broken = new Queued(0, "unused", new ArrayList<>(), new CountDownLatch(0), brokenFinished) {
            @Override
            public Object get(String path) {
                throw new IllegalStateException("engine fault reading the document");
            }
        };
        Queued later = new Queued(1, image(new Random(1)), new ArrayList<>(), new CountDownLatch(0), laterFinished);
        DocumentBatcher batcher = batcher(8, new CountingExecutor(), 1);
        batcher.add(broken);
        assertTrue(brokenFinished.await(30, TimeUnit.SECONDS));
        batcher.add(later);
        assertTrue(laterFinished.await(30, TimeUnit.SECONDS));
        assertEquals(1, broken.finishedTimes.get());
        assertTrue(broken.failure instanceof IllegalStateException, String.valueOf(broken.failure));
        assertEquals(1, later.finishedTimes.get());
        assertNull(later.failure);
        assertEquals(16, ((String) later.source.get("code")).length());
    }
}
