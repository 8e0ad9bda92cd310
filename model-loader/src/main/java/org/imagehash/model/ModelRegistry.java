package org.imagehash.model;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.common.bytes.BytesArray;
import org.opensearch.secure_sm.AccessController;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
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
import java.util.stream.Stream;

/**
 * The models a node can run: the default model bundled in the plugin ({@value #DEFAULT_ID}) and every folder
 * {@code <config>/image_hash/models/<id>/} holding {@code model.onnx} and {@code model.json}. A model loads on first
 * use, once per node; one ONNX Runtime environment serves them all.
 */
public final class ModelRegistry implements Closeable {

    public static final String DEFAULT_ID = "default";
    private static final String BUNDLED = "/org/imagehash/model/default/";
    private static final Pattern VALID_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Logger logger = LogManager.getLogger(ModelRegistry.class);

    /** How models run on this node. */
    public record Settings(InferenceDevice device, int gpuId, int maxConcurrency, int intraOpThreads, ImageLimits limits) {}

    private final Path modelsDir; // null: only the bundled model; otherwise it may not exist yet
    private final Settings settings;
    private final Semaphore permits;
    private final Map<String, HashModel> loaded = new ConcurrentHashMap<>();

    public ModelRegistry(Path modelsDir, Settings settings) {
        this.modelsDir = modelsDir == null ? null : modelsDir.toAbsolutePath().normalize();
        this.settings = settings;
        this.permits = new Semaphore(settings.maxConcurrency(), true);
    }

    public Path modelsDir() {
        return modelsDir;
    }

    public Settings settings() {
        return settings;
    }

    /** A model's id, manifest and whether it is loaded, for the models API. */
    public record ModelInfo(String id, String source, ModelManifest manifest, boolean loaded, String device) {}

    /** Every model this node can run, the bundled one first. Manifests are read, models are not loaded. */
    public List<ModelInfo> list() throws IOException {
        List<ModelInfo> models = new ArrayList<>();
        models.add(info(DEFAULT_ID));
        for (String id : configModelIds()) {
            try {
                models.add(info(id));
            } catch (IllegalArgumentException e) {
                logger.warn("skipping model folder [{}]: {}", id, e.getMessage());
            }
        }
        return models;
    }

    /** One model's description, without loading it. */
    public ModelInfo info(String id) throws IOException {
        HashModel model = loaded.get(id);
        ModelManifest manifest = model != null ? model.manifest() : readManifest(id);
        return new ModelInfo(id, id.equals(DEFAULT_ID) ? "bundled" : modelDir(id).toString(), manifest, model != null, model != null ? model.device() : null);
    }

    private List<String> configModelIds() throws IOException {
        return AccessController.doPrivilegedChecked(() -> {
            if (modelsDir == null || Files.isDirectory(modelsDir) == false) {
                return List.<String>of();
            }
            try (Stream<Path> entries = Files.list(modelsDir)) {
                return entries.filter(p -> Files.isRegularFile(p.resolve("model.json")))
                    .map(p -> p.getFileName().toString())
                    .filter(id -> VALID_ID.matcher(id).matches() && id.equals(DEFAULT_ID) == false)
                    .sorted()
                    .collect(Collectors.toList());
            }
        });
    }

    /**
     * The model with this id, loading it on first call.
     *
     * @throws IllegalArgumentException for an id that is malformed, escapes the models folder, or names no model
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

    private static void checkId(String id) {
        if (id == null || VALID_ID.matcher(id).matches() == false || id.contains("..")) {
            throw new IllegalArgumentException(
                "invalid model id [" + id + "]: use letters, digits, '.', '_' and '-' (a folder name under config/image_hash/models/)"
            );
        }
    }

    /** The folder of a configured model, checked to stay inside the models folder. */
    private Path modelDir(String id) {
        checkId(id);
        if (modelsDir == null) {
            throw new UnknownModelException("no model [" + id + "]: this node has only the bundled model [" + DEFAULT_ID + "]");
        }
        Path dir = modelsDir.resolve(id).normalize();
        if (dir.getParent() == null || dir.getParent().equals(modelsDir) == false) {
            throw new IllegalArgumentException("invalid model id [" + id + "]");
        }
        return dir;
    }

    private ModelManifest readManifest(String id) throws IOException {
        byte[] json = readFile(id, "model.json");
        Map<String, Object> map;
        try {
            map = XContentHelper.convertToMap(JsonXContent.jsonXContent, new BytesArray(json).streamInput(), false);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("model.json of model [" + id + "] is not valid JSON: " + e.getMessage(), e);
        }
        return ModelManifest.parse(map, "model [" + id + "]");
    }

    private byte[] readFile(String id, String name) throws IOException {
        if (id.equals(DEFAULT_ID)) {
            try (InputStream in = ModelRegistry.class.getResourceAsStream(BUNDLED + name)) {
                if (in == null) {
                    throw new IllegalStateException("the bundled default model has no " + name + " (a broken build)");
                }
                return in.readAllBytes();
            }
        }
        Path file = modelDir(id).resolve(name);
        return AccessController.doPrivilegedChecked(() -> {
            if (Files.isRegularFile(file) == false) {
                throw new UnknownModelException("no model [" + id + "]: " + file + " does not exist; models: " + knownIds());
            }
            Path real = file.toRealPath();
            if (real.startsWith(modelsDir.toRealPath()) == false) {
                throw new IllegalArgumentException("model [" + id + "] resolves outside the models folder: " + real);
            }
            return Files.readAllBytes(real);
        });
    }

    private String knownIds() {
        try {
            List<String> ids = new ArrayList<>(List.of(DEFAULT_ID));
            ids.addAll(configModelIds());
            return ids.toString();
        } catch (IOException e) {
            return "[" + DEFAULT_ID + "]";
        }
    }

    private HashModel load(String id) {
        try {
            ModelManifest manifest = readManifest(id);
            byte[] onnx = readFile(id, "model.onnx");
            return AccessController.doPrivilegedChecked(() -> open(id, manifest, onnx));
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
        return new HashModel(manifest, settings.limits(), environment, session, choice.reason(), permits);
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

    @Override
    public void close() throws IOException {
        for (HashModel model : loaded.values()) {
            try {
                model.close();
            } catch (OrtException e) {
                logger.warn("closing model [{}] failed", model.manifest().id(), e);
            }
        }
        loaded.clear();
    }
}
