package org.imagehash.model;

/** No model has the requested id. */
public class UnknownModelException extends IllegalArgumentException {

    public UnknownModelException(String message) {
        super(message);
    }
}
