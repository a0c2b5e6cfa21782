import Foundation
import VouchCLI

// Arguments are checked as raw bytes first: Swift would quietly repair invalid UTF-8 into U+FFFD,
// and a profile field must never be stored as something other than what was typed.
for index in 1..<Int(CommandLine.argc) {
    guard let raw = CommandLine.unsafeArgv[index] else { continue }
    let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(raw).assumingMemoryBound(to: UInt8.self), count: strlen(raw))
    if String(validating: bytes, as: UTF8.self) == nil {
        let message = "argument \(index) is not valid UTF-8 text"
        let json = CommandLine.arguments.contains("--json")
        let line = json ? #"{"error":{"code":"invalid-text","exit_status":65,"message":"\#(message)"}}"# : "vouch: error: \(message)"
        FileHandle.standardError.write(Data((line + "\n").utf8))
        exit(65)
    }
}
exit(await VouchCommand.run(arguments: Array(CommandLine.arguments.dropFirst())))
