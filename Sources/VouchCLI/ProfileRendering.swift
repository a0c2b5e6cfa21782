import Foundation
import VouchProtocol

/// How profiles look in text and JSON, in one place for `profile show` and `verify`.
enum ProfileRendering {
    static func timestamp(_ seconds: UInt64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// The owner's own profile, with each field's audience.
    static func json(_ profile: Profile) -> [String: Any] {
        var fields: [String: Any] = [:]
        for (field, entry) in profile.fields {
            fields[field.rawValue] = ["value": entry.value, "audience": entry.audience.rawValue]
        }
        return ["version": profile.version, "updated": timestamp(profile.updatedAt), "fields": fields,
                "links": ["urls": profile.links, "audience": profile.linksAudience.rawValue],
                "endpoints": profile.endpoints.map(\.description)]
    }

    static func text(_ profile: Profile, output: Output) -> String {
        guard profile.version > 0 else {
            return "The profile is empty. Set it with: vouch profile set --name \"Your Name\" --headline \"What you do\""
        }
        var lines = ["Profile version \(profile.version), updated \(timestamp(profile.updatedAt))"]
        for field in ProfileField.allCases {
            guard let entry = profile.fields[field] else { continue }
            lines.append(row(field.rawValue, entry.value, audience: entry.audience, output: output))
        }
        for link in profile.links { lines.append(row("link", link, audience: profile.linksAudience, output: output)) }
        for endpoint in profile.endpoints { lines.append(row("endpoint", endpoint.description, audience: nil, output: output)) }
        return lines.joined(separator: "\n")
    }

    /// A signed profile view, as `verify` shows it.
    static func json(_ document: ProfileDocument) -> [String: Any] {
        ["version": document.version, "updated": timestamp(document.updatedAt), "audience": document.audience.rawValue,
         "fields": Dictionary(uniqueKeysWithValues: document.fields.map { ($0.key.rawValue, $0.value) }),
         "links": document.links, "endpoints": document.endpoints.map(\.description)]
    }

    static func text(_ document: ProfileDocument, output: Output) -> String {
        var lines = ["Profile version \(document.version) for \(document.audience.rawValue), updated \(timestamp(document.updatedAt))"]
        for field in ProfileField.allCases {
            guard let value = document.fields[field] else { continue }
            lines.append(row(field.rawValue, value, audience: nil, output: output))
        }
        for link in document.links { lines.append(row("link", link, audience: nil, output: output)) }
        for endpoint in document.endpoints { lines.append(row("endpoint", endpoint.description, audience: nil, output: output)) }
        return lines.joined(separator: "\n")
    }

    private static func row(_ label: String, _ value: String, audience: Audience?, output: Output) -> String {
        let padded = label.padding(toLength: 13, withPad: " ", startingAt: 0)
        // A multi-line summary is indented under its label.
        let shown = value.replacingOccurrences(of: "\n", with: "\n" + String(repeating: " ", count: 15))
        let suffix = audience.map { "  " + output.dim("[\($0 == .everyone ? "everyone" : "connections only")]") } ?? ""
        return "  \(output.bold(padded))\(shown)\(suffix)"
    }
}
