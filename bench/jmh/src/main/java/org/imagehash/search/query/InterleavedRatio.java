package org.imagehash.search.query;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The ratios of {@link ScanBenchmark} measured interleaved, for a machine whose load drifts: JMH measures one benchmark
 * after the other, so on a shared machine the scan and its limit can see different loads. Here every round times each
 * kernel back to back on the same array (order rotating), and the ratio is taken within the round; the report gives
 * the median ratio over the rounds and its range. Writes JSON to stdout.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp ... org.imagehash.search.query.InterleavedRatio [rounds]</pre>
 */
public final class InterleavedRatio {

    static long sink;

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 25;
        List<String> out = new ArrayList<>();
        for (int bits : new int[] {64, 256}) {
            for (String size : new String[] {"1M", "128MB"}) {
                for (String data : new String[] {"clustered", "uniform"}) {
                    out.add(run(bits, size, data, rounds));
                }
            }
        }
        System.out.println("[\n" + String.join(",\n", out) + "\n]");
    }

    static String run(int bits, String size, String data, int rounds) throws Exception {
        ScanBenchmark b = new ScanBenchmark();
        b.bits = bits;
        b.size = size;
        b.data = data;
        b.setup();
        String[] names = {"scan", "scanOriginal", "plainLoop", "seqReadVector"};
        LongSupplier[] kernels = {
            () -> ((FoundDocs) b.scan()).docs()[0],
            () -> ((FoundDocs) b.scanOriginal()).docs()[0],
            b::plainLoop,
            b::seqReadVector };
        // warm-up: let the JIT compile every kernel
        for (int i = 0; i < 4; i++) {
            for (LongSupplier k : kernels) {
                time(k, 300_000_000L);
            }
        }
        double[][] nsPerPass = new double[names.length][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int j = 0; j < names.length; j++) {
                int k = (j + r) % names.length;
                nsPerPass[k][r] = time(kernels[k], 60_000_000L);
            }
        }
        int n = size.equals("1M") ? 1_000_000 : (128 << 20) / (bits / 8);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "{\"bits\": %d, \"size\": \"%s\", \"data\": \"%s\", \"codes\": %d, \"rounds\": %d", bits, size, data, n, rounds));
        for (int k = 0; k < names.length; k++) {
            double med = median(nsPerPass[k]);
            sb.append(String.format(Locale.ROOT, ", \"%s_codes_per_s_median\": %.4e", names[k], n / med * 1e9));
        }
        for (int k : new int[] {1, 2, 3}) {
            double[] ratio = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                ratio[r] = nsPerPass[k][r] / nsPerPass[0][r]; // scan throughput / other throughput
            }
            Arrays.sort(ratio);
            sb.append(String.format(Locale.ROOT, ", \"scan_over_%s\": {\"median\": %.3f, \"min\": %.3f, \"max\": %.3f}",
                names[k], median(ratio), ratio[0], ratio[rounds - 1]));
        }
        sb.append('}');
        System.err.println(sb);
        return sb.toString();
    }

    /** Runs the kernel repeatedly for about {@code budgetNs}; returns nanoseconds per pass. */
    static double time(LongSupplier kernel, long budgetNs) {
        long start = System.nanoTime();
        long passes = 0;
        long now;
        do {
            sink += kernel.getAsLong();
            passes++;
            now = System.nanoTime();
        } while (now - start < budgetNs);
        return (double) (now - start) / passes;
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
