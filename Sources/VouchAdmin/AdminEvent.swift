public import Foundation

/// Something that happened in the node, as `vouch events --follow` shows it.
///
/// Types are dotted lowercase names chosen by the node (`invitation.received`, `vouch.created`);
/// this module reserves the `events.` prefix for the stream itself (`events.dropped`).
public struct AdminEvent: Sendable, Hashable {
    public let type: String
    public let time: Date
    /// An object by convention; its members depend on `type`.
    public let data: JSONValue

    public init(type: String, time: Date = Date(), data: JSONValue = [:]) {
        self.type = type
        self.time = time
        self.data = data
    }

    /// The last event a too-slow follower gets before the server disconnects it.
    public static let droppedType = NodeEventType.eventsDropped.rawValue

    /// Milliseconds are enough to order what a person reads and keep the text short; UTC so logs
    /// from different machines compare.
    static let timeFormat = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// The `{"type":…,"time":…,"data":…}` object of an event line.
    var json: JSONValue {
        ["type": .string(type), "time": .string(time.formatted(Self.timeFormat)), "data": data]
    }

    /// Nil unless `json` has a string `type` and an ISO 8601 `time`.
    init?(json: JSONValue) {
        guard let type = json["type"]?.stringValue, let text = json["time"]?.stringValue,
              let time = try? Self.timeFormat.parse(text)
        else { return nil }
        self.init(type: type, time: time, data: json["data"] ?? [:])
    }
}
