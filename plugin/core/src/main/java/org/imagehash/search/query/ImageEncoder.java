package org.imagehash.search.query;

/** Turns an image into a code with a named model; the plugin's model registry implements it. */
@FunctionalInterface
public interface ImageEncoder {

    /**
     * @throws IllegalArgumentException for an unknown model or a bad image (a client error)
     */
    byte[] encode(String modelId, byte[] image);

    /**
     * Whether {@link #encode} can run now without loading the model (which may read it from the cluster: a blocking
     * call that must not run on a network thread). The default: always.
     */
    default boolean ready(String modelId) {
        return true;
    }

    /** The node's {@code image_hash.image.max_bytes}, for errors about images too large to parse; 0 when unknown. */
    default long maxImageBytes() {
        return 0;
    }
}
