import RecurrentClassifier
import Testing

@Suite struct InferenceHardwareTests {
    static let avx512: Set<String> = ["sse3", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl"]

    @Test func genericKernelsOnAnAVX512CPUSuggestSkylakeX() {
        #expect(InferenceHardware.suggestedBLASCoreType(coreName: "Prescott", cpuFlags: Self.avx512) == "SkylakeX")
    }

    @Test func genericKernelsOnAnAVX2CPUSuggestHaswell() {
        #expect(InferenceHardware.suggestedBLASCoreType(coreName: "Prescott", cpuFlags: ["sse3", "avx", "avx2", "fma"]) == "Haswell")
    }

    @Test func genericKernelsOnAnSSECPUSuggestNothing() {
        #expect(InferenceHardware.suggestedBLASCoreType(coreName: "Prescott", cpuFlags: ["sse3", "ssse3"]) == nil)
    }

    @Test func aRecognisedCPUSuggestsNothing() {
        #expect(InferenceHardware.suggestedBLASCoreType(coreName: "Zen", cpuFlags: Self.avx512) == nil)
        #expect(InferenceHardware.suggestedBLASCoreType(coreName: "Haswell", cpuFlags: Self.avx512) == nil)
    }

    @Test func reportsTheLoadedKernelsAndThisCPUsFlags() {
        #expect(!InferenceHardware.blasCoreName.isEmpty)
        #expect(InferenceHardware.cpuFlags().contains("sse2"))  // every x86-64 CPU (Linux)
    }
}
