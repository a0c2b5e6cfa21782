import Foundation
import VouchAdmin

extension AdminEvent {
    /// The time as `vouch events` prints it: ISO 8601, UTC, whole seconds.
    var timeString: String { ISO8601DateFormatter().string(from: time) }
}
