#if canImport(Glibc)
import Glibc
#endif

/// Makes OpenBLAS use the fast kernels of this CPU when it failed to recognise it.
///
/// Debian's OpenBLAS 0.3.21 does not know recent CPUs (e.g. Intel Sapphire Rapids) and falls back
/// to its SSE3 `Prescott` kernels, 2–3× slower on the GEMMs this project runs. OpenBLAS reads the
/// `OPENBLAS_CORETYPE` environment variable once, when the library loads — before any Swift code
/// runs — so the only remedy from inside the program is to set it and re-execute.
///
/// ``reexecuteIfNeeded()`` does that once, at the very start of `main`, when all of these hold:
/// the variable is unset (an operator's choice always wins), OpenBLAS reports `Prescott`, the CPU
/// flags in `/proc/cpuinfo` show AVX2+FMA (→ `Haswell`) or AVX-512 F/BW/VL (→ `SkylakeX`), and
/// `NEWSCLF_NO_REEXEC` is unset. Otherwise, or if `execv` fails, it returns and the program goes on
/// with the kernels it has. The numerics are the same either way (tests pin them to PyTorch).
public enum OpenBLASKernelSelection {
    /// The `OPENBLAS_CORETYPE` value this CPU should use, from its `/proc/cpuinfo` flags, or `nil`.
    public static func recommendedCoreType(cpuFlags: Set<Substring>) -> String? {
        if cpuFlags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl"]) { return "SkylakeX" }
        if cpuFlags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
    }

    /// Re-executes the running program with `OPENBLAS_CORETYPE` set when OpenBLAS fell back to
    /// generic kernels (see the type's documentation). Returns when nothing needs doing.
    public static func reexecuteIfNeeded() {
        #if os(Linux)
        guard getenv("OPENBLAS_CORETYPE") == nil, getenv("NEWSCLF_NO_REEXEC") == nil,
            BLAS.coreName == "Prescott", let flags = cpuFlags(),
            let coreType = recommendedCoreType(cpuFlags: flags)
        else { return }
        setenv("OPENBLAS_CORETYPE", coreType, 1)
        // Guards against a loop should the library still report Prescott after the re-exec.
        setenv("NEWSCLF_NO_REEXEC", "1", 1)
        let arguments = CommandLine.unsafeArgv
        execv("/proc/self/exe", arguments)
        // execv returned: keep running with the generic kernels.
        unsetenv("OPENBLAS_CORETYPE")
        #endif
    }

    static func cpuFlags() -> Set<Substring>? {
        guard let file = fopen("/proc/cpuinfo", "r") else { return nil }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0, let line {
            let text = String(cString: line)
            if text.hasPrefix("flags") {
                return Set(text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == ":" }))
            }
        }
        return nil
    }
}
