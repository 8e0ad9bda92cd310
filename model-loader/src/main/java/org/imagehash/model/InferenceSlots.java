package org.imagehash.model;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The node's inference slots: {@code image_hash.inference.max_concurrency} calls run at once, at most
 * {@code image_hash.inference.max_waiting} more wait for a slot (fairly, in arrival order), and a call beyond that is
 * refused at once. Why a bound on waiting: every waiter is a thread of the engine's pools (search, write, generic); an
 * unbounded wait lets a burst of images tie up all of them, and the generic pool also runs the cluster's own work
 * (recoveries, snapshots). A refusal is the engine's "too many requests" (429), which clients retry.
 */
public final class InferenceSlots {

    private volatile int maxConcurrency; // changed under this object's lock
    private volatile int maxWaiting;
    private final Slots permits;
    private final AtomicInteger waiting = new AtomicInteger();
    private final Function<String, ? extends RuntimeException> rejection;

    /** @param rejection makes the engine's 429 exception from a message (its "rejected execution" exception) */
    public InferenceSlots(int maxConcurrency, int maxWaiting, Function<String, ? extends RuntimeException> rejection) {
        if (maxConcurrency < 1 || maxWaiting < 0) {
            throw new IllegalArgumentException("max_concurrency must be >= 1 and max_waiting >= 0, got " + maxConcurrency + " and " + maxWaiting);
        }
        this.maxConcurrency = maxConcurrency;
        this.maxWaiting = maxWaiting;
        this.permits = new Slots(maxConcurrency);
        this.rejection = rejection;
    }

    /**
     * Takes a slot, waiting when all are busy and fewer than {@code maxWaiting} calls wait already.
     *
     * @throws RuntimeException the engine's 429 when the wait queue is full
     */
    void acquire() {
        try {
            // the timed form honours fairness (the untimed tryAcquire would barge ahead of the waiters)
            if (permits.tryAcquire(0, TimeUnit.NANOSECONDS)) {
                return;
            }
            if (waiting.incrementAndGet() > maxWaiting) {
                waiting.decrementAndGet();
                throw rejection.apply(
                    "too many requests: all image_hash.inference.max_concurrency [" + maxConcurrency + "] inference slots are busy and "
                        + "image_hash.inference.max_waiting [" + maxWaiting + "] calls are already waiting; retry later"
                );
            }
            try {
                permits.acquire();
            } finally {
                waiting.decrementAndGet();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for an inference slot", e);
        }
    }

    void release() {
        permits.release();
    }

    /** Inference calls that may run at once now. */
    public int maxConcurrency() {
        return maxConcurrency;
    }

    /** Grows or shrinks the slots; a shrink takes effect as running calls end (the permits may go below zero meanwhile). */
    public synchronized void setMaxConcurrency(int maxConcurrency) {
        if (maxConcurrency < 1) {
            throw new IllegalArgumentException("max_concurrency must be >= 1, got " + maxConcurrency);
        }
        int change = maxConcurrency - this.maxConcurrency;
        if (change > 0) {
            permits.release(change);
        } else if (change < 0) {
            permits.shrink(-change);
        }
        this.maxConcurrency = maxConcurrency;
    }

    public void setMaxWaiting(int maxWaiting) {
        if (maxWaiting < 0) {
            throw new IllegalArgumentException("max_waiting must be >= 0, got " + maxWaiting);
        }
        this.maxWaiting = maxWaiting;
    }

    /** A fair semaphore that can lose permits (for a smaller max_concurrency). */
    private static final class Slots extends Semaphore {
        Slots(int permits) {
            super(permits, true);
        }

        void shrink(int by) {
            reducePermits(by);
        }
    }

    /** Calls waiting for a slot now (for stats and tests). */
    public int waiting() {
        return waiting.get();
    }
}
