package org.imagehash.model;

/**
 * Access for benchmarks ({@code bench/ingest}) to the two halves of encoding that the public API runs together:
 * preprocessing, and the raw ONNX Runtime call on a preprocessed batch. Not for production use.
 */
public final class ImagePreprocessorProbe {

    private final ImagePreprocessor preprocessor;

    public ImagePreprocessorProbe(ModelManifest manifest) {
        this.preprocessor = new ImagePreprocessor(manifest, ImageLimits.DEFAULT);
    }

    public int inputSize() {
        return preprocessor.inputSize();
    }

    public void preprocess(byte[] image, float[] out, int offset) {
        preprocessor.preprocess(image, out, offset);
    }

    /** The ONNX Runtime session run alone, on {@code batch} preprocessed images. */
    public float[][] run(HashModel model, float[] input, int batch) {
        return model.run(input, batch);
    }
}
