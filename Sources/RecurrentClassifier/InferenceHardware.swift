import COpenBLAS
import Foundation

/// What the engine's speed depends on in the machine: the OpenBLAS kernels chosen for the CPU.
///
/// OpenBLAS built with `DYNAMIC_ARCH` (Debian's 0.3.21) picks its kernels from the CPU model at
/// load time. On a CPU model newer than the library knows (e.g. Intel Sapphire/Emerald Rapids,
/// notably under a hypervisor) it falls back to its generic `Prescott` (SSE3) kernels, which run
/// the engine's GEMMs 2–4× slower than the AVX2 (`Haswell`) or AVX-512 (`SkylakeX`) ones. The
/// choice can only be overridden by the environment variable `OPENBLAS_CORETYPE` before the
/// library loads (e.g. in the service's environment file), so this type only reports.
public enum InferenceHardware {
    /// The kernel family OpenBLAS uses (`openblas_get_corename()`), e.g. `Haswell`, `SkylakeX`,
    /// `Zen`, or the generic `Prescott`.
    public static var blasCoreName: String {
        String(cString: openblas_get_corename())
    }

    /// The CPU feature flags of the first processor in `/proc/cpuinfo` (Linux); empty elsewhere.
    public static func cpuFlags() -> Set<String> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":")
        else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }

    /// The `OPENBLAS_CORETYPE` worth setting, or `nil` when OpenBLAS's own choice is fine.
    ///
    /// - Parameters:
    ///   - coreName: what OpenBLAS chose (``blasCoreName``).
    ///   - cpuFlags: the CPU's feature flags (``cpuFlags()``).
    /// - Returns: `SkylakeX` (AVX-512 F/BW/DQ/VL) or `Haswell` (AVX2 + FMA) when OpenBLAS fell back
    ///   to a generic pre-AVX kernel (`Prescott`, `Core2`, `Nehalem`) on a CPU that has them.
    public static func suggestedBLASCoreType(coreName: String, cpuFlags: Set<String>) -> String? {
        guard ["Prescott", "Core2", "Nehalem"].contains(coreName) else { return nil }
        if cpuFlags.isSuperset(of: ["avx512f", "avx512bw", "avx512dq", "avx512vl"]) { return "SkylakeX" }
        if cpuFlags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
    }
}
