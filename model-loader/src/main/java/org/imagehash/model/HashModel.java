package org.imagehash.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * One loaded model: its manifest, its ONNX Runtime session (shared by every thread; ORT sessions are thread-safe for
 * {@code run}), and the rule that turns outputs into codes. Inference is bounded by the node's {@link InferenceSlots}
 * so that images cannot starve the node's other work; a call that finds the wait queue full is refused (429).
 */
public final class HashModel implements AutoCloseable {

    private final ModelManifest manifest;
    private final ImagePreprocessor preprocessor;
    private final OrtEnvironment environment;
    private final OrtSession session;
    private final String device;
    private final InferenceSlots permits;
    /** Runs hold the read lock, {@link #close} the write lock: a model evicted while in use closes after its runs. */
    private final java.util.concurrent.locks.ReentrantReadWriteLock closing = new java.util.concurrent.locks.ReentrantReadWriteLock();
    private boolean closed;
    private final PrivilegedAccess privileged;

    HashModel(ModelManifest manifest, ImageLimits limits, OrtEnvironment environment, OrtSession session, String device, InferenceSlots permits,
        PrivilegedAccess privileged) {
        this.manifest = manifest;
        this.preprocessor = new ImagePreprocessor(manifest, limits);
        this.environment = environment;
        this.session = session;
        this.device = device;
        this.permits = permits;
        this.privileged = privileged;
    }

    public ModelManifest manifest() {
        return manifest;
    }

    /** Where this model runs, e.g. {@code "cpu (auto: CPU build)"}. */
    public String device() {
        return device;
    }

    /** A code, or why an image has none. Exactly one of the two is set. */
    public record Result(byte[] code, Exception failure) {}

    /**
     * A batch of images decoded and preprocessed into this model's input, ready for {@link #encode(Prepared)}; an image
     * that could not be decoded carries its reason instead. Preparing and running are separate so that a caller can
     * decode the next batch while the model runs this one.
     */
    public static final class Prepared {
        private final HashModel model;
        private final float[] input;
        private final ImageException[] failures;

        private Prepared(HashModel model, float[] input, ImageException[] failures) {
            this.model = model;
            this.input = input;
            this.failures = failures;
        }

        public int size() {
            return failures.length;
        }
    }

    /**
     * Encodes a batch of images in one inference call. A bad image fails alone: its result carries the reason, the
     * others are encoded.
     */
    public List<Result> encode(List<byte[]> images) {
        return encode(prepare(images));
    }

    /** Decodes and preprocesses a batch of images (no inference: no slot taken); bad images are recorded, not thrown. */
    public Prepared prepare(List<byte[]> images) {
        int size = preprocessor.inputSize();
        int count = images.size();
        float[] input = new float[count * size];
        ImageException[] failures = new ImageException[count];
        // Decoding is independent per image: spread it over the cores while this thread would otherwise wait, so
        // that a batch reaches inference sooner (decoding small images costs a fifth of the model's time).
        IntStream indices = IntStream.range(0, count);
        (count > 1 ? indices.parallel() : indices).forEach(i -> {
            try {
                // with the plugin's own permissions: image readers read system properties and load colour profiles
                // (an engine's security manager checks them), here and in the pool's threads alike
                privileged.run(() -> {
                    preprocessor.preprocess(images.get(i), input, i * size);
                    return null;
                });
            } catch (ImageException e) {
                failures[i] = e;
            }
        });
        return new Prepared(this, input, failures);
    }

    /** Runs one inference call on a prepared batch; a result per image, in order (a bad image's carries its reason). */
    public List<Result> encode(Prepared batch) {
        if (batch.model != this) {
            throw new IllegalArgumentException("a batch prepared for model [" + batch.model.manifest.id() + "] given to [" + manifest.id() + "]");
        }
        int size = preprocessor.inputSize();
        int count = batch.size();
        ImageException[] failures = batch.failures;
        int[] valid = IntStream.range(0, count).filter(i -> failures[i] == null).toArray();
        float[][] outputs = new float[0][];
        if (valid.length == count) {
            outputs = run(batch.input, count);
        } else if (valid.length > 0) {
            float[] compact = new float[valid.length * size];
            for (int j = 0; j < valid.length; j++) {
                System.arraycopy(batch.input, valid[j] * size, compact, j * size, size);
            }
            outputs = run(compact, valid.length);
        }
        List<Result> results = new ArrayList<>(count);
        for (int i = 0, j = 0; i < count; i++) {
            results.add(failures[i] != null ? new Result(null, failures[i]) : new Result(toCode(outputs[j++]), null));
        }
        return results;
    }

    /** Encodes one image. */
    public byte[] encode(byte[] image) {
        Result result = encode(List.of(image)).get(0);
        if (result.failure() != null) {
            throw (RuntimeException) result.failure();
        }
        return result.code();
    }

    /** Runs the graph on {@code batch} preprocessed images; returns their raw outputs. */
    float[][] run(float[] input, int batch) {
        long[] shape = { batch, manifest.channels(), manifest.height(), manifest.width() };
        permits.acquire();
        closing.readLock().lock();
        if (closed) {
            closing.readLock().unlock();
            permits.release();
            throw new IllegalStateException("model [" + manifest.id() + "] was evicted while in use; retry");
        }
        try (
            OnnxTensor tensor = OnnxTensor.createTensor(environment, FloatBuffer.wrap(input, 0, batch * preprocessor.inputSize()), shape);
            OrtSession.Result result = session.run(Map.of(manifest.inputName(), tensor), java.util.Set.of(manifest.outputName()))
        ) {
            float[][] outputs = (float[][]) result.get(0).getValue();
            if (outputs.length != batch || outputs[0].length != manifest.bits()) {
                throw new IllegalStateException(
                    "model [" + manifest.id() + "] returned " + outputs.length + "x" + outputs[0].length + " outputs, expected " + batch + "x"
                        + manifest.bits()
                );
            }
            return outputs;
        } catch (OrtException e) {
            throw new IllegalStateException("model [" + manifest.id() + "] failed: " + e.getMessage(), e);
        } finally {
            closing.readLock().unlock();
            permits.release();
        }
    }

    /** The bit rule of the manifest: bit i is 1 iff output i > 0; bits packed most significant first. */
    static byte[] toCode(float[] output) {
        byte[] code = new byte[output.length / 8];
        for (int i = 0; i < output.length; i++) {
            if (output[i] > 0) {
                code[i >>> 3] |= (byte) (0x80 >>> (i & 7));
            }
        }
        return code;
    }

    @Override
    public void close() throws OrtException {
        closing.writeLock().lock();
        try {
            if (closed == false) {
                closed = true;
                session.close();
            }
        } finally {
            closing.writeLock().unlock();
        }
    }
}
