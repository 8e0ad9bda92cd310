package org.imagehash.model;

/** An image that cannot be turned into model input: undecodable, unsupported, or over a limit. A client error. */
public class ImageException extends IllegalArgumentException {

    public ImageException(String message) {
        super(message);
    }

    public ImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
