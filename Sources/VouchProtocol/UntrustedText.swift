/// Text from a peer (a message type, an error message, a profile field) made safe for a log line
/// or a terminal. A peer must not be able to start a new log line, forge one, move the cursor,
/// recolour a terminal or reorder what is shown, so every character that could is written as a
/// visible escape: C0 and C1 controls and DEL (`\n`, `\r`, `\t`, else `\u{1B}`), the line and
/// paragraph separators, and the bidirectional controls (U+061C, U+200E, U+200F, U+202A–U+202E,
/// U+2066–U+2069). A backslash is doubled, so an escape in the output always means one was made.
public enum UntrustedText {
    public static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029, 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069:
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Whether `text` would be changed by `escaped`.
    public static func needsEscaping(_ text: String) -> Bool {
        escaped(text) != text
    }
}
