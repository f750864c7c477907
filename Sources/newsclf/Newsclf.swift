import ArgumentParser
import CommandLineSupport
import Foundation
import RecurrentNetwork

/// `newsclf`: classify texts, evaluate a model on AG News, compare a candidate model with the
/// current one, calibrate a checkpoint's temperature, inspect a checkpoint, run a development
/// Kafka broker.
///
/// Exit codes (DESIGN.md "Interfaces"): 0 success, 1 runtime failure, 2 usage or bad input
/// (ArgumentParser's own usage errors, `EX_USAGE` 64, are reported as 2), 3 a verdict that
/// refuses (`compare`).
@main
struct Newsclf: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "newsclf",
        abstract: "Classify news by topic with a newsclf checkpoint.",
        subcommands: [
            ClassifyCommand.self, EvalCommand.self, CompareCommand.self, CalibrateCommand.self, InspectCommand.self, DevBrokerCommand.self])

    static func main() async {
        await runNewsclfCommand()
    }
}
