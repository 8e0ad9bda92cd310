package org.imagehash.model;

import org.opensearch.test.OpenSearchTestCase;

import java.util.Set;

import static org.hamcrest.Matchers.containsString;

/** The execution-provider choice, on every combination of setting, build and GPU (no GPU needed to run it). */
public class InferenceDeviceTests extends OpenSearchTestCase {

    private static final Set<String> CPU_BUILD = Set.of("CPU");
    private static final Set<String> CUDA_BUILD = Set.of("CPU", "CUDA");

    public void testCpuIsAlwaysCpu() {
        assertFalse(InferenceDevice.CPU.choose(CUDA_BUILD, true, 0).cuda());
        assertFalse(InferenceDevice.CPU.choose(CPU_BUILD, null, 0).cuda());
    }

    public void testAutoUsesCudaOnlyWithTheCudaBuildAndAUsableGpu() {
        assertTrue(InferenceDevice.AUTO.choose(CUDA_BUILD, true, 1).cuda());
        assertEquals("cuda:1 (auto: CUDA build and a usable GPU)", InferenceDevice.AUTO.choose(CUDA_BUILD, true, 1).reason());
        assertFalse(InferenceDevice.AUTO.choose(CUDA_BUILD, false, 0).cuda());
        assertThat(InferenceDevice.AUTO.choose(CUDA_BUILD, false, 0).reason(), containsString("GPU 0 is not usable"));
        assertFalse(InferenceDevice.AUTO.choose(CPU_BUILD, null, 0).cuda());
        assertEquals("cpu (auto: CPU build)", InferenceDevice.AUTO.choose(CPU_BUILD, null, 0).reason());
    }

    public void testCudaFailsLoudlyWhenItCannotBeHad() {
        assertTrue(InferenceDevice.CUDA.choose(CUDA_BUILD, true, 0).cuda());
        assertThat(
            expectThrows(IllegalStateException.class, () -> InferenceDevice.CUDA.choose(CPU_BUILD, null, 0)).getMessage(),
            containsString("install the CUDA flavour")
        );
        assertThat(
            expectThrows(IllegalStateException.class, () -> InferenceDevice.CUDA.choose(CUDA_BUILD, false, 2)).getMessage(),
            containsString("GPU 2 could not be used")
        );
    }

    public void testParse() {
        assertEquals(InferenceDevice.CUDA, InferenceDevice.parse(" Cuda "));
        assertThat(expectThrows(IllegalArgumentException.class, () -> InferenceDevice.parse("tpu")).getMessage(), containsString("[auto, cpu, cuda]"));
    }
}
