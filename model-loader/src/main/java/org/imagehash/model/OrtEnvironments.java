package org.imagehash.model;

import ai.onnxruntime.OrtEnvironment;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The process's one ONNX Runtime environment, created on a thread of its own with a large stack.
 *
 * <p>Why: ONNX Runtime 1.29.0 on Linux starts its telemetry (the 1DS C++ SDK) while the environment is created. The
 * SDK's system-information source matches the whole of {@code /proc/self/cmdline} with the {@code std::regex}
 * {@code "(.*)[ ]*.*[\n]*"} ({@code lib/pal/posix/sysinfo_sources.cpp}, key {@code appId}), and libstdc++'s regex
 * executor recurses once per character matched: about 270 bytes of native stack per byte of command line (measured).
 * An engine's threads have 1 MB stacks ({@code -Xss1m} in its {@code jvm.options}), so once the node's command line
 * (mostly its JVM options) passes about 3,900 bytes the first model load overflows the stack and the whole JVM dies
 * with SIGSEGV, without even an {@code hs_err} file. Creating the environment (the only time the SDK reads the command
 * line) on a thread with {@value #STACK_BYTES} bytes of stack covers command lines up to about 950 KB, beyond
 * Linux's own argument limit for practical purposes. The stack is reserved address space; only the pages the regex
 * touches are used, and the thread ends once the environment exists. Setting {@code ORT_DISABLE_TELEMETRY=1} in the
 * node's environment also avoids it (the SDK is then never started).
 */
public final class OrtEnvironments {

    /** Stack of the thread that creates the environment. */
    static final long STACK_BYTES = 256L << 20;

    private static final AtomicReference<OrtEnvironment> ENVIRONMENT = new AtomicReference<>();

    private OrtEnvironments() {}

    /**
     * The environment, created on first call.
     *
     * @throws IllegalStateException naming the cause when it cannot be created (no thread with that stack, ONNX
     *     Runtime failing to load)
     */
    public static OrtEnvironment get() {
        OrtEnvironment environment = ENVIRONMENT.get();
        if (environment != null) {
            return environment;
        }
        synchronized (OrtEnvironments.class) {
            if (ENVIRONMENT.get() == null) {
                ENVIRONMENT.set(create());
            }
            return ENVIRONMENT.get();
        }
    }

    private static OrtEnvironment create() {
        AtomicReference<Object> result = new AtomicReference<>();
        Thread thread = new Thread(null, () -> {
            try {
                result.set(OrtEnvironment.getEnvironment());
            } catch (Throwable t) {
                result.set(t);
            }
        }, "image-hash-onnxruntime-init", STACK_BYTES);
        try {
            thread.start();
            thread.join();
        } catch (OutOfMemoryError e) {
            throw new IllegalStateException(
                "cannot start a thread with a " + (STACK_BYTES >> 20) + " MB stack to create the ONNX Runtime environment (" + e.getMessage()
                    + "); ONNX Runtime 1.29's telemetry needs a deep stack for a long command line: set ORT_DISABLE_TELEMETRY=1 in the "
                    + "node's environment or shorten its JVM options",
                e
            );
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating the ONNX Runtime environment", e);
        }
        Object outcome = result.get();
        if (outcome instanceof OrtEnvironment created) {
            return created;
        }
        throw new IllegalStateException("ONNX Runtime environment could not be created: " + outcome, (Throwable) outcome);
    }
}
