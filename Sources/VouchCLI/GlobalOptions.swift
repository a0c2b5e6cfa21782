import ArgumentParser
import VouchProtocol
import VouchCrypto
import Foundation
import VouchStore

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The node home directory.",
        discussion: "Default: $VOUCH_HOME, else $XDG_DATA_HOME/vouch, else ~/.local/share/vouch.",
        valueName: "dir"))
    var home: String?

    @Flag(name: .long, help: "Print machine-readable JSON (the same facts as the text output).")
    var json = false

    @Flag(name: .customLong("no-color"), help: "Do not color the output (also when NO_COLOR is set or output is not a terminal).")
    var noColor = false

    var nodeHome: NodeHome { NodeHome.resolve(explicit: home) }

    var output: Output { Output(json: json, color: !noColor && Output.terminalWantsColor) }
}
