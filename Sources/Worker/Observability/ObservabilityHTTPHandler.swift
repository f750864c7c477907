import FlyingFox
import Foundation
import Prometheus

/// Answers the observability endpoints:
///
/// - `GET /metrics`: the registry in the Prometheus text exposition format 0.0.4
///   (content type `text/plain; version=0.0.4; charset=utf-8`);
/// - `GET /healthz`: 200 `live` while ``WorkerHealth/isLive`` (the batch loop made progress
///   within the liveness window), else 503 `not live`;
/// - `GET /readyz`: 200 `ready` while ``WorkerHealth/readiness`` is ready, else 503 with the
///   reason (e.g. `not ready: starting`);
/// - `HEAD` of each: the same status and headers without a body; other methods: 405 with
///   `Allow: GET, HEAD`; any other path: 404.
///
/// Query strings are ignored (Prometheus may append some).
struct ObservabilityHTTPHandler: HTTPHandler {
    /// The Prometheus text exposition format's content type
    /// (https://prometheus.io/docs/instrumenting/exposition_formats/).
    static let metricsContentType = "text/plain; version=0.0.4; charset=utf-8"
    static let textContentType = "text/plain; charset=utf-8"

    let registry: PrometheusCollectorRegistry
    let health: WorkerHealth

    func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
        response(method: request.method, path: request.path)
    }

    /// The response for a request line (method and path without the query).
    func response(method: HTTPMethod, path: String) -> HTTPResponse {
        let body: (status: HTTPStatusCode, contentType: String, bytes: [UInt8])
        switch path {
        case "/metrics":
            body = (.ok, Self.metricsContentType, registry.emitToBuffer())
        case "/healthz":
            body = health.isLive
                ? (.ok, Self.textContentType, Array("live\n".utf8))
                : (.serviceUnavailable, Self.textContentType, Array("not live\n".utf8))
        case "/readyz":
            let readiness = health.readiness
            body = readiness.ready
                ? (.ok, Self.textContentType, Array("ready\n".utf8))
                : (.serviceUnavailable, Self.textContentType, Array("not ready: \(readiness.reason)\n".utf8))
        default:
            return HTTPResponse(
                statusCode: .notFound, headers: [.contentType: Self.textContentType],
                body: Data("not found: \(path)\n".utf8))
        }
        switch method {
        case .GET:
            return HTTPResponse(
                statusCode: body.status, headers: [.contentType: body.contentType], body: Data(body.bytes))
        case .HEAD:
            return HTTPResponse(
                statusCode: body.status,
                headers: [.contentType: body.contentType, .contentLength: String(body.bytes.count)])
        default:
            return HTTPResponse(
                statusCode: .methodNotAllowed,
                headers: [.contentType: Self.textContentType, HTTPHeader("Allow"): "GET, HEAD"],
                body: Data("method not allowed: \(method.rawValue)\n".utf8))
        }
    }
}
