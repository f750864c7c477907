/// Masks secret librdkafka properties so that a configuration can be printed or logged.
///
/// A property counts as secret when its name (case-insensitively) contains one of
/// ``sensitiveFragments``: this covers librdkafka's sensitive properties (`sasl.password`,
/// `ssl.key.password`, `ssl.keystore.password`, `ssl.key.pem`, `ssl_key`,
/// `sasl.oauthbearer.client.secret`, `sasl.oauthbearer.config`) and similar names used by
/// plugins or future versions.
public enum KafkaRedaction {
    /// What a secret value is replaced with.
    public static let mask = "********"

    /// Name fragments that mark a property as secret.
    public static let sensitiveFragments = [
        "password", "secret", "key.pem", "ssl_key", "sasl.oauthbearer.config", "token",
        "credential", "private",
    ]

    /// Whether the property `name` holds a secret.
    public static func isSensitive(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return sensitiveFragments.contains { lowered.contains($0) }
    }

    /// The properties with every secret value replaced by ``mask``.
    public static func redacted(_ properties: [String: String]) -> [String: String] {
        var result = properties
        for name in properties.keys where isSensitive(name) {
            result[name] = mask
        }
        return result
    }

    /// One `name=value` line per property, sorted by name, secrets masked.
    public static func describe(_ properties: [String: String]) -> String {
        redacted(properties).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            .joined(separator: "\n")
    }
}
