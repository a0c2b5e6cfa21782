import ArgumentParser
import VouchStore
import VouchCrypto
import Foundation
import VouchProtocol

struct ProfileSetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Change profile fields and who may see them.",
        discussion: """
            Only the fields you name change. An empty value ("") removes a field. New fields are \
            visible to everyone unless you say otherwise with --audience FIELD=connections \
            (FIELD is one of name, headline, organization, role, location, summary, links).
            --link and --endpoint replace the whole list; repeat them for several.

            Limits, in UTF-8 bytes: name, organization, role, location 128; headline 256; \
            summary 2048 (may have several lines); a link 512 (at most 10); at most 8 endpoints.

            Example:
              vouch profile set --name "Ada Lovelace" --headline "Analyst" \\
                --location "London" --audience location=connections
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Your name as you want to be known.") var name: String?
    @Option(help: "One line about what you do.") var headline: String?
    @Option(help: "Where you work.") var organization: String?
    @Option(help: "Your role there.") var role: String?
    @Option(help: "Where you are (city, region).") var location: String?
    @Option(help: "A few paragraphs about you.") var summary: String?
    @Option(help: ArgumentHelp("A link (https://…, mailto:…); repeat for several.", valueName: "url"))
    var link: [String] = []
    @Flag(name: .customLong("clear-links"), help: "Remove all links.") var clearLinks = false
    @Option(help: ArgumentHelp("How to reach your node; repeat for several.", valueName: "host:port"))
    var endpoint: [String] = []
    @Flag(name: .customLong("clear-endpoints"), help: "Remove all endpoints.") var clearEndpoints = false
    @Option(help: ArgumentHelp("Who may see a field: everyone or connections.", valueName: "field=audience"))
    var audience: [String] = []

    func validate() throws {
        if clearLinks && !link.isEmpty { throw ValidationError("--clear-links and --link contradict each other") }
        if clearEndpoints && !endpoint.isEmpty { throw ValidationError("--clear-endpoints and --endpoint contradict each other") }
    }

    func run() throws {
        let output = global.output
        try reporting(output) {
            let node = try NodeContext.open(global.nodeHome, access: .readWrite)
            let current = try node.database.profile()
            var next = current
            let values: [(ProfileField, String?)] = [(.name, name), (.headline, headline), (.organization, organization),
                                                     (.role, role), (.location, location), (.summary, summary)]
            for case let (field, value?) in values {
                if value.isEmpty {
                    next.fields[field] = nil
                } else {
                    next.fields[field] = .init(value: value, audience: current.fields[field]?.audience ?? .everyone)
                }
            }
            if clearLinks { next.links = [] } else if !link.isEmpty { next.links = link }
            if clearEndpoints { next.endpoints = [] } else if !endpoint.isEmpty { next.endpoints = try endpoint.map(Endpoint.init(parsing:)) }
            for setting in audience { try apply(audience: setting, to: &next) }
            try next.validate()

            guard next.fields != current.fields || next.links != current.links || next.linksAudience != current.linksAudience
                    || next.endpoints != current.endpoints else {
                output.emit(text: "Nothing changed (profile version \(current.version))\(CommandHint.which(global.nodeHome)).",
                            json: ["changed": false, "version": current.version])
                return
            }
            next.version = current.version + 1
            next.updatedAt = max(UInt64(Date().timeIntervalSince1970), current.updatedAt)
            try node.database.saveProfile(next)
            output.emit(text: "Profile updated to version \(next.version)\(CommandHint.which(global.nodeHome)).\n" + ProfileRendering.text(next, output: output),
                        json: ["changed": true, "version": next.version, "profile": ProfileRendering.json(next)])
        }
    }

    private func apply(audience setting: String, to profile: inout Profile) throws {
        let parts = setting.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, let audience = Audience(rawValue: parts[1]) else {
            throw CLIError(.usage, code: "usage", "--audience takes FIELD=everyone or FIELD=connections, not \"\(setting)\"")
        }
        if parts[0] == "links" {
            profile.linksAudience = audience
            return
        }
        guard let field = ProfileField(rawValue: parts[0]) else {
            let names = (ProfileField.allCases.map(\.rawValue) + ["links"]).joined(separator: ", ")
            throw CLIError(.usage, code: "usage", "--audience: \"\(parts[0])\" is not a profile field (\(names))")
        }
        guard profile.fields[field] != nil else {
            throw CLIError(.invalidInput, code: "no-such-field", "--audience \(setting): the profile has no \(field.rawValue); set it first")
        }
        profile.fields[field]?.audience = audience
    }
}
