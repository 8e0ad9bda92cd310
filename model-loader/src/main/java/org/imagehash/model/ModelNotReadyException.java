package org.imagehash.model;

/** The model exists but cannot be used (yet): its upload is incomplete, or it failed verification. */
public class ModelNotReadyException extends IllegalStateException {

    public ModelNotReadyException(String message) {
        super(message);
    }
}
