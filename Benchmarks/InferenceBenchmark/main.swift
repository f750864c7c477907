// Inference throughput of `InferenceEngine` on the notebook's best model shape, side by side
// with the OpenBLAS sgemm ceiling of this machine (PyTorch's figures from REFERENCE.md printed for
// orientation only: a ratio needs the reference measured in the same run, issue 18).
//
//   scripts/bench-inference [--tokens PATH] [--quick]
//
// Model: V = 20,000, E = H = 256, 2-layer GRU, mean pooling, random weights (PyTorch's init
// ranges). Items: the real AG News test lengths (token counts of
// shared/fixtures/tokenize/test_tokens.jsonl.gz + <bos>/<eos>) in file order, random ids, in
// consecutive batches of 1, 32 and 256. Figures are medians of 3 runs after a warm-up run.
import COpenBLAS
import Checkpoint
import ComputeRuntime
import Foundation
import RecurrentNetwork

// MARK: Set-up

let arguments = CommandLine.arguments
if arguments.contains("--suggested-blas-coretype") {
    // The OPENBLAS_CORETYPE worth setting on this machine (empty: none), for scripts/bench-inference.
    print(OpenBLASKernelSelection.suggestedCoreType(coreName: BLAS.coreName, cpuFlags: OpenBLASKernelSelection.cpuFlags()) ?? "")
    exit(0)
}
let quick = arguments.contains("--quick")
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
let tokensPath = arguments.firstIndex(of: "--tokens").map { arguments[$0 + 1] }
    ?? packageRoot.appendingPathComponent("../shared/fixtures/tokenize/test_tokens.jsonl.gz").standardizedFileURL.path


func peakRSSMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024  // Linux: kilobytes
}

func readLengths(_ path: String) throws -> [Int] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["gzip", "-dc", path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    struct Row: Decodable { let tokens: [String] }
    let decoder = JSONDecoder()
    return try data.split(separator: UInt8(ascii: "\n")).map { try decoder.decode(Row.self, from: Data($0)).tokens.count + 2 }
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

var generator = SplitMix64(seed: 42)
let lengths: [Int]
do {
    lengths = try readLengths(tokensPath).map { min($0, 256) }
} catch {
    FileHandle.standardError.write("cannot read \(tokensPath): \(error)\n".data(using: .utf8)!)
    exit(2)
}
let items: [[Int32]] = lengths.map { n in (0..<n).map { _ in Int32.random(in: 4..<20_000, using: &generator) } }

func makeParameters(_ configuration: ModelConfiguration, using generator: inout SplitMix64) -> [String: Tensor] {
    let bound = 1 / Float(configuration.architecture.hiddenSize).squareRoot()
    var parameters: [String: Tensor] = [:]
    for (name, shape) in configuration.architecture.parameterShapes {
        let count = shape.reduce(1, *)
        let range: ClosedRange<Float> = name == "embedding.weight" ? -1.7...1.7 : -bound...bound
        parameters[name] = Tensor(shape: shape, values: (0..<count).map { _ in Float.random(in: range, using: &generator) })
    }
    return parameters
}

let masked = ModelConfiguration(architecture: .init(cell: .gru, vocabSize: 20_000, embeddingSize: 256, hiddenSize: 256, numLayers: 2, pooling: .mean, padding: .masked))
var notebook = masked
notebook.architecture.padding = .notebook
let parameters = makeParameters(masked, using: &generator)
let flopsPerToken: Double = {
    // Per step and direction: W_hh h (2·H·G·H) and, above the first layer, W_ih x (2·D·G·H);
    // the first layer's input projection is a table lookup.
    let a = masked.architecture
    let g = Double(a.cell.gateCount * a.hiddenSize), h = Double(a.hiddenSize), d = Double(a.outputSize)
    return (0..<a.numLayers).reduce(0) { sum, k in sum + 2 * h * g + (k > 0 ? 2 * d * g : 0) } * (a.bidirectional ? 2 : 1)
}()

print("InferenceBenchmark: V=20000 E=H=256, 2-layer GRU, mean; \(items.count) AG News test lengths (mean \(String(format: "%.1f", Double(lengths.reduce(0, +)) / Double(lengths.count))) tokens); \(ProcessInfo.processInfo.activeProcessorCount) CPUs")
print("OpenBLAS: \(String(cString: openblas_get_config()))")
print(String(format: "model FLOP per real token: %.3f M (first layer's input projection is a table lookup)", flopsPerToken / 1e6))

// MARK: Hardware ceiling

func gemmGFLOPs(m: Int, n: Int, k: Int, threads: Int) -> Double {
    BLAS.setThreadCount(threads)
    let a = [Float](repeating: 0.01, count: m * k), b = [Float](repeating: 0.02, count: k * n)
    var c = [Float](repeating: 0, count: m * n)
    let flops = 2 * Double(m * n * k)
    let repetitions = max(10, Int(2e9 / flops) / (quick ? 4 : 1))
    var samples: [Double] = []
    for _ in 0..<4 {
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for _ in 0..<repetitions {
                // As the engine calls them: W_hhᵀ stored [K, N] (h·W_hhᵀ; sgemv on Aᵀ).
                if m == 1 {
                    BLAS.gemv(transpose: true, rows: k, cols: n, a: b, x: a, y: &c)
                } else {
                    BLAS.gemm(m: m, n: n, k: k, a: a, b: b, c: &c)
                }
            }
        }
        samples.append(flops * Double(repetitions) / seconds(elapsed) / 1e9)
    }
    return median(Array(samples.dropFirst()))
}

print("\nOpenBLAS ceiling (GFLOP/s, the engine's calls and layouts)      1 thread  2 threads")
var ceiling: [Int: Double] = [:]
for (m, label) in [(1, "sgemv [256]·[256×768] (one step, batch 1)"), (32, "sgemm [32×256]·[256×768] (one step, batch 32)"), (256, "sgemm [256×256]·[256×768] (one step, batch 256)")] {
    let one = gemmGFLOPs(m: m, n: 768, k: 256, threads: 1)
    let two = gemmGFLOPs(m: m, n: 768, k: 256, threads: 2)
    ceiling[m] = max(one, two)
    print("  " + label.padding(toLength: 56, withPad: " ", startingAt: 0) + String(format: " %8.1f %10.1f", one, two))
}

// MARK: Engine

/// User + system CPU seconds of the whole process so far.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6
}

struct Result {
    var itemsPerCPUSecond: Double
    var itemsPerSecond: Double
    var tokensPerSecond: Double  // real tokens
    var paddedTokensPerSecond: Double
}

func measure(_ engine: InferenceEngine, batchSize: Int, itemCount: Int) throws -> Result {
    let count = min(itemCount, items.count)
    var batches: [(ids: [Int32], lengths: [Int], time: Int)] = []
    var realTokens = 0, paddedTokens = 0
    for start in stride(from: 0, to: count, by: batchSize) {
        let batch = items[start..<min(start + batchSize, count)]
        let time = batch.map(\.count).max()!
        batches.append((batch.flatMap { $0 + [Int32](repeating: 3, count: time - $0.count) }, batch.map(\.count), time))
        realTokens += batch.reduce(0) { $0 + $1.count }
        paddedTokens += time * batch.count
    }
    var samples: [Double] = [], cpuSamples: [Double] = []
    for run in 0..<4 {
        let clock = ContinuousClock()
        let cpuStart = processCPUSeconds()
        let elapsed = try clock.measure {
            for batch in batches { _ = try engine.logits(ids: batch.ids, lengths: batch.lengths, time: batch.time) }
        }
        if run > 0 {
            samples.append(seconds(elapsed))
            cpuSamples.append(processCPUSeconds() - cpuStart)
        }
    }
    let time = median(samples)
    return Result(itemsPerCPUSecond: Double(count) / median(cpuSamples), itemsPerSecond: Double(count) / time, tokensPerSecond: Double(realTokens) / time,
                  paddedTokensPerSecond: Double(paddedTokens) / time)
}

let itemCounts = quick ? [1: 100, 32: 512, 256: 1024] : [1: 400, 32: 2048, 256: 2560]
let setups: [(name: String, configuration: ModelConfiguration, blasThreads: Int, engineThreads: Int)] = [
    ("masked, engine 1 thread, OpenBLAS 2 threads", masked, 2, 1),
    ("masked, engine 1 thread, OpenBLAS 1 thread", masked, 1, 1),
    ("masked, engine 2 threads, OpenBLAS 1 thread", masked, 1, 2),
    ("masked, engine 2 threads, OpenBLAS 2 threads", masked, 2, 2),
    ("notebook (padded), engine 2 threads, OpenBLAS 1 thread", notebook, 1, 2),
]
// `--setup K` (repeatable) runs only the K-th setup above (0-based).
let chosen = arguments.indices.filter { arguments[$0] == "--setup" }.compactMap { Int(arguments[$0 + 1]) }
let activeSetups = chosen.isEmpty ? setups : chosen.map { setups[$0] }
let buildClock = ContinuousClock()
var engines: [InferenceEngine] = []
let buildTime = try buildClock.measure {
    engines = try activeSetups.map { try InferenceEngine(architecture: $0.configuration.architecture, parameters: parameters, options: .init(threadCount: $0.engineThreads)) }
}
print(String(format: "\nengine build: %.2f s each (lookup table [20000×768]); peak RSS after building %d engines: %.0f MB",
             seconds(buildTime) / Double(activeSetups.count), activeSetups.count, peakRSSMegabytes()))

print("\nbatch  items/s  real tok/s  GFLOP/s  ×sgemm-ceiling  items/CPU-s  (padded tok/s)")
for (setup, engine) in zip(activeSetups, engines) {
    print("— \(setup.name)")
    BLAS.setThreadCount(setup.blasThreads)
    for batchSize in [1, 32, 256] {
        let r = try measure(engine, batchSize: batchSize, itemCount: itemCounts[batchSize]!)
        let work = setup.configuration.architecture.padding == .notebook ? r.paddedTokensPerSecond : r.tokensPerSecond
        let gflops = work * flopsPerToken / 1e9
        print(String(format: "%5d %8.0f %11.0f %8.1f %10.2f %14.0f  (%.0f)", batchSize, r.itemsPerSecond,
                     r.tokensPerSecond, gflops,
                     gflops / ceiling[batchSize]!, r.itemsPerCPUSecond, r.paddedTokensPerSecond))
    }
}
print(String(format: "\npeak RSS: %.0f MB (all %d engines, the data and the benchmark buffers)", peakRSSMegabytes(), activeSetups.count))
print("for orientation only, not a ratio (another day, another machine; REFERENCE.md): PyTorch 2.13, 2 threads, padded batches, 135 / 490 / 455 items/s at batch 1 / 32 / 256")
