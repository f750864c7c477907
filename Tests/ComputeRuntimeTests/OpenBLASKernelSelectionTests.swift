import ComputeRuntime
import Testing

@Suite struct OpenBLASKernelSelectionTests {
    static let avx512: Set<String> = ["sse3", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl"]

    @Test func genericKernelsOnAnAVX512CPUSuggestSkylakeX() {
        #expect(OpenBLASKernelSelection.suggestedCoreType(coreName: "Prescott", cpuFlags: Self.avx512) == "SkylakeX")
    }

    @Test func genericKernelsOnAnAVX2CPUSuggestHaswell() {
        #expect(OpenBLASKernelSelection.suggestedCoreType(coreName: "Prescott", cpuFlags: ["sse3", "avx", "avx2", "fma"]) == "Haswell")
    }

    @Test func genericKernelsOnAnSSECPUSuggestNothing() {
        #expect(OpenBLASKernelSelection.suggestedCoreType(coreName: "Prescott", cpuFlags: ["sse3", "ssse3"]) == nil)
    }

    @Test func aRecognisedCPUSuggestsNothing() {
        #expect(OpenBLASKernelSelection.suggestedCoreType(coreName: "Zen", cpuFlags: Self.avx512) == nil)
        #expect(OpenBLASKernelSelection.suggestedCoreType(coreName: "Haswell", cpuFlags: Self.avx512) == nil)
    }

    @Test func reportsTheLoadedKernelsAndThisCPUsFlags() {
        #expect(!BLAS.coreName.isEmpty)
        #expect(OpenBLASKernelSelection.cpuFlags().contains("sse2"))  // every x86-64 CPU (Linux)
    }
}
