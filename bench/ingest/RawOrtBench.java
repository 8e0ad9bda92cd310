import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import org.imagehash.model.BundledModels;
import org.imagehash.model.ImageLimits;
import org.imagehash.model.ImagePreprocessor;
import org.imagehash.model.InferenceDevice;
import org.imagehash.model.ModelManifest;
import org.imagehash.model.ModelRegistry;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The ingest benchmark's baseline: the default model's ONNX Runtime session run directly on preprocessed batches of
 * the same PNG images the pipeline gets, with the same intra-op threads (1) as the node; plus what decoding and
 * preprocessing cost per image. Prints one JSON object.
 *
 *   CLASSPATH=... java bench/ingest/RawOrtBench.java DIR_OF_PNGS   (then batch sizes on stdin, one per line)
 */
public class RawOrtBench {
    public static void main(String[] args) throws Exception {
        List<byte[]> images = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of(args[0]))) {
            for (Path p : files.sorted().toList()) {
                images.add(Files.readAllBytes(p));
            }
        }
        ModelRegistry registry = new ModelRegistry(null, new ModelRegistry.Settings(InferenceDevice.CPU, 0, 1, 1, ImageLimits.DEFAULT));
        ModelManifest manifest = registry.info(ModelRegistry.DEFAULT_ID).manifest();
        ImagePreprocessor probe = new ImagePreprocessor(manifest, ImageLimits.DEFAULT);
        int size = probe.inputSize();
        // the raw side: the same graph in a session of its own, with the node's options (1 intra-op thread)
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(1);
        options.setInterOpNumThreads(1);
        OrtSession session = environment.createSession(new BundledModels().find(ModelRegistry.DEFAULT_ID).graph().read(), options);

        // decode + preprocess cost, after a warm-up pass
        float[] all = new float[images.size() * size];
        for (int pass = 0; pass < 2; pass++) {
            long start = System.nanoTime();
            for (int i = 0; i < images.size(); i++) {
                probe.preprocess(images.get(i), all, i * size);
            }
            if (pass == 1) {
                double micros = (System.nanoTime() - start) / 1e3 / images.size();
                System.out.printf(Locale.ROOT, "{\"images\": %d, \"decode_preprocess_us_per_image\": %.1f", images.size(), micros);
            }
        }
        System.out.println("}");
        System.out.flush();
        // then one measurement per line of stdin ("BATCH"), answered with "images_per_second", so that the caller can
        // interleave these with pipeline runs under the same machine load
        java.io.BufferedReader commands = new java.io.BufferedReader(new java.io.InputStreamReader(System.in));
        for (String line = commands.readLine(); line != null && line.isBlank() == false; line = commands.readLine()) {
            int batch = Integer.parseInt(line.trim());
            long start = System.nanoTime();
            for (int from = 0; from < images.size(); from += batch) {
                int n = Math.min(batch, images.size() - from);
                float[] input = java.util.Arrays.copyOfRange(all, from * size, (from + n) * size);
                long[] shape = { n, manifest.channels(), manifest.height(), manifest.width() };
                try (
                    OnnxTensor tensor = OnnxTensor.createTensor(environment, FloatBuffer.wrap(input), shape);
                    OrtSession.Result result = session.run(Map.of(manifest.inputName(), tensor), Set.of(manifest.outputName()))
                ) {
                    if (((float[][]) result.get(0).getValue()).length != n) {
                        throw new IllegalStateException("unexpected output");
                    }
                }
            }
            System.out.printf(Locale.ROOT, "%.1f%n", images.size() / ((System.nanoTime() - start) / 1e9));
            System.out.flush();
        }
        session.close();
        registry.close();
    }
}
