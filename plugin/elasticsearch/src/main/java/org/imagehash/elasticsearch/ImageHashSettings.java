package org.imagehash.elasticsearch;

import org.imagehash.model.ImageLimits;
import org.imagehash.model.InferenceDevice;
import org.imagehash.model.ModelRegistry;
import org.elasticsearch.common.settings.Setting;
import org.elasticsearch.common.settings.Setting.Property;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.util.concurrent.EsExecutors;
import org.elasticsearch.common.unit.ByteSizeValue;

import java.util.List;

/** The plugin's node settings (all static: set them in elasticsearch.yml). */
public final class ImageHashSettings {

    private ImageHashSettings() {}

    /** Heap that the packed per-segment codes may take, as an absolute size or a share of the heap. */
    public static final Setting<ByteSizeValue> BREAKER_LIMIT = Setting.memorySizeSetting("image_hash.breaker.limit", "25%", Property.NodeScope);

    /** {@code auto} (CUDA when the CUDA build and a GPU are there, else CPU), {@code cpu} or {@code cuda}. */
    public static final Setting<InferenceDevice> DEVICE = new Setting<>(
        "image_hash.inference.device",
        "auto",
        InferenceDevice::parse,
        Property.NodeScope
    );

    public static final Setting<Integer> GPU_ID = Setting.intSetting("image_hash.inference.gpu_id", 0, 0, Property.NodeScope);

    /** Inference calls running at once on this node; more wait. Bounds the CPU (or GPU) that images can take. Dynamic. */
    public static final Setting<Integer> MAX_CONCURRENCY = new Setting<>(
        "image_hash.inference.max_concurrency",
        s -> Integer.toString(EsExecutors.allocatedProcessors(s)),
        v -> Setting.parseInt(v, 1, "image_hash.inference.max_concurrency"),
        Property.NodeScope,
        Property.Dynamic
    );

    /**
     * Inference calls that may wait for a slot when all {@link #MAX_CONCURRENCY} are busy; one more is refused at once
     * with a 429 (the engine's rejected-execution error) naming this setting. Default: 8 per slot. Dynamic.
     */
    public static final Setting<Integer> MAX_WAITING = new Setting<>(
        "image_hash.inference.max_waiting",
        s -> Integer.toString(ModelRegistry.Settings.defaultMaxWaiting(MAX_CONCURRENCY.get(s))),
        v -> Setting.parseInt(v, 0, "image_hash.inference.max_waiting"),
        Property.NodeScope,
        Property.Dynamic
    );

    /** ONNX Runtime intra-op threads per inference call. */
    public static final Setting<Integer> INTRA_OP_THREADS = Setting.intSetting("image_hash.inference.threads", 1, 1, Property.NodeScope);

    /** Largest encoded image accepted (ingest, query by image, _encode). */
    public static final Setting<ByteSizeValue> MAX_IMAGE_BYTES = Setting.byteSizeSetting(
        "image_hash.image.max_bytes",
        ByteSizeValue.ofMb(10),
        ByteSizeValue.ofBytes(1),
        ByteSizeValue.ofGb(1),
        Property.NodeScope
    );

    /** Largest decoded image accepted, in pixels, checked from the header before decoding (decompression bombs). */
    public static final Setting<Long> MAX_IMAGE_PIXELS = Setting.longSetting("image_hash.image.max_pixels", 50_000_000L, 1L, Property.NodeScope);

    public static List<Setting<?>> all() {
        return List.of(BREAKER_LIMIT, DEVICE, GPU_ID, MAX_CONCURRENCY, MAX_WAITING, INTRA_OP_THREADS, MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS);
    }

    static ModelRegistry.Settings models(Settings settings) {
        return new ModelRegistry.Settings(
            DEVICE.get(settings),
            GPU_ID.get(settings),
            MAX_CONCURRENCY.get(settings),
            INTRA_OP_THREADS.get(settings),
            new ImageLimits(MAX_IMAGE_BYTES.get(settings).getBytes(), MAX_IMAGE_PIXELS.get(settings)),
            Long.MAX_VALUE,
            MAX_WAITING.get(settings)
        );
    }
}
