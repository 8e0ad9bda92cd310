import org.imagehash.ingest.ImageHasher;
import org.imagehash.model.ImageLimits;
import org.imagehash.model.InferenceDevice;
import org.imagehash.model.ModelRegistry;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The image_hash processor's own work on one bulk, in one JVM, without a node: {@link ImageHasher} encoding the same
 * documents (base64 PNGs) in batches of {@code batch_size}, (a) one batch after another, each decoded and then run, as
 * before the decode overlap, and (b) as the processor now does, the next batch decoded while the model runs the
 * current one. One inference thread, as the node's default. Blocks of each alternate; prints one JSON line per batch
 * size with the images/s of every block.
 *
 *   CLASSPATH=... java bench/ingest/DecodeOverlapBench.java DIR_OF_PNGS [BLOCKS] [BATCH...]
 */
public class DecodeOverlapBench {

    /** A document as a map. */
    record MapDocument(Map<String, Object> source) implements ImageHasher.Document {
        public Object get(String path) {
            return source.get(path);
        }

        public void set(String path, Object value) {
            source.put(path, value);
        }

        public void remove(String path) {
            source.remove(path);
        }

        public void fail(Exception reason) {
            throw new AssertionError("no image here fails", reason);
        }
    }

    public static void main(String[] args) throws Exception {
        List<String> images = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of(args[0]))) {
            for (Path p : files.sorted().toList()) {
                images.add(Base64.getEncoder().encodeToString(Files.readAllBytes(p)));
            }
        }
        int blocks = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int[] batches = args.length > 2 ? java.util.Arrays.stream(args, 2, args.length).mapToInt(Integer::parseInt).toArray() : new int[] { 1, 8, 32, 128 };
        try (ModelRegistry models = new ModelRegistry(null, new ModelRegistry.Settings(InferenceDevice.CPU, 0, 1, 1, ImageLimits.DEFAULT))) {
            ImageHasher hasher = new ImageHasher(models, ModelRegistry.DEFAULT_ID, "image", "code", false, true);
            for (int batch : batches) {
                List<Double> oneAfterAnother = new ArrayList<>(), overlapped = new ArrayList<>();
                for (int block = -1; block < blocks; block++) { // block -1: warm-up of both
                    for (boolean overlap : block % 2 == 0 ? new boolean[] { true, false } : new boolean[] { false, true }) {
                        List<MapDocument> docs = images.stream().map(i -> new MapDocument(new HashMap<>(Map.of("image", i)))).toList();
                        long start = System.nanoTime();
                        if (overlap) {
                            hasher.encode(docs, batch);
                        } else {
                            for (int from = 0; from < docs.size(); from += batch) {
                                hasher.encode(docs.subList(from, Math.min(from + batch, docs.size())));
                            }
                        }
                        double rate = docs.size() / ((System.nanoTime() - start) / 1e9);
                        if (block >= 0) {
                            (overlap ? overlapped : oneAfterAnother).add(rate);
                        }
                    }
                }
                System.out.printf(Locale.ROOT, "{\"batch_size\": %d, \"images\": %d, \"one_after_another\": %s, \"overlapped\": %s}%n", batch,
                    images.size(), rates(oneAfterAnother), rates(overlapped));
            }
        }
    }

    private static String rates(List<Double> rates) {
        return rates.stream().map(r -> String.format(Locale.ROOT, "%.0f", r)).toList().toString();
    }
}
