// swift-tools-version:6.2
// newsclf: a streaming news-topic classifier (see README.md and DESIGN.md in the shared notes).
import PackageDescription

let package = Package(
    name: "NewsClassifier",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "TextPipeline", targets: ["TextPipeline"]),
        .library(name: "SafeTensors", targets: ["SafeTensors"]),
        .library(name: "ComputeRuntime", targets: ["ComputeRuntime"]),
        .library(name: "RecurrentNetwork", targets: ["RecurrentNetwork"]),
        .library(name: "JSON", targets: ["JSON"]),
        .library(name: "Checkpoint", targets: ["Checkpoint"]),
        .library(name: "WireFormat", targets: ["WireFormat"]),
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

        // AG News CSV, the notebook's tokenizer, the vocabulary, the padding collator; the
        // preprocessing ids and special tokens a checkpoint names.
        .target(name: "TextPipeline", dependencies: ["CZlib"]),
        // The safetensors file format (read and write), independent of any model.
        .target(name: "SafeTensors"),
        // Platform code for the numerics: BLAS (OpenBLAS), the OpenBLAS kernel re-exec, the
        // parallel-for helper.
        .target(name: "ComputeRuntime", dependencies: ["COpenBLAS"]),
        // The numerics: tensors, GRU/LSTM/RNN cells forward and backward, the classifier network,
        // loss, Adam, clipping, and the inference engine. Knows nothing of text, files or Kafka.
        .target(name: "RecurrentNetwork", dependencies: ["ComputeRuntime"]),
        // One JSON value type (messages, metrics.json, configuration files) and a strict RFC 8259
        // parser with line and column (configuration files: no trailing comma, no duplicate key).
        .target(name: "JSON"),
        // The checkpoint directory format: config.json, model.safetensors, vocab.txt, metrics.json.
        .target(
            name: "Checkpoint",
            dependencies: [
                "RecurrentNetwork", "SafeTensors", "TextPipeline", "JSON",
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        // The messages on the topics: input and output schemas, dead-letter reasons, default
        // topics, header names.
        .target(name: "WireFormat", dependencies: ["JSON", "TextPipeline"]),
        // A small Swift API over librdkafka.
        .target(
            name: "Kafka",
            dependencies: ["CRdKafka", .product(name: "Logging", package: "swift-log")]),
        // Text in, labels out: checkpoint → tokenizer + vocabulary + engine; evaluation.
        .target(
            name: "Classification",
            dependencies: ["Checkpoint", "RecurrentNetwork", "TextPipeline", "WireFormat", "JSON"]),
        // The service: configuration (swift-configuration), the at-least-once and exactly-once
        // pipelines, the ServiceGroup's services, observability, model reload, systemd.
        .target(
            name: "Worker",
            dependencies: [
                "Kafka", "Classification", "TextPipeline", "RecurrentNetwork", "ComputeRuntime", "WireFormat", "JSON",
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
            dependencies: [
                "Checkpoint", "RecurrentNetwork", "TextPipeline", "Classification", "SafeTensors", "WireFormat", "JSON",
            ]),

        // What the executables share: the entry point (OpenBLAS kernel choice, DESIGN.md's exit
        // codes). Signals are swift-service-lifecycle's.
        .target(
            name: "CommandLineSupport",
            dependencies: ["ComputeRuntime", .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        // `newsclf-train`: AG News → a checkpoint directory (a thin command line over Training).
        .executableTarget(
            name: "newsclf-train",
            dependencies: [
                "Training", "RecurrentNetwork", "ComputeRuntime", "TextPipeline", "CommandLineSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]),

        // The daemon: `newsclf-worker` (consume, classify, publish; signals, embedded broker).
        .executableTarget(
            name: "newsclf-worker",
            dependencies: [
                "Worker", "Kafka", "Classification", "RecurrentNetwork", "CommandLineSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]),

        // What the demo and the worker benchmark share: items published to the input topic, labels
        // and dead letters collected and matched back, the stream report (exactly-once check,
        // accuracy, latency percentiles, throughput).
        .target(
            name: "StreamHarness",
            dependencies: [
                "Kafka", "WireFormat", "JSON", "Classification", "TextPipeline",
                .product(name: "Logging", package: "swift-log"),
            ]),
        // The demo (scripts/demo): AG News items through a child `newsclf-worker` over Kafka, and
        // its report (accuracy, confusion matrix, items/s, latency, shutdown).
        .target(
            name: "Demo",
            dependencies: [
                "StreamHarness", "Kafka", "Classification", "WireFormat", "TextPipeline", "CommandLineSupport",
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

        // `newsclf classify | eval | calibrate | inspect | dev-broker` (calibrate reads data and the
        // validation split as Training does).
        .executableTarget(
            name: "newsclf",
            dependencies: [
                "Classification", "Checkpoint", "RecurrentNetwork", "ComputeRuntime", "TextPipeline", "WireFormat",
                "CommandLineSupport", "Kafka", "Training",
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
            name: "InferenceBenchmark", dependencies: ["RecurrentNetwork", "ComputeRuntime", "Checkpoint", "SafeTensors"],
            path: "Benchmarks/InferenceBenchmark"),

        // Training throughput benchmark (scripts/bench-training).
        .executableTarget(
            name: "TrainingBenchmark", dependencies: ["RecurrentNetwork", "ComputeRuntime", "Checkpoint"],
            path: "Benchmarks/TrainingBenchmark"),

        // End-to-end worker throughput and latency on the mock cluster (scripts/bench-worker).
        .executableTarget(
            name: "WorkerBenchmark",
            dependencies: [
                "Worker", "Kafka", "Classification", "ComputeRuntime", "TextPipeline", "StreamHarness",
                .product(name: "Logging", package: "swift-log"),
                // The shadow's dropped-batch and agreement counts in `--shadow-model` runs.
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            path: "Benchmarks/WorkerBenchmark"),

        // What the test targets share: the package and `../shared` fixture paths, the mock
        // broker with topics, the records a stream run reads back.
        .target(
            name: "TestSupport",
            dependencies: [
                "Kafka", "Classification", "StreamHarness", "TextPipeline", "WireFormat",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/TestSupport"),

        .testTarget(name: "TextPipelineTests", dependencies: ["TextPipeline", "TestSupport"]),
        .testTarget(name: "SafeTensorsTests", dependencies: ["SafeTensors", "TestSupport"]),
        .testTarget(name: "ComputeRuntimeTests", dependencies: ["ComputeRuntime"]),
        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(
            name: "RecurrentNetworkTests",
            dependencies: ["RecurrentNetwork", "ComputeRuntime", "Checkpoint", "SafeTensors", "TestSupport"]),
        .testTarget(
            name: "CheckpointTests",
            dependencies: ["Checkpoint", "RecurrentNetwork", "SafeTensors", "TextPipeline", "JSON", "TestSupport"]),
        .testTarget(
            name: "KafkaTests",
            dependencies: ["Kafka", "TestSupport", .product(name: "Logging", package: "swift-log")]),
        .testTarget(
            name: "WireFormatTests", dependencies: ["WireFormat", "JSON", "Classification", "RecurrentNetwork"]),
        .testTarget(
            name: "ClassificationTests",
            dependencies: ["Classification", "Checkpoint", "TextPipeline", "TestSupport"],
            // Read by path (`#filePath`), not as bundle resources.
            exclude: ["Fixtures"]),
        .testTarget(
            name: "WorkerTests",
            dependencies: [
                "Worker", "Kafka", "Classification", "Checkpoint", "RecurrentNetwork", "TextPipeline", "WireFormat",
                "JSON", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ],
            // Read by path (`#filePath`), not as bundle resources.
            exclude: ["Fixtures"]),
        .testTarget(
            name: "TrainingTests",
            dependencies: [
                "Training", "Checkpoint", "Classification", "RecurrentNetwork", "TextPipeline", "TestSupport",
                "newsclf-train",
            ]),
        .testTarget(
            name: "StreamHarnessTests",
            dependencies: [
                "StreamHarness", "Kafka", "WireFormat", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "DemoTests",
            dependencies: [
                "Demo", "StreamHarness", "Classification", "Kafka", "TextPipeline", "TestSupport", "newsclf-demo",
                "newsclf-worker",
                .product(name: "Logging", package: "swift-log"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
