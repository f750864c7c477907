import COpenBLAS

/// Thin row-major wrappers over OpenBLAS's CBLAS routines (`cblas_sgemm`, `cblas_sgemv`).
///
/// All matrices are row-major, as `Tensor`. Pointers must be valid for the sizes given; these are
/// the hot path, so they check nothing beyond debug assertions.
public enum BLAS {
    /// `C = alpha · op(A) · op(B) + beta · C`, row-major.
    ///
    /// - Parameters:
    ///   - transposeA: use Aᵀ; `A` is stored `[k, m]` then, else `[m, k]`.
    ///   - transposeB: use Bᵀ; `B` is stored `[n, k]` then, else `[k, n]`.
    ///   - m, n, k: `op(A)` is `[m, k]`, `op(B)` is `[k, n]`, `C` is `[m, n]`.
    ///   - lda, ldb, ldc: leading dimensions (row strides) in elements; default to the dense ones.
    @inlinable
    public static func gemm(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int? = nil,
        b: UnsafePointer<Float>, ldb: Int? = nil,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int? = nil
    ) {
        guard m > 0, n > 0 else { return }
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha,
            a, blasint(lda ?? (transposeA ? m : k)),
            b, blasint(ldb ?? (transposeB ? k : n)),
            beta, c, blasint(ldc ?? n))
    }

    /// `y = alpha · op(A) · x + beta · y`, with `A` stored row-major `[rows, cols]`.
    ///
    /// `op(A)` is `A` (`x` has `cols` elements, `y` has `rows`) or Aᵀ when `transpose`.
    @inlinable
    public static func gemv(
        transpose: Bool = false, rows: Int, cols: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int? = nil,
        x: UnsafePointer<Float>, beta: Float = 0, y: UnsafeMutablePointer<Float>
    ) {
        guard rows > 0, cols > 0 else { return }
        cblas_sgemv(
            CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, blasint(rows), blasint(cols), alpha,
            a, blasint(lda ?? cols), x, 1, beta, y, 1)
    }

    /// The number of threads OpenBLAS uses for one call.
    public static var threadCount: Int {
        get { Int(openblas_get_num_threads()) }
    }

    /// Sets the number of threads OpenBLAS uses for one call (process-wide).
    public static func setThreadCount(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, count)))
    }
}

extension BLAS {
    /// The CPU kernel family OpenBLAS selected at load time (`openblas_get_corename`), e.g.
    /// `Haswell`, `SkylakeX`, `Zen`. `Prescott` (SSE3) on an AVX2 machine means OpenBLAS did not
    /// recognise the CPU; setting `OPENBLAS_CORETYPE` (e.g. `Haswell`) before start-up fixes it.
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }
}
