// Tokenizer throughput of TextPipeline (run it through scripts/bench-tokenizer, in a release build).
//
//   TextPipelineBenchmark AG_NEWS_CSV[.gz] VOCAB_TXT [SECONDS_PER_MEASUREMENT]
//
// Times, over every row of the file (title + " " + description), the best of repeated passes of:
// notebook-v1 tokenize+encode (TextEncoder.encode: lower, strip, NLTK rules, vocabulary ids,
// <bos>/<eos>, cut at 256), tokenize to [String], and normalized-v1 tokenize+encode. Prints items/s
// and MB/s (MB = 10^6 bytes of raw UTF-8 text), and a last line `items_per_second N` with the
// notebook-v1 tokenize+encode figure for the script to compare.
import Foundation
import TextPipeline

/// The measurements, outside the main actor (top-level code is main-actor isolated, and its
/// closures would pay an executor check on every call).
struct Benchmark: Sendable {
    let texts: [String]
    let bytes: Int
    let vocabulary: Vocabulary
    let seconds: Double

    /// Runs `pass` (one pass over all texts, returning a checksum) repeatedly for about `seconds`
    /// and returns the fastest pass's duration in seconds.
    func bestPass(_ pass: () -> Int) -> (seconds: Double, checksum: Int) {
        var best = Double.infinity
        var checksum = 0
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int(seconds * 1000))
        var passes = 0
        repeat {
            let start = clock.now
            checksum = pass()
            let elapsed = clock.now - start
            let value = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            best = min(best, value)
            passes += 1
        } while clock.now < deadline || passes < 3
        return (best, checksum)
    }

    func report(_ name: String, _ pass: () -> Int) -> Double {
        let result = bestPass(pass)
        let itemsPerSecond = Double(texts.count) / result.seconds
        let megabytesPerSecond = Double(bytes) / result.seconds / 1e6
        print(String(
            format: "swift  %@ %7.1f ms/pass  %10.0f items/s  %7.1f MB/s  (checksum %d)",
            name.padding(toLength: 38, withPad: " ", startingAt: 0) as NSString, result.seconds * 1e3,
            itemsPerSecond, megabytesPerSecond, result.checksum))
        return itemsPerSecond
    }

    /// Prints every measurement; returns notebook-v1 tokenize+encode items/s.
    func run() throws -> Double {
        let texts = self.texts
        let encoder = try TextEncoder(tokenizer: Tokenizer(preprocessing: .notebookV1), vocabulary: vocabulary)
        let normalizedEncoder = try TextEncoder(tokenizer: Tokenizer(preprocessing: .normalizedV1), vocabulary: vocabulary)
        let tokenizer = Tokenizer()

        let encode = report("notebook-v1 tokenize+encode") {
            texts.reduce(0) { sum, text in sum &+ encoder.encode(text).ids.reduce(0) { $0 &+ Int($1) } }
        }
        _ = report("notebook-v1 tokenize (bytes only)") {
            texts.reduce(0) { sum, text in
                var count = 0
                tokenizer.forEachToken(in: text) { count &+= $0.count }
                return sum &+ count
            }
        }
        _ = report("notebook-v1 tokenize -> [String]") {
            texts.reduce(0) { $0 &+ tokenizer.tokenize($1).count }
        }
        _ = report("normalized-v1 tokenize+encode") {
            texts.reduce(0) { sum, text in sum &+ normalizedEncoder.encode(text).ids.reduce(0) { $0 &+ Int($1) } }
        }
        return encode
    }
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: TextPipelineBenchmark AG_NEWS_CSV[.gz] VOCAB_TXT [SECONDS]\n".utf8))
    exit(2)
}
let seconds = arguments.count > 3 ? Double(arguments[3]) ?? 2 : 2

let texts: [String]
let vocabulary: Vocabulary
do {
    texts = try AGNewsReader.read(contentsOf: URL(fileURLWithPath: arguments[1])).map(\.text)
    vocabulary = try Vocabulary(contentsOf: URL(fileURLWithPath: arguments[2]))
} catch {
    FileHandle.standardError.write(Data("TextPipelineBenchmark: \(error)\n".utf8))
    exit(1)
}
let bytes = texts.reduce(0) { $0 + $1.utf8.count }
print("data: \(texts.count) items, \(bytes) bytes; vocabulary: \(vocabulary.count) tokens")
do {
    let rate = try Benchmark(texts: texts, bytes: bytes, vocabulary: vocabulary, seconds: seconds).run()
    print("items_per_second \(Int(rate.rounded()))")
} catch {
    FileHandle.standardError.write(Data("TextPipelineBenchmark: \(error)\n".utf8))
    exit(1)
}
