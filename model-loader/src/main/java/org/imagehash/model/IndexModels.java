package org.imagehash.model;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Models uploaded to the cluster: a record per model and its graph in parts, kept by the engine (in OpenSearch, a
 * system index) behind {@link Store}. A model is served only once it is {@value #READY}; on first use the parts are
 * read, concatenated and checked against the recorded length and SHA-256 again, then cached as one file on the node's
 * disk (named by id and hash, so that a stale file is never mistaken for another model).
 */
public final class IndexModels implements ModelSource {

    public static final String UPLOADING = "uploading";
    public static final String READY = "ready";
    public static final String FAILED = "failed";
    private static final Logger logger = LogManager.getLogger(IndexModels.class);

    /** A model's record: its manifest, the upload's plan, its state and, when it failed, why. */
    public record Record(String id, byte[] manifestJson, ModelUpload.Plan plan, String state, String reason, long createdMillis) {}

    /** What the engine supplies: reads of the model records and parts (blocking; called off network threads). */
    public interface Store {
        /** @return null when there is no such model */
        Record record(String id) throws IOException;

        /** @return null when the part is missing */
        byte[] part(String id, int n) throws IOException;

        /** Every record, sorted by id. */
        List<Record> records() throws IOException;
    }

    private final Store store;
    private final Path cacheDir;
    private final PrivilegedAccess privileged;

    /** @param cacheDir where verified graphs are cached on this node (null: no cache) */
    public IndexModels(Store store, Path cacheDir, PrivilegedAccess privileged) {
        this.store = store;
        this.cacheDir = cacheDir == null ? null : cacheDir.toAbsolutePath().normalize();
        this.privileged = privileged;
    }

    @Override
    public String name() {
        return "index";
    }

    @Override
    public boolean remote() {
        return true;
    }

    @Override
    public List<String> ids() throws IOException {
        return store.records().stream().map(Record::id).toList();
    }

    @Override
    public ModelFiles find(String id) throws IOException {
        Record record = store.record(id);
        if (record == null) {
            return null;
        }
        return new ModelFiles(name(), record.manifestJson(), () -> graph(record), details(record));
    }

    /** What the models API shows of an uploaded model besides its manifest. */
    public static Map<String, Object> details(Record record) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("state", record.state());
        if (record.reason() != null) {
            details.put("reason", record.reason());
        }
        details.put("size", record.plan().totalLength());
        details.put("sha256", record.plan().sha256());
        details.put("total_parts", record.plan().totalParts());
        details.put("created", java.time.Instant.ofEpochMilli(record.createdMillis()).toString());
        details.put("manifest", ManifestJson.parse(record.manifestJson()));
        return details;
    }

    private byte[] graph(Record record) throws IOException {
        if (READY.equals(record.state()) == false) {
            throw new ModelNotReadyException(
                "model [" + record.id() + "] is not ready: it is [" + record.state() + "]"
                    + (record.reason() != null ? " (" + record.reason() + ")" : " (its upload is incomplete)")
            );
        }
        Path cached = cacheDir == null ? null : cacheDir.resolve(record.id() + "-" + record.plan().sha256() + ".onnx");
        if (cached != null) {
            byte[] bytes = privileged.run(() -> Files.isRegularFile(cached) ? Files.readAllBytes(cached) : null);
            if (bytes != null && ModelUpload.sha256(bytes).equals(record.plan().sha256())) {
                return bytes;
            }
        }
        byte[] graph;
        try {
            graph = ModelUpload.assemble(record.plan(), n -> store.part(record.id(), n));
        } catch (IllegalArgumentException e) {
            throw new ModelNotReadyException("model [" + record.id() + "] is damaged in the model index: " + e.getMessage());
        }
        if (cached != null) {
            try {
                privileged.run(() -> {
                    Files.createDirectories(cacheDir);
                    Path tmp = Files.createTempFile(cacheDir, record.id(), ".part");
                    Files.write(tmp, graph);
                    return Files.move(tmp, cached, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                });
            } catch (IOException | RuntimeException e) {
                logger.warn("model [{}]: could not cache the graph in {}: {}", record.id(), cacheDir, e.toString());
            }
        }
        return graph;
    }

    /** Deletes this node's cached graph of a model (after the model was deleted). */
    @Override
    public void forget(String id) {
        if (cacheDir == null) {
            return;
        }
        try {
            privileged.run(() -> {
                if (Files.isDirectory(cacheDir)) {
                    try (Stream<Path> files = Files.list(cacheDir)) {
                        java.util.regex.Pattern name = java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(id) + "-[0-9a-f]{64}\\.onnx");
                        for (Path file : files.filter(f -> name.matcher(f.getFileName().toString()).matches()).toList()) {
                            Files.deleteIfExists(file);
                        }
                    }
                }
                return null;
            });
        } catch (IOException | RuntimeException e) {
            logger.warn("model [{}]: could not delete its cached graph: {}", id, e.toString());
        }
    }
}
