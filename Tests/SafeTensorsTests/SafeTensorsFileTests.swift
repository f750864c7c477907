import Foundation
import SafeTensors
import TestSupport
import Testing

@Suite(.onNumericsThreads) struct SafeTensorsFileTests {
    static let sharedFixtures = PackagePaths.inShared("fixtures/gru")

    @Test func readsPyTorchFixtureByStateDictNames() throws {
        let file = try SafeTensorsFile(contentsOf: Self.sharedFixtures.appendingPathComponent("uni2_masked_mean.weights.safetensors"))
        let w = try file.tensor("rnn.weight_ih_l0")
        #expect(w.dtype == .float32)
        #expect(w.shape == [24, 8])
        #expect(try w.floats().count == 192)
        #expect(file.metadata["num_layers"] == "2")
        let expected = try SafeTensorsFile(contentsOf: Self.sharedFixtures.appendingPathComponent("uni2_masked_mean.expected.safetensors"))
        #expect(try expected.tensor("lengths").int64s() == [3, 12, 1, 7, 12])
        #expect(try expected.tensor("logits").shape == [5, 4])
    }

    @Test func roundTripsEveryDType() throws {
        let values: [Float] = [0, 1, -2.5, 65504, 1e-3, .pi]
        let writer = SafeTensorsWriter()
        let data = writer.serialize([
            .init(name: "f32", shape: [2, 3], floats: values),
            .init(name: "f16", shape: [6], floats: values, dtype: .float16),
            .init(name: "bf16", shape: [3, 2], floats: values, dtype: .bfloat16),
            .init(name: "f64", shape: [2], doubles: [1.0 / 3, -7]),
            .init(name: "i64", shape: [3], int64s: [-1, 0, 1 << 40]),
        ], metadata: ["b": "2", "a": "\"x\""])
        let file = try SafeTensorsFile(data: data)
        #expect(file.names == ["f32", "f16", "bf16", "f64", "i64"])
        #expect(file.metadata == ["a": "\"x\"", "b": "2"])
        #expect(try file.tensor("f32").floats() == values)
        for (a, e) in zip(try file.tensor("f16").floats(), values) { #expect(abs(a - e) <= abs(e) * 1e-3) }
        for (a, e) in zip(try file.tensor("bf16").floats(), values) { #expect(abs(a - e) <= abs(e) * 8e-3) }
        #expect(try file.tensor("f64").doubles() == [1.0 / 3, -7])
        #expect(try file.tensor("i64").int64s() == [-1, 0, 1 << 40])
        #expect(writer.serialize([.init(name: "x", shape: [1], floats: [1])], metadata: ["k": "v"])
            == writer.serialize([.init(name: "x", shape: [1], floats: [1])], metadata: ["k": "v"]))
    }

    @Test func refusesTruncatedFileNamingTheTensor() throws {
        let data = SafeTensorsWriter().serialize([.init(name: "weight", shape: [4, 4], floats: Array(repeating: 1, count: 16))])
        #expect {
            try SafeTensorsFile(data: data.prefix(data.count - 3), source: "model.safetensors")
        } throws: { error in
            guard let e = error as? SafeTensorsError, e.file == "model.safetensors", e.tensor == "weight",
                case .truncated = e.kind else { return false }
            return true
        }
    }

    /// Two tensors cut off: the error names the first by name (the header is a JSON object, read
    /// into a dictionary whose order changes from process to process, so without the sort this
    /// named either).
    @Test func aTruncationErrorNamesTheFirstTensorByName() throws {
        let data = SafeTensorsWriter().serialize([
            .init(name: "b.weight", shape: [8], floats: Array(repeating: 1, count: 8)),
            .init(name: "a.weight", shape: [8], floats: Array(repeating: 2, count: 8)),
        ])
        #expect {
            try SafeTensorsFile(data: data.prefix(data.count - 40), source: "model.safetensors")
        } throws: { error in
            guard let e = error as? SafeTensorsError, case .truncated = e.kind else { return false }
            return e.tensor == "a.weight"
        }
    }

    /// Eight bytes of text read as a header length are far beyond the format's limit: the error
    /// says it is not a safetensors file rather than asking for exabytes.
    @Test func refusesAFileThatIsNotSafetensors() {
        #expect {
            try SafeTensorsFile(data: Data("this is not a model file".utf8), source: "model.safetensors")
        } throws: { error in
            guard let e = error as? SafeTensorsError, e.file == "model.safetensors",
                case .malformedHeader(let problem) = e.kind else { return false }
            return problem.contains("not a safetensors file")
        }
    }

    @Test func refusesShortFileAndBadHeader() {
        #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(data: Data([1, 2, 3])) }
        var bad = Data()
        withUnsafeBytes(of: UInt64(4).littleEndian) { bad.append(contentsOf: $0) }
        bad.append(contentsOf: Array("nope".utf8))
        #expect {
            try SafeTensorsFile(data: bad)
        } throws: { error in
            guard let e = error as? SafeTensorsError, case .malformedHeader = e.kind else { return false }
            return true
        }
    }

    @Test func refusesSizeMismatchAndUnknownDType() {
        func file(_ header: String, bodyBytes: Int) -> Data {
            var h = Array(header.utf8)
            while h.count % 8 != 0 { h.append(0x20) }
            var d = Data()
            withUnsafeBytes(of: UInt64(h.count).littleEndian) { d.append(contentsOf: $0) }
            d.append(contentsOf: h)
            d.append(Data(count: bodyBytes))
            return d
        }
        #expect {
            try SafeTensorsFile(data: file(#"{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}}"#, bodyBytes: 16))
        } throws: { error in
            guard let e = error as? SafeTensorsError, e.tensor == "w", case .sizeMismatch = e.kind else { return false }
            return true
        }
        #expect {
            try SafeTensorsFile(data: file(#"{"w":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}"#, bodyBytes: 8))
        } throws: { error in
            guard let e = error as? SafeTensorsError, case .unsupportedDType("C64") = e.kind else { return false }
            return true
        }
    }

    /// A file with this JSON header (space-padded to 8 bytes) and `bodyBytes` zero bytes of data.
    static func rawFile(header: String, bodyBytes: Int) -> Data {
        var h = Array(header.utf8)
        while h.count % 8 != 0 { h.append(0x20) }
        var d = Data()
        withUnsafeBytes(of: UInt64(h.count).littleEndian) { d.append(contentsOf: $0) }
        d.append(contentsOf: h)
        d.append(Data(count: bodyBytes))
        return d
    }

    @Test func refusesShapeWhoseByteCountOverflows() {
        let header = #"{"w":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,16]}}"#
        #expect {
            try SafeTensorsFile(data: Self.rawFile(header: header, bodyBytes: 16))
        } throws: { error in
            guard let e = error as? SafeTensorsError, e.tensor == "w", case .malformedHeader = e.kind else { return false }
            return true
        }
    }

    @Test func refusesBooleanDimension() {
        let header = #"{"w":{"dtype":"F32","shape":[true],"data_offsets":[0,4]}}"#
        #expect {
            try SafeTensorsFile(data: Self.rawFile(header: header, bodyBytes: 4))
        } throws: { error in
            guard let e = error as? SafeTensorsError, e.tensor == "w", case .malformedHeader = e.kind else { return false }
            return true
        }
    }

    @Test func refusesFractionalDataOffset() {
        let header = #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0.5,4]}}"#
        #expect {
            try SafeTensorsFile(data: Self.rawFile(header: header, bodyBytes: 4))
        } throws: { error in
            guard let e = error as? SafeTensorsError, e.tensor == "w", case .malformedHeader = e.kind else { return false }
            return true
        }
    }

    @Test func missingTensorAndWrongDTypeAreNamed() throws {
        let file = try SafeTensorsFile(data: SafeTensorsWriter().serialize([.init(name: "ids", shape: [2], int64s: [1, 2])]), source: "x.safetensors")
        #expect(throws: SafeTensorsError(file: "x.safetensors", tensor: "absent", kind: .missingTensor)) { try file.tensor("absent") }
        #expect(throws: SafeTensorsError(file: "x.safetensors", tensor: "ids", kind: .wrongDType(expected: "float", actual: .int64))) {
            try file.tensor("ids").floats()
        }
    }
}
