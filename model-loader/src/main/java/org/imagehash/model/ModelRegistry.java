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
import java.util.concurrent.Semaphore;
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
    public record Settings(InferenceDevice device, int gpuId, int maxConcurrency, int intraOpThreads, ImageLimits limits) {}

    private final List<ModelSource> sources;
    private final Settings settings;
    private final PrivilegedAccess privileged;
    private final Semaphore permits;
    private final Map<String, HashModel> loaded = new ConcurrentHashMap<>();

    public ModelRegistry(List<ModelSource> sources, Settings settings, PrivilegedAccess privileged) {
        this.sources = List.copyOf(sources);
        this.settings = settings;
        this.privileged = privileged;
        this.permits = new Semaphore(settings.maxConcurrency(), true);
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

    /** A model's id, manifest and whether it is loaded, for the models API. */
    public record ModelInfo(String id, String source, ModelManifest manifest, boolean loaded, String device) {}

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
        return new ModelInfo(id, files.location(), manifest, model != null, model != null ? model.device() : null);
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
        if (model != null) {
            return model;
        }
        checkId(id);
        return loaded.computeIfAbsent(id, this::load);
    }

    /** Drops a loaded model (its files changed or went away); the next use loads it again. */
    public void evict(String id) {
        HashModel model = loaded.remove(id);
        if (model != null) {
            close(model);
        }
    }

    private HashModel load(String id) {
        try {
            ModelSource.ModelFiles files = find(id);
            ModelManifest manifest = manifest(id, files);
            byte[] onnx = files.graph().read();
            return privileged.run(() -> open(id, manifest, onnx));
        } catch (UnknownModelException e) {
            throw e;
        } catch (IOException | OrtException | IllegalArgumentException e) { // a bad manifest is the node's problem, not the caller's
            throw new IllegalStateException("model [" + id + "] could not be loaded: " + e.getMessage(), e);
        }
    }

    private HashModel open(String id, ModelManifest manifest, byte[] onnx) throws OrtException {
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
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

    /** The manifest must name the graph's real input and output. */
    private static void checkGraph(String id, ModelManifest manifest, OrtSession session) throws OrtException {
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
    }
}
