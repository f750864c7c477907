/// Branch-free float32 `tanh` and logistic sigmoid on eight lanes, for the recurrent cells' element
/// loops (a libm call per element would dominate the time of a step).
///
/// `tanh` is Eigen's rational approximation (`generic_fast_tanh_float`, also used by ONNX Runtime's
/// MLAS): a degree-13/6 odd/even polynomial ratio on the input clamped to ±7.90531, absolute error
/// about 3e-7 over all floats. The sigmoid uses the identity σ(x) = ½ + ½·tanh(x/2).
enum Activation {
    typealias Vector = Lanes.Vector

    @inline(__always)
    static func tanh(_ input: Vector) -> Vector {
        // Clamp with lane masks (`clamped` calls the generic, non-inlined `pointwiseMin/Max`).
        let limit = Vector(repeating: 7.905_311_1)
        var x = input.replacing(with: limit, where: input .> limit)
        x.replace(with: -limit, where: x .< -limit)
        let x2 = x * x
        var p = Vector(repeating: -2.760_768_477_423_55e-16)
        p = p * x2 + 2.000_187_904_824_77e-13
        p = p * x2 - 8.604_671_522_137_35e-11
        p = p * x2 + 5.122_297_090_371_14e-08
        p = p * x2 + 1.485_722_357_179_79e-05
        p = p * x2 + 6.372_619_288_754_36e-04
        p = p * x2 + 4.893_524_558_917_86e-03
        p = p * x
        var q = Vector(repeating: 1.198_258_394_667_02e-06)
        q = q * x2 + 1.185_347_056_866_54e-04
        q = q * x2 + 2.268_434_632_439_00e-03
        q = q * x2 + 4.893_525_185_543_85e-03
        return p / q
    }

    @inline(__always)
    static func sigmoid(_ x: Vector) -> Vector {
        0.5 + 0.5 * tanh(0.5 * x)
    }
}
