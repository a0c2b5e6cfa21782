public import Foundation
public import Logging
import VouchProtocol

/// The daemon's log handler: one line per record on standard error, in the shape of swift-log's
/// `StreamLogHandler` (`time level label: message key=value …`), except that the message and every
/// metadata value pass through `UntrustedText.escaped` and values are quoted when they hold a space
/// or a quote. A message type or error text from a peer therefore cannot end the line and forge
/// another, however a call site forgot to escape it.
public struct NodeLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let write: @Sendable (String) -> Void

    public init(label: String, write: @escaping @Sendable (String) -> Void = NodeLogHandler.standardError) {
        self.label = label
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        write(Self.line(time: Date(), level: event.level, label: label, message: "\(event.message)", metadata: merged))
    }

    /// One record as a line (with its newline).
    public static func line(time: Date, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata) -> String {
        var line = "\(timestamp(time)) \(level) \(UntrustedText.escaped(label)): \(UntrustedText.escaped(message))"
        for key in metadata.keys.sorted() {
            line += " \(UntrustedText.escaped(key))=\(quoted(UntrustedText.escaped("\(metadata[key]!)")))"
        }
        return line + "\n"
    }

    private static func quoted(_ value: String) -> String {
        guard value.isEmpty || value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    private static func timestamp(_ time: Date) -> String {
        time.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }

    public static let standardError: @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data(line.utf8))
    }
}
