import RecurrentClassifier
import Testing

@Suite struct OpenBLASKernelSelectionTests {
    @Test func picksTheKernelFamilyFromCPUFlags() {
        #expect(OpenBLASKernelSelection.recommendedCoreType(cpuFlags: ["sse3", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl"]) == "SkylakeX")
        #expect(OpenBLASKernelSelection.recommendedCoreType(cpuFlags: ["sse3", "avx", "avx2", "fma", "avx512f"]) == "Haswell")
        #expect(OpenBLASKernelSelection.recommendedCoreType(cpuFlags: ["sse3", "avx", "avx2"]) == nil)
        #expect(OpenBLASKernelSelection.recommendedCoreType(cpuFlags: []) == nil)
    }
}
