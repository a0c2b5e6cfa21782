import Foundation
import VouchStore

/// A `vouch …` command line to suggest to the user, naming the node home when it is not the
/// default one: pasting a hint must act on the node the user was working with, never silently on
/// another.
enum CommandHint {
    static func vouch(_ words: String, home: NodeHome) -> String {
        isDefault(home) ? "vouch \(words)" : "vouch \(words) --home \(shellQuoted(home.path))"
    }

    /// " (node home DIR)" for output that changed a home other than the default one, so the
    /// person sees which node they acted on; empty for the default home.
    static func which(_ home: NodeHome) -> String {
        isDefault(home) ? "" : " (node home \(home.path))"
    }

    static func isDefault(_ home: NodeHome) -> Bool {
        home.url.standardizedFileURL.path == NodeHome.resolve(explicit: nil).url.standardizedFileURL.path
    }

    /// `text` as one shell word: unchanged when it holds only safe characters, else in single quotes.
    static func shellQuoted(_ text: String) -> String {
        let safe = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+:@%,")
        if !text.isEmpty, text.unicodeScalars.allSatisfy(safe.contains) { return text }
        return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
