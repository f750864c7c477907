import Foundation

/// Makes OpenBLAS use the fast kernels of this CPU when it failed to recognise it.
///
/// OpenBLAS built with `DYNAMIC_ARCH` (Debian's 0.3.21) picks its kernels from the CPU model at
/// load time. On a CPU model newer than the library knows (e.g. Intel Sapphire/Emerald Rapids,
/// notably under a hypervisor) it falls back to its generic `Prescott` (SSE3) kernels, which run
/// this project's GEMMs 2–4× slower than the AVX2 (`Haswell`) or AVX-512 (`SkylakeX`) ones.
/// OpenBLAS reads `OPENBLAS_CORETYPE` once, when the library loads — before any Swift code runs —
/// so the only remedy from inside the program is to set it and re-execute:
/// ``reexecuteIfNeeded()``, called first thing in each executable's `main`.
public enum OpenBLASKernelSelection {
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
    ///   - coreName: what OpenBLAS chose (``BLAS/coreName``).
    ///   - cpuFlags: the CPU's feature flags (``cpuFlags()``).
    /// - Returns: `SkylakeX` (AVX-512 F/BW/DQ/VL) or `Haswell` (AVX2 + FMA) when OpenBLAS fell back
    ///   to a generic pre-AVX kernel (`Prescott`, `Core2`, `Nehalem`) on a CPU that has them.
    public static func suggestedCoreType(coreName: String, cpuFlags: Set<String>) -> String? {
        guard ["Prescott", "Core2", "Nehalem"].contains(coreName) else { return nil }
        if cpuFlags.isSuperset(of: ["avx512f", "avx512bw", "avx512dq", "avx512vl"]) { return "SkylakeX" }
        if cpuFlags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
    }

    /// Re-executes the running program with `OPENBLAS_CORETYPE` set when OpenBLAS fell back to
    /// generic kernels on a CPU with AVX2 or AVX-512; returns when nothing needs doing.
    ///
    /// Does nothing when `OPENBLAS_CORETYPE` is already set (an operator's choice wins) or
    /// `NEWSCLF_NO_REEXEC` is set (it is set before the re-exec, so it happens at most once). If
    /// `execv` fails the program goes on with the kernels it has. The numerics are the same
    /// either way (the tests pin them to PyTorch's values).
    public static func reexecuteIfNeeded() {
        #if os(Linux)
        guard getenv("OPENBLAS_CORETYPE") == nil, getenv("NEWSCLF_NO_REEXEC") == nil,
            let coreType = suggestedCoreType(coreName: BLAS.coreName, cpuFlags: cpuFlags())
        else { return }
        setenv("OPENBLAS_CORETYPE", coreType, 1)
        setenv("NEWSCLF_NO_REEXEC", "1", 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        unsetenv("OPENBLAS_CORETYPE")
        #endif
    }
}
