package org.imagehash.model;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The models a node can run, found through its {@link ModelSource}s in order (the bundled default model
 * {@value #DEFAULT_ID} first, then the config folder, and later the cluster's model index). A model loads on first use,
 * once per node, and stays until it is {@link #evict evicted}; one ONNX Runtime environment serves them all.
 */
public class ModelRegistry implements Closeable {

    public static final String DEFAULT_ID = "default";
    private static final Pattern VALID_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Logger logger = LogManager.getLogger(ModelRegistry.class);

    /** How models run on this node. */
    public record Settings(
        InferenceDevice device,
        int gpuId,
        int maxConcurrency,
        int intraOpThreads,
        ImageLimits limits,
        long maxLoadedBytes,
        int maxWaiting
    ) {
        /** No limit on the bytes of loaded models. */
        public Settings(InferenceDevice device, int gpuId, int maxConcurrency, int intraOpThreads, ImageLimits limits) {
            this(device, gpuId, maxConcurrency, intraOpThreads, limits, Long.MAX_VALUE);
        }

        /** The default wait queue, {@link #defaultMaxWaiting}. */
        public Settings(InferenceDevice device, int gpuId, int maxConcurrency, int intraOpThreads, ImageLimits limits, long maxLoadedBytes) {
            this(device, gpuId, maxConcurrency, intraOpThreads, limits, maxLoadedBytes, defaultMaxWaiting(maxConcurrency));
        }

        /**
         * {@code image_hash.inference.max_waiting}'s default: 8 waiting calls per slot. Above the search and write
         * pools' thread counts on a node whose slots are its cores (those threads are the usual waiters, so ordinary
         * load waits as before), below the generic pool's 128 threads on small nodes.
         */
        public static int defaultMaxWaiting(int maxConcurrency) {
            return (int) Math.min(Integer.MAX_VALUE, 8L * maxConcurrency);
        }
    }

    private final List<ModelSource> sources;
    private final Settings settings;
    private final PrivilegedAccess privileged;
    private final InferenceSlots permits;
    private final Map<String, HashModel> loaded = new ConcurrentHashMap<>();
    /** Loaded models' graph sizes, least recently used first (guarded by itself). */
    private final Object loading = new Object();
    private final java.util.LinkedHashMap<String, Long> recency = new java.util.LinkedHashMap<>(16, 0.75f, true);

    public ModelRegistry(List<ModelSource> sources, Settings settings, PrivilegedAccess privileged) {
        this(sources, settings, privileged, InferenceRejectedException::new);
    }

    /** @param rejection the engine's "too many requests" (429) exception, for inference calls refused when the queue is full */
    public ModelRegistry(
        List<ModelSource> sources,
        Settings settings,
        PrivilegedAccess privileged,
        java.util.function.Function<String, ? extends RuntimeException> rejection
    ) {
        this.sources = List.copyOf(sources);
        this.settings = settings;
        this.privileged = privileged;
        this.permits = new InferenceSlots(settings.maxConcurrency(), settings.maxWaiting(), rejection);
    }

    /** The bundled model and, when {@code modelsDir} is not null, the models of that folder; no engine privileges. */
    public ModelRegistry(Path modelsDir, Settings settings) {
        this(sources(modelsDir, PrivilegedAccess.DIRECT), settings, PrivilegedAccess.DIRECT);
    }

    /** The usual sources of a node: the bundled model, then the config folder (null: none). */
    public static List<ModelSource> sources(Path modelsDir, PrivilegedAccess privileged) {
        return modelsDir == null ? List.of(new BundledModels()) : List.of(new BundledModels(), new ConfigFolderModels(modelsDir, privileged));
    }

    public Settings settings() {
        return settings;
    }

    /** Inference calls that may run at once now ({@code image_hash.inference.max_concurrency}). */
    public int maxConcurrency() {
        return permits.maxConcurrency();
    }

    /** A new {@code image_hash.inference.max_concurrency} (a dynamic setting): running calls finish, later ones see it. */
    public void setMaxConcurrency(int maxConcurrency) {
        permits.setMaxConcurrency(maxConcurrency);
    }

    /** A new {@code image_hash.inference.max_waiting} (a dynamic setting). */
    public void setMaxWaiting(int maxWaiting) {
        permits.setMaxWaiting(maxWaiting);
    }

    /** A model's id, manifest and whether it is loaded, for the models API. */
    public record ModelInfo(String id, String source, ModelManifest manifest, boolean loaded, String device, Map<String, Object> details) {}

    /** Every model this node can run, the bundled one first. Manifests are read, models are not loaded. */
    public List<ModelInfo> list() throws IOException {
        List<ModelInfo> models = new ArrayList<>();
        for (String id : knownIds()) {
            try {
                models.add(info(id));
            } catch (IllegalArgumentException e) {
                logger.warn("skipping model [{}]: {}", id, e.getMessage());
            }
        }
        return models;
    }

    /** One model's description, without loading it. */
    public ModelInfo info(String id) throws IOException {
        checkId(id);
        HashModel model = loaded.get(id);
        ModelSource.ModelFiles files = find(id);
        ModelManifest manifest = model != null ? model.manifest() : manifest(id, files);
        return new ModelInfo(id, files.location(), manifest, model != null, model != null ? model.device() : null, files.details());
    }

    /**
     * A model's description from what this node holds without a call to the cluster (its local sources, or the model
     * when loaded): for checks on threads that must not block, such as pipeline creation on the cluster applier.
     *
     * @return null when only a remote source could say (check later, on use)
     * @throws UnknownModelException when no source holds it and there is no remote source to ask
     */
    public ModelInfo localInfo(String id) throws IOException {
        checkId(id);
        HashModel model = loaded.get(id);
        boolean remote = false;
        for (ModelSource source : sources) {
            if (source.remote()) {
                remote = true;
                if (model != null) {
                    return new ModelInfo(id, source.name(), model.manifest(), true, model.device(), Map.of());
                }
                continue;
            }
            ModelSource.ModelFiles files = source.find(id);
            if (files != null) {
                return new ModelInfo(id, files.location(), manifest(id, files), model != null, model != null ? model.device() : null, files.details());
            }
        }
        if (remote) {
            return null;
        }
        throw new UnknownModelException("no model [" + id + "]; models: " + knownIds());
    }

    /** Whether {@code id} is a well-formed model id (a folder name, never a path). */
    public static boolean isValidId(String id) {
        return id != null && VALID_ID.matcher(id).matches() && id.contains("..") == false;
    }

    private static void checkId(String id) {
        if (isValidId(id) == false) {
            throw new IllegalArgumentException(
                "invalid model id [" + id + "]: use letters, digits, '.', '_' and '-' (a folder name under config/image_hash/models/)"
            );
        }
    }

    /** The first source's files for {@code id}. */
    private ModelSource.ModelFiles find(String id) throws IOException {
        for (ModelSource source : sources) {
            ModelSource.ModelFiles files = source.find(id);
            if (files != null) {
                return files;
            }
        }
        throw new UnknownModelException("no model [" + id + "]; models: " + knownIds());
    }

    private List<String> knownIds() throws IOException {
        List<String> ids = new ArrayList<>();
        for (ModelSource source : sources) {
            for (String id : source.ids()) {
                if (ids.contains(id) == false) {
                    ids.add(id);
                }
            }
        }
        return ids;
    }

    private static ModelManifest manifest(String id, ModelSource.ModelFiles files) {
        Map<String, Object> map;
        try {
            map = ManifestJson.parse(files.manifestJson());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("model.json of model [" + id + "] is not valid JSON: " + e.getMessage(), e);
        }
        return ModelManifest.parse(map, "model [" + id + "]");
    }

    /**
     * The model with this id, loading it on first call.
     *
     * @throws IllegalArgumentException for an id that is malformed or escapes its source's folder
     * @throws UnknownModelException when no source holds the model
     * @throws IllegalStateException when the model cannot be loaded (bad ONNX file, CUDA asked for and unusable)
     */
    public HashModel get(String id) {
        HashModel model = loaded.get(id);
        if (model == null) {
            checkId(id);
            synchronized (loading) { // one load at a time: loads are rare, and may evict others to make room
                model = loaded.get(id);
                if (model == null) {
                    model = load(id);
                    loaded.put(id, model);
                }
            }
        }
        synchronized (recency) {
            recency.get(id); // most recently used now
        }
        return model;
    }

    /** Drops a loaded model (its files changed or went away); the next use loads it again. */
    public void evict(String id) {
        synchronized (recency) {
            recency.remove(id);
        }
        HashModel model = loaded.remove(id);
        if (model != null) {
            close(model);
        }
    }

    /** Evicts a deleted model and lets every source forget what it kept of it on this node. */
    public void remove(String id) {
        evict(id);
        sources.forEach(source -> source.forget(id));
    }

    /** Bytes of the loaded models' graphs (what {@link Settings#maxLoadedBytes} limits). */
    public long loadedBytes() {
        synchronized (recency) {
            return recency.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private HashModel load(String id) {
        try {
            ModelSource.ModelFiles files = find(id);
            ModelManifest manifest = manifest(id, files);
            byte[] onnx = files.graph().read();
            makeRoom(id, onnx.length);
            HashModel model = privileged.run(() -> open(id, manifest, onnx));
            synchronized (recency) {
                recency.put(id, (long) onnx.length);
            }
            return model;
        } catch (UnknownModelException | ModelNotReadyException e) {
            throw e;
        } catch (IOException | OrtException | IllegalArgumentException e) { // a bad manifest is the node's problem, not the caller's
            throw new IllegalStateException("model [" + id + "] could not be loaded: " + e.getMessage(), e);
        }
    }

    /** Evicts the least recently used models until {@code bytes} more fit under the limit (a lone model always fits). */
    private void makeRoom(String id, long bytes) {
        while (true) {
            String victim;
            synchronized (recency) {
                long used = recency.values().stream().mapToLong(Long::longValue).sum();
                if (used + bytes <= settings.maxLoadedBytes() || recency.isEmpty()) {
                    return;
                }
                victim = recency.keySet().iterator().next();
                recency.remove(victim);
            }
            logger.info("evicting model [{}] to load [{}]: image_hash.models.max_loaded_bytes is {}", victim, id, settings.maxLoadedBytes());
            HashModel model = loaded.remove(victim);
            if (model != null) {
                close(model);
            }
        }
    }

    /**
     * Checks an uploaded model before it is accepted: the manifest, and that ONNX Runtime opens the graph and that its
     * input and output have the manifest's names and shapes. Nothing is kept loaded.
     *
     * @throws IllegalArgumentException naming the problem
     */
    public ModelManifest validate(String id, byte[] manifestJson, byte[] onnx) {
        ModelManifest manifest = manifest(id, new ModelSource.ModelFiles("upload", manifestJson, () -> onnx));
        try {
            privileged.run(() -> {
                OrtSession session;
                try {
                    session = OrtEnvironments.get().createSession(onnx, options(false));
                } catch (OrtException e) {
                    throw new IllegalArgumentException("model [" + id + "]: ONNX Runtime cannot open the file as an ONNX model: " + e.getMessage(), e);
                }
                try (session) {
                    checkGraph(id, manifest, session);
                }
                return null;
            });
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        } catch (OrtException e) {
            throw new IllegalArgumentException("model [" + id + "]: " + e.getMessage(), e);
        }
        return manifest;
    }

    private HashModel open(String id, ModelManifest manifest, byte[] onnx) throws OrtException {
        OrtEnvironment environment = OrtEnvironments.get();
        Set<String> providers = providerNames(OrtEnvironment.getAvailableProviders());
        Boolean gpuUsable = null;
        OrtSession session = null;
        if (settings.device() != InferenceDevice.CPU && providers.contains("CUDA")) {
            try {
                session = environment.createSession(onnx, options(true));
                gpuUsable = true;
            } catch (OrtException | RuntimeException e) {
                gpuUsable = false;
                logger.warn("model [{}]: CUDA session failed: {}", id, e.getMessage());
            }
        }
        InferenceDevice.Choice choice = settings.device().choose(providers, gpuUsable, settings.gpuId());
        if (session == null) {
            session = environment.createSession(onnx, options(false));
        }
        checkGraph(id, manifest, session);
        logger.info("model [{}] ({} bits, {}) loaded on {}", id, manifest.bits(), manifest.id(), choice.reason());
        return new HashModel(manifest, settings.limits(), environment, session, choice.reason(), permits, privileged);
    }

    private OrtSession.SessionOptions options(boolean cuda) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(settings.intraOpThreads());
        options.setInterOpNumThreads(1);
        if (cuda) {
            options.addCUDA(settings.gpuId());
        }
        return options;
    }

    /** The manifest must name the graph's real input and output, of the shapes it says (dynamic dimensions aside). */
    private static void checkGraph(String id, ModelManifest manifest, OrtSession session) throws OrtException {
        checkNames(id, manifest, session);
        long[] in = shape(session.getInputInfo().get(manifest.inputName()));
        long[] expectedIn = { -1, manifest.channels(), manifest.height(), manifest.width() };
        long[] out = shape(session.getOutputInfo().get(manifest.outputName()));
        long[] expectedOut = { -1, manifest.bits() };
        if (in != null && matches(in, expectedIn) == false) {
            throw new IllegalStateException(
                "model.json of model [" + id + "] says the input is [batch, " + manifest.channels() + ", " + manifest.height() + ", " + manifest.width()
                    + "] but the graph's input [" + manifest.inputName() + "] is " + java.util.Arrays.toString(in)
            );
        }
        if (out != null && matches(out, expectedOut) == false) {
            throw new IllegalStateException(
                "model.json of model [" + id + "] says [bits] is " + manifest.bits() + " but the graph's output [" + manifest.outputName() + "] is "
                    + java.util.Arrays.toString(out)
            );
        }
    }

    private static long[] shape(ai.onnxruntime.NodeInfo info) {
        return info != null && info.getInfo() instanceof ai.onnxruntime.TensorInfo tensor ? tensor.getShape() : null;
    }

    /** Same rank, and every dimension the graph fixes (> 0) equal to the expected one (the batch, -1, is free). */
    private static boolean matches(long[] actual, long[] expected) {
        if (actual.length != expected.length) {
            return false;
        }
        for (int i = 0; i < actual.length; i++) {
            if (actual[i] > 0 && expected[i] > 0 && actual[i] != expected[i]) {
                return false;
            }
        }
        return true;
    }

    private static void checkNames(String id, ModelManifest manifest, OrtSession session) throws OrtException {
        if (session.getInputNames().contains(manifest.inputName()) == false) {
            throw new IllegalStateException(
                "model.json of model [" + id + "]: [onnx.input_name] is [" + manifest.inputName() + "] but the graph's inputs are " + session.getInputNames()
            );
        }
        if (session.getOutputNames().contains(manifest.outputName()) == false) {
            throw new IllegalStateException(
                "model.json of model [" + id + "]: [onnx.output_name] is [" + manifest.outputName() + "] but the graph's outputs are "
                    + session.getOutputNames()
            );
        }
    }

    static Set<String> providerNames(EnumSet<ai.onnxruntime.OrtProvider> providers) {
        return providers.stream().map(p -> p == ai.onnxruntime.OrtProvider.CUDA ? "CUDA" : p.name()).collect(Collectors.toSet());
    }

    /** Where a loaded model runs, or null when it is not loaded. */
    public String loadedDevice(String id) {
        HashModel model = loaded.get(id);
        return model == null ? null : model.device();
    }

    /** Ids of the loaded models (for tests and stats). */
    public Set<String> loadedIds() {
        return new TreeMap<>(loaded).keySet();
    }

    private static void close(HashModel model) {
        try {
            model.close();
        } catch (OrtException e) {
            logger.warn("closing model [{}] failed", model.manifest().id(), e);
        }
    }

    @Override
    public void close() throws IOException {
        loaded.values().forEach(ModelRegistry::close);
        loaded.clear();
        synchronized (recency) {
            recency.clear();
        }
    }
}
