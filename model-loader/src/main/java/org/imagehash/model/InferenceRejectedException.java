package org.imagehash.model;

/**
 * An inference call refused because the node's inference queue is full ({@link InferenceSlots}); outside an engine,
 * where nothing maps it to a 429. Engines pass their own "rejected execution" exception instead.
 */
public final class InferenceRejectedException extends java.util.concurrent.RejectedExecutionException {
    public InferenceRejectedException(String message) {
        super(message);
    }
}
