package org.imagehash.search.query;

/** Turns an image into a code with a named model; the plugin's model registry implements it. */
@FunctionalInterface
public interface ImageEncoder {

    /**
     * @throws IllegalArgumentException for an unknown model or a bad image (a client error)
     */
    byte[] encode(String modelId, byte[] image);
}
