package org.imagehash.model;

import java.io.IOException;
import java.util.List;

/**
 * Where a node finds models: the bundled default, the config folder, and (with the model registry) the cluster. The
 * {@link ModelRegistry} asks its sources in order; each answers for the ids it holds.
 */
public interface ModelSource {

    /** What the models API shows as a model's source for this source's models, e.g. {@code "bundled"}. */
    String name();

    /** Ids of the models this source holds, sorted; an id it cannot describe is left out. */
    List<String> ids() throws IOException;

    /**
     * A model's files.
     *
     * @return null when this source holds no model with this (already validated) id
     */
    ModelFiles find(String id) throws IOException;

    /** Whether reading this source is a (blocking) call to the cluster rather than a local read. */
    default boolean remote() {
        return false;
    }

    /** Forgets whatever this node keeps of a deleted model besides its loaded session (e.g. a cached file). */
    default void forget(String id) {}

    /**
     * A model's manifest ({@code model.json}), a way to read its graph ({@code model.onnx}) when it is loaded, and what
     * the models API shows of it besides (e.g. an uploaded model's state and SHA-256).
     */
    record ModelFiles(String location, byte[] manifestJson, GraphReader graph, java.util.Map<String, Object> details) {
        public ModelFiles(String location, byte[] manifestJson, GraphReader graph) {
            this(location, manifestJson, graph, java.util.Map.of());
        }
    }

    @FunctionalInterface
    interface GraphReader {
        byte[] read() throws IOException;
    }
}
