// swift-tools-version:6.0
// newsclf: a streaming news-topic classifier (see README.md and DESIGN.md in the shared notes).
import PackageDescription

let package = Package(
    name: "NewsClassifier",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "TextPipeline", targets: ["TextPipeline"]),
        .library(name: "SafeTensors", targets: ["SafeTensors"]),
        .library(name: "RecurrentClassifier", targets: ["RecurrentClassifier"]),
        .library(name: "Kafka", targets: ["Kafka"]),
    ],
    dependencies: [],
    targets: [
        // C system libraries (Debian: librdkafka-dev, libopenblas-dev, zlib1g-dev).
        .systemLibrary(
            name: "CRdKafka", pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"]), .brew(["librdkafka"])]),
        .systemLibrary(
            name: "COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"]), .brew(["openblas"])]),
        .systemLibrary(
            name: "CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),

        // AG News CSV, the notebook's tokenizer, the vocabulary, the padding collator.
        .target(name: "TextPipeline", dependencies: ["CZlib"]),
        // The safetensors file format (read and write), independent of any model.
        .target(name: "SafeTensors"),
        // The numerics: embedding, GRU/LSTM/RNN forward and backward, loss, Adam, checkpoints.
        .target(name: "RecurrentClassifier", dependencies: ["COpenBLAS", "SafeTensors"]),
        // A small Swift API over librdkafka.
        .target(name: "Kafka", dependencies: ["CRdKafka"]),

        // Training throughput benchmark (scripts/bench-training).
        .executableTarget(name: "TrainingBenchmark", dependencies: ["RecurrentClassifier"], path: "Benchmarks/TrainingBenchmark"),

        .testTarget(name: "TextPipelineTests", dependencies: ["TextPipeline"]),
        .testTarget(name: "SafeTensorsTests", dependencies: ["SafeTensors"]),
        .testTarget(
            name: "RecurrentClassifierTests",
            dependencies: ["RecurrentClassifier", "SafeTensors"]),
        .testTarget(name: "KafkaTests", dependencies: ["Kafka"]),
    ],
    swiftLanguageModes: [.v6]
)
