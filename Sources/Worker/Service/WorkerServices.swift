import Logging
import ServiceLifecycle
import UnixSignals

/// The services of `newsclf-worker` and the `ServiceGroup` that runs them.
///
/// Start order (a service may rely on those before it):
/// 1. the observability server (`/metrics`, `/healthz`, `/readyz`), when configured;
/// 2. the consumer-lag reporter;
/// 3. systemd's watchdog keep-alive, when systemd asked for one;
/// 4. the SIGHUP model reload;
/// 5. the classification service.
///
/// Graceful shutdown (SIGTERM, SIGINT) goes in reverse: the classification service drains first,
/// while the keep-alives, the lag and the health endpoints still serve; the observability server
/// stops last. The drain deadline is ``maximumGracefulShutdownDuration``: past it the group
/// cancels its services, and past ``maximumCancellationDuration`` more the library ends the
/// process.
public struct WorkerServices: Sendable {
    public var observability: (any Service)?
    public var consumerLag: any Service
    public var watchdog: (any Service)?
    public var modelReload: any Service
    public var classification: any Service
    /// How long a graceful shutdown may take before the group cancels its services
    /// (`drain_timeout_ms` plus a margin for the commit and the group leave).
    public var maximumGracefulShutdownDuration: Duration
    /// How long cancelled services may take to return before the library ends the process.
    public var maximumCancellationDuration: Duration

    /// The margin added to `drain_timeout_ms` for ``maximumGracefulShutdownDuration``.
    public static let drainMargin: Duration = .seconds(15)

    /// - Parameters:
    ///   - drainTimeout: `drain_timeout_ms`; the graceful-shutdown deadline is this plus
    ///     ``drainMargin``.
    ///   - maximumCancellationDuration: default 5 s.
    public init(
        observability: (any Service)?, consumerLag: any Service, watchdog: (any Service)?,
        modelReload: any Service, classification: any Service, drainTimeout: Duration,
        maximumCancellationDuration: Duration = .seconds(5)
    ) {
        self.observability = observability
        self.consumerLag = consumerLag
        self.watchdog = watchdog
        self.modelReload = modelReload
        self.classification = classification
        self.maximumGracefulShutdownDuration = drainTimeout + Self.drainMargin
        self.maximumCancellationDuration = maximumCancellationDuration
    }

    /// The services in start order, as the group runs them. When the classification service
    /// returns (it drained), the group shuts the others down gracefully; when it throws, the
    /// group cancels them. When the observability server fails while serving, the group shuts
    /// down gracefully and ends with its error.
    public var serviceConfigurations: [ServiceGroupConfiguration.ServiceConfiguration] {
        typealias Configuration = ServiceGroupConfiguration.ServiceConfiguration
        var services: [Configuration] = []
        if let observability {
            services.append(
                Configuration(
                    service: observability, failureTerminationBehavior: .gracefullyShutdownGroup,
                    serviceName: "observability"))
        }
        services.append(Configuration(service: consumerLag, serviceName: "consumer-lag"))
        if let watchdog { services.append(Configuration(service: watchdog, serviceName: "watchdog")) }
        services.append(Configuration(service: modelReload, serviceName: "model-reload"))
        services.append(
            Configuration(
                service: classification, successTerminationBehavior: .gracefullyShutdownGroup,
                serviceName: "classification"))
        return services
    }

    /// The group's configuration: ``serviceConfigurations``, SIGTERM and SIGINT as
    /// graceful-shutdown signals, and the deadlines.
    public func groupConfiguration(logger: Logger) -> ServiceGroupConfiguration {
        var configuration = ServiceGroupConfiguration(
            services: serviceConfigurations, gracefulShutdownSignals: Self.gracefulShutdownSignals, logger: logger)
        configuration.maximumGracefulShutdownDuration = maximumGracefulShutdownDuration
        configuration.maximumCancellationDuration = maximumCancellationDuration
        return configuration
    }

    /// The signals that drain the worker.
    public static let gracefulShutdownSignals: [UnixSignal] = [.sigterm, .sigint]
}
