package org.imagehash.model;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/** The default model shipped inside the plugin's jar ({@value ModelRegistry#DEFAULT_ID}). */
public final class BundledModels implements ModelSource {

    private static final String FOLDER = "/org/imagehash/model/default/";

    @Override
    public String name() {
        return "bundled";
    }

    @Override
    public List<String> ids() {
        return List.of(ModelRegistry.DEFAULT_ID);
    }

    @Override
    public ModelFiles find(String id) throws IOException {
        if (id.equals(ModelRegistry.DEFAULT_ID) == false) {
            return null;
        }
        return new ModelFiles(name(), resource("model.json"), () -> resource("model.onnx"));
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = BundledModels.class.getResourceAsStream(FOLDER + name)) {
            if (in == null) {
                throw new IllegalStateException("the bundled default model has no " + name + " (a broken build)");
            }
            return in.readAllBytes();
        }
    }
}
