package org.imagehash.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Models copied onto the node: every folder {@code <config>/image_hash/models/<id>/} that holds {@code model.onnx}
 * and {@code model.json}. Ids stay inside the folder: a model's real path (links resolved) must lie under it.
 */
public final class ConfigFolderModels implements ModelSource {

    private final Path folder;
    private final PrivilegedAccess privileged;

    /** @param folder the models folder; it may not exist (yet) */
    public ConfigFolderModels(Path folder, PrivilegedAccess privileged) {
        this.folder = folder.toAbsolutePath().normalize();
        this.privileged = privileged;
    }

    @Override
    public String name() {
        return "config";
    }

    @Override
    public List<String> ids() throws IOException {
        return privileged.run(() -> {
            if (Files.isDirectory(folder) == false) {
                return List.<String>of();
            }
            try (Stream<Path> entries = Files.list(folder)) {
                return entries.filter(p -> Files.isRegularFile(p.resolve("model.json")))
                    .map(p -> p.getFileName().toString())
                    .filter(ModelRegistry::isValidId)
                    .sorted()
                    .toList();
            }
        });
    }

    @Override
    public ModelFiles find(String id) throws IOException {
        Path dir = folder.resolve(id).normalize();
        if (folder.equals(dir.getParent()) == false) {
            throw new IllegalArgumentException("invalid model id [" + id + "]");
        }
        byte[] manifest = privileged.run(() -> Files.isRegularFile(dir.resolve("model.json")) ? read(dir.resolve("model.json")) : null);
        return manifest == null ? null : new ModelFiles(dir.toString(), manifest, () -> privileged.run(() -> read(dir.resolve("model.onnx"))));
    }

    private byte[] read(Path file) throws IOException {
        Path real = file.toRealPath();
        if (real.startsWith(folder.toRealPath()) == false) {
            throw new IllegalArgumentException("model file " + file + " resolves outside the models folder: " + real);
        }
        return Files.readAllBytes(real);
    }
}
