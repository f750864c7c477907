// Training throughput of the notebook's best model on this machine: forward + backward + Adam at
// batch 32, vocabulary 20,000, E = H = 256, 2-layer GRU, mean pooling, masked (packed) semantics,
// head dropout 0.1. Prints samples/s, padded and real tokens/s, GFLOP/s of the matrix products,
// the time split and peak RSS; PyTorch's 130 samples/s from REFERENCE.md is printed for orientation
// only (a ratio needs the reference measured in the same run, issue 18).
//
//   TrainingBenchmark [--lengths FILE] [--batches N] [--repeats R] [--threads T] [--batch-size B]
//
// FILE holds one item length per line (token count with <bos>/<eos>); scripts/bench-training
// derives it from the AG News test split's tokens. Without it, lengths are drawn from a
// log-normal fitted to AG News (median 39, clamped to 13 ... 138).
import Checkpoint
import ComputeRuntime
import Foundation
import RecurrentNetwork

struct Options {
    var lengthsFile: String?
    var batches = 40
    var repeats = 3
    var threads: Int?
    var batchSize = 32

    init(arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--lengths": lengthsFile = iterator.next()
            case "--batches": batches = iterator.next().flatMap(Int.init) ?? batches
            case "--repeats": repeats = iterator.next().flatMap(Int.init) ?? repeats
            case "--threads": threads = iterator.next().flatMap(Int.init)
            case "--batch-size": batchSize = iterator.next().flatMap(Int.init) ?? batchSize
            default:
                FileHandle.standardError.write(Data("unknown argument \(argument)\n".utf8))
                exit(2)
            }
        }
    }
}

func peakResidentMegabytes() -> Double {
    var usage = rusage()
    #if os(Linux)
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_maxrss) / 1024  // kilobytes
    #else
    getrusage(RUSAGE_SELF, &usage)
    return Double(usage.ru_maxrss) / (1024 * 1024)  // bytes
    #endif
}

func now() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted[sorted.count / 2]
}

let options = Options(arguments: CommandLine.arguments)
if let threads = options.threads { BLAS.setThreadCount(threads) }

var generator = SplitMix64(seed: 2024)
var lengths: [Int]
if let file = options.lengthsFile {
    guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
        FileHandle.standardError.write(Data("cannot read \(file)\n".utf8))
        exit(2)
    }
    lengths = text.split(whereSeparator: \.isNewline).compactMap { Int($0) }.map { min(max($0, 1), 256) }
} else {
    lengths = (0..<7600).map { _ in
        Int((39 * exp(0.35 * generator.nextStandardNormal())).rounded()).clamped(to: 13...138)
    }
}
lengths.shuffle(using: &generator)

let architecture = ModelArchitecture(
    cell: .gru, vocabSize: 20_000, embeddingSize: 256, hiddenSize: 256, numLayers: 2, pooling: .mean,
    dropout: 0.1, padding: .masked, numClasses: 4)
let configuration = ModelConfiguration(architecture: architecture)
var network = ClassifierNetwork(parameters: try ModelParameters(architecture: configuration.architecture, seed: 0))
var adam = try Adam(architecture: configuration.architecture)
var gradients = try ModelParameters(zerosFor: configuration.architecture)

/// A padded batch of random ordinary ids with the given lengths (`<bos>` … `<eos>`, `<pad>` = 3).
func makeBatch(_ itemLengths: [Int], generator: inout SplitMix64) throws -> TokenBatch {
    let time = itemLengths.max()!
    var ids = [Int32](repeating: 3, count: itemLengths.count * time)
    for (item, length) in itemLengths.enumerated() {
        for t in 0..<length {
            ids[item * time + t] = t == 0 ? 1 : t == length - 1 ? 2 : Int32(4 + generator.next() % 19_996)
        }
    }
    return try TokenBatch(ids: ids, lengths: itemLengths)
}

let batchSize = options.batchSize
let batchCount = min(options.batches, lengths.count / batchSize)
var batches: [TokenBatch] = []
for index in 0..<batchCount {
    batches.append(try makeBatch(Array(lengths[(index * batchSize)..<((index + 1) * batchSize)]), generator: &generator))
}
let labels = (0..<batchSize).map { $0 % 4 }

/// FLOPs of the matrix products of one training step (2 per multiply-add).
func matrixFlops(_ batch: TokenBatch, architecture: ModelArchitecture) -> Double {
    let rows = Double(batch.lengths.reduce(0, +))
    let continuing = rows - Double(batch.batchSize)  // rows with a previous state
    let h = Double(architecture.hiddenSize)
    let gates = 3 * h
    var flops = 0.0
    for layer in 0..<architecture.numLayers {
        let input = Double(layer == 0 ? architecture.embeddingSize : architecture.outputSize)
        flops += 2 * rows * gates * input * 3       // W_ih x, ∂W_ih, ∂x
        flops += 2 * continuing * gates * h * 2     // W_hh h, ∂h
        flops += 2 * rows * gates * h               // ∂W_hh
    }
    let a = Double(architecture.headSize)
    flops += 2 * Double(batch.batchSize) * (a * a + a * 4) * 3
    return flops
}

print("TrainingBenchmark: V=20000 E=H=256 2-layer GRU, mean, masked, dropout 0.1, Adam lr 1e-3")
print("batch \(batchSize), \(batchCount) batches per run, \(options.repeats) runs, OpenBLAS threads \(BLAS.threadCount), core \(BLAS.coreName)")
print("lengths: \(options.lengthsFile ?? "synthetic (log-normal, median 39)"), \(lengths.count) items, mean \(String(format: "%.1f", Double(lengths.reduce(0, +)) / Double(lengths.count)))")

// Warm-up (page-in, OpenBLAS buffers).
for batch in batches.prefix(3) {
    try network.lossAndGradients(batch, labels: labels, mode: .training(dropoutSeed: 1), into: &gradients)
    try adam.update(&network.parameters, gradients: gradients)
}

var samplesPerSecond: [Double] = []
var paddedPerSecond: [Double] = []
var realPerSecond: [Double] = []
var gflops: [Double] = []
var split = (forward: 0.0, backward: 0.0, adam: 0.0)
var lastLoss: Float = 0
for run in 0..<options.repeats {
    var forwardTime = 0.0, backwardTime = 0.0, adamTime = 0.0
    var padded = 0, real = 0
    var flops = 0.0
    let start = now()
    for (index, batch) in batches.enumerated() {
        let t0 = now()
        let pass = try network.forward(batch, mode: .training(dropoutSeed: UInt64(run * 10_000 + index)))
        let t1 = now()
        lastLoss = try network.backward(pass, labels: labels, into: &gradients)
        let t2 = now()
        try adam.update(&network.parameters, gradients: gradients)
        let t3 = now()
        forwardTime += t1 - t0
        backwardTime += t2 - t1
        adamTime += t3 - t2
        padded += batch.ids.count
        real += batch.lengths.reduce(0, +)
        flops += matrixFlops(batch, architecture: architecture)
    }
    let elapsed = now() - start
    samplesPerSecond.append(Double(batches.count * batchSize) / elapsed)
    paddedPerSecond.append(Double(padded) / elapsed)
    realPerSecond.append(Double(real) / elapsed)
    gflops.append(flops / elapsed / 1e9)
    split = (forwardTime / elapsed, backwardTime / elapsed, adamTime / elapsed)
    print(String(
        format: "run %d: %.1f samples/s, %.0f padded tokens/s, %.0f real tokens/s, %.1f GFLOP/s (forward %.0f%%, backward %.0f%%, Adam %.0f%%), loss %.3f",
        run + 1, samplesPerSecond.last!, paddedPerSecond.last!, realPerSecond.last!, gflops.last!,
        100 * split.forward, 100 * split.backward, 100 * split.adam, lastLoss))
}

print(String(format: "training samples/s (median of %d): %.1f", options.repeats, median(samplesPerSecond)))
print(String(format: "padded tokens/s: %.0f", median(paddedPerSecond)))
print(String(format: "real tokens/s: %.0f", median(realPerSecond)))
print(String(format: "matrix GFLOP/s: %.1f", median(gflops)))
print(String(format: "peak RSS: %.0f MB", peakResidentMegabytes()))
print("for orientation only, not a ratio (another day, another machine; REFERENCE.md): PyTorch 2.13, 2 threads, 130 samples/s")

extension Comparable {
    func clamped(to range: ClosedRange<Self>) -> Self { min(max(self, range.lowerBound), range.upperBound) }
}
