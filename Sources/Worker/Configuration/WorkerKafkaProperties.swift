/// The librdkafka properties that pass through the worker's configuration (`kafka.<property>` in
/// the file, `NEWSCLF_KAFKA_<PROPERTY>`, `--kafka <property>=<value>`): their names in each
/// layer, those the worker sets itself, and those only a consumer takes.
///
/// swift-configuration's `ConfigReader` reads the values (in the settings' precedence), but it
/// cannot list keys, so the names are collected here.
enum WorkerKafkaProperties {
    /// The environment variable prefix of a property: `NEWSCLF_KAFKA_`.
    static let environmentPrefix = WorkerSetting.environmentPrefix + "KAFKA_"

    /// The property an environment variable names (`NEWSCLF_KAFKA_SASL_USERNAME` →
    /// `sasl.username`: lower case, underscores become dots), if it is one.
    static func property(environmentVariable name: String) -> String? {
        guard name.uppercased().hasPrefix(environmentPrefix) else { return nil }
        return name.dropFirst(environmentPrefix.count).lowercased().replacingOccurrences(of: "_", with: ".")
    }

    /// `NEWSCLF_KAFKA_SASL_USERNAME` for `sasl.username`.
    static func environmentVariable(property: String) -> String {
        environmentPrefix + property.uppercased().replacingOccurrences(of: ".", with: "_")
    }

    /// Properties the worker sets from its own settings, with the setting to use instead;
    /// overriding them would break its delivery guarantee (e.g. `enable.auto.commit=false`:
    /// nothing committed) or bypass the setting's checks.
    static let reserved: [(property: String, setting: String)] = [
        ("bootstrap.servers", "bootstrap_servers"), ("group.id", "group_id"),
        ("transactional.id", "transactional_id"), ("enable.auto.commit", "processing_guarantee"),
        ("enable.auto.offset.store", "processing_guarantee"), ("isolation.level", "processing_guarantee"),
        ("enable.idempotence", "processing_guarantee"),
        ("partition.assignment.strategy", "partition_assignment"), ("group.instance.id", "static_membership"),
    ]

    /// Properties only a consumer takes.
    static let consumerOnly: Set<String> = [
        "session.timeout.ms", "heartbeat.interval.ms", "max.poll.interval.ms",
        "auto.offset.reset", "enable.auto.commit", "auto.commit.interval.ms",
        "enable.auto.offset.store", "partition.assignment.strategy", "isolation.level",
        "enable.partition.eof", "group.id", "group.instance.id", "fetch.min.bytes",
        "fetch.wait.max.ms", "fetch.max.bytes", "max.partition.fetch.bytes",
    ]

    /// Drops consumer-only properties, so that one `kafka.*` set can serve both clients
    /// without librdkafka's "property is for consumers" warnings.
    static func producerProperties(_ properties: [String: String]) -> [String: String] {
        properties.filter { !consumerOnly.contains($0.key) }
    }
}
