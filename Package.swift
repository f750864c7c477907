// swift-tools-version:6.2
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
        .library(name: "Classification", targets: ["Classification"]),
        .library(name: "Training", targets: ["Training"]),
        .executable(name: "newsclf", targets: ["newsclf"]),
        .executable(name: "newsclf-train", targets: ["newsclf-train"]),
        .executable(name: "newsclf-worker", targets: ["newsclf-worker"]),
        .executable(name: "newsclf-demo", targets: ["newsclf-demo"]),
    ],
    dependencies: [
        // SHA-256 of model.safetensors (the checkpoint digest the worker reports).
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // Worker metrics (API), their Prometheus exposition, and the small HTTP server for
        // /metrics, /healthz, /readyz (FlyingFox: no dependencies, ~13 s clean debug build).
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
        // Services started in order and shut down gracefully in reverse on SIGTERM/SIGINT
        // (ServiceGroup), and Unix signals as an async sequence (SIGHUP reloads).
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // Settings from flags, a JSON file and the environment, in that precedence, secrets redacted.
        .package(
            url: "https://github.com/apple/swift-configuration", from: "1.4.0",
            traits: [.defaults, "CommandLineArguments"]),
    ],
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
        .target(
            name: "RecurrentClassifier",
            dependencies: ["COpenBLAS", "SafeTensors", .product(name: "Crypto", package: "swift-crypto")]),
        // A small Swift API over librdkafka.
        .target(
            name: "Kafka",
            dependencies: ["CRdKafka", .product(name: "Logging", package: "swift-log")]),
        // Text in, labels out: message schemas, checkpoint → tokenizer + vocabulary + engine.
        .target(name: "Classification", dependencies: ["TextPipeline", "RecurrentClassifier"]),
        // The service: batching, classification, output and dead-letter publishing, commit policy,
        // reload, health, metrics, systemd integration.
        .target(
            name: "Worker",
            dependencies: [
                "Kafka", "Classification", "TextPipeline", "RecurrentClassifier",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "FlyingFox", package: "FlyingFox"),
                .product(name: "FlyingSocks", package: "FlyingFox"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]),

        // Training: data reading, validation split, the training loop, resume state, learning curves.
        .target(
            name: "Training",
            dependencies: ["Classification", "TextPipeline", "RecurrentClassifier", "SafeTensors"]),

        // What the executables share: the entry point (OpenBLAS kernel choice, DESIGN.md's exit
        // codes) and signal handling.
        .target(
            name: "CommandLineSupport",
            dependencies: ["RecurrentClassifier", .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        // `newsclf-train`: AG News → a checkpoint directory (a thin command line over Training).
        .executableTarget(
            name: "newsclf-train",
            dependencies: [
                "Training", "CommandLineSupport", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]),

        // The daemon: `newsclf-worker` (consume, classify, publish; signals, embedded broker).
        .executableTarget(
            name: "newsclf-worker",
            dependencies: [
                "Worker", "Kafka", "Classification", "RecurrentClassifier", "CommandLineSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]),

        // The demo (scripts/demo): AG News items through a child `newsclf-worker` over Kafka, and
        // the report (accuracy, confusion matrix, items/s, latency, shutdown); shared with
        // WorkerBenchmark (label collection, latency percentiles).
        .target(
            name: "Demo",
            dependencies: [
                "Kafka", "Classification", "TextPipeline", "CommandLineSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]),
        .executableTarget(
            name: "newsclf-demo",
            dependencies: [
                "Demo", "CommandLineSupport", "Classification",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]),

        // `newsclf classify | eval | inspect | dev-broker`.
        .executableTarget(
            name: "newsclf",
            dependencies: [
                "Classification", "RecurrentClassifier", "TextPipeline", "CommandLineSupport",
                "Kafka", "Worker",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]),

        // Benchmarks (scripts/bench-*), built in release only by those scripts.
        .executableTarget(
            name: "TextPipelineBenchmark", dependencies: ["TextPipeline"],
            path: "Benchmarks/TextPipelineBenchmark"),

        // Inference throughput (scripts/bench-inference).
        .executableTarget(
            name: "InferenceBenchmark", dependencies: ["RecurrentClassifier", "SafeTensors"],
            path: "Benchmarks/InferenceBenchmark"),

        // Training throughput benchmark (scripts/bench-training).
        .executableTarget(name: "TrainingBenchmark", dependencies: ["RecurrentClassifier"], path: "Benchmarks/TrainingBenchmark"),

        // End-to-end worker throughput and latency on the mock cluster (scripts/bench-worker).
        .executableTarget(
            name: "WorkerBenchmark",
            dependencies: [
                "Worker", "Kafka", "Classification", "RecurrentClassifier", "TextPipeline", "Demo",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/WorkerBenchmark"),

        .testTarget(name: "TextPipelineTests", dependencies: ["TextPipeline"]),
        .testTarget(name: "SafeTensorsTests", dependencies: ["SafeTensors"]),
        .testTarget(
            name: "RecurrentClassifierTests",
            dependencies: ["RecurrentClassifier", "SafeTensors"]),
        .testTarget(
            name: "KafkaTests",
            dependencies: ["Kafka", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "ClassificationTests", dependencies: ["Classification"]),
        .testTarget(
            name: "WorkerTests",
            dependencies: [
                "Worker", "Kafka", "Classification", "RecurrentClassifier", "TextPipeline",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ]),
        .testTarget(
            name: "TrainingTests",
            dependencies: ["Training", "Classification", "RecurrentClassifier", "TextPipeline", "newsclf-train"]),
        .testTarget(
            name: "DemoTests",
            dependencies: [
                "Demo", "Classification", "Kafka", "TextPipeline", "newsclf-demo", "newsclf-worker",
                .product(name: "Logging", package: "swift-log"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
