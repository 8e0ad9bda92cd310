package org.imagehash.model;

import java.util.Locale;
import java.util.Set;

/**
 * Where a node runs its models ({@code image_hash.inference.device}): {@code cpu}, {@code cuda}, or {@code auto}
 * (CUDA when this build of ONNX Runtime has the CUDA provider and a GPU answers, else the CPU).
 */
public enum InferenceDevice {
    AUTO,
    CPU,
    CUDA;

    public static InferenceDevice parse(String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("[image_hash.inference.device] must be one of [auto, cpu, cuda], got [" + value + "]");
        }
    }

    /** The outcome of {@link #choose}: whether to use CUDA, and a sentence for the log and the models API. */
    public record Choice(boolean cuda, String reason) {}

    /**
     * Picks the execution provider. Pure logic, so that it can be tested on machines without a GPU.
     *
     * @param providers the providers this ONNX Runtime build offers (names as {@code OrtProvider.name()}, e.g. "CUDA")
     * @param gpuUsable whether a CUDA session could actually be opened (null when not tried)
     * @throws IllegalStateException when {@code cuda} is asked for and cannot be had: fail loudly, never fall back silently
     */
    public Choice choose(Set<String> providers, Boolean gpuUsable, int gpuId) {
        boolean cudaBuild = providers.contains("CUDA");
        return switch (this) {
            case CPU -> new Choice(false, "cpu (image_hash.inference.device: cpu)");
            case CUDA -> {
                if (cudaBuild == false) {
                    throw new IllegalStateException(
                        "image_hash.inference.device is [cuda] but this plugin build has no CUDA provider (providers: " + providers
                            + "); install the CUDA flavour of the plugin zip"
                    );
                }
                if (Boolean.FALSE.equals(gpuUsable)) {
                    throw new IllegalStateException(
                        "image_hash.inference.device is [cuda] but GPU " + gpuId + " could not be used (no GPU, or CUDA/cuDNN libraries missing)"
                    );
                }
                yield new Choice(true, "cuda:" + gpuId + " (image_hash.inference.device: cuda)");
            }
            case AUTO -> {
                if (cudaBuild && Boolean.TRUE.equals(gpuUsable)) {
                    yield new Choice(true, "cuda:" + gpuId + " (auto: CUDA build and a usable GPU)");
                }
                yield new Choice(false, cudaBuild ? "cpu (auto: CUDA build but GPU " + gpuId + " is not usable)" : "cpu (auto: CPU build)");
            }
        };
    }
}
