import Foundation
import Testing

@Suite("vouch profile set and show")
struct ProfileSetTests {
    /// `profile show --json` of the sandbox node.
    private func show(_ box: Sandbox) throws -> [String: Any] {
        let result = try box.vouch(["profile", "show", "--json"])
        try #require(result.status == 0, "\(result)")
        return try result.json()
    }

    private func version(_ box: Sandbox) throws -> Int {
        try #require(try show(box)["version"] as? Int)
    }

    private func field(_ box: Sandbox, _ name: String) throws -> (value: String, audience: String)? {
        guard let entry = (try show(box)["fields"] as? [String: Any])?[name] as? [String: Any] else { return nil }
        return (try #require(entry["value"] as? String), try #require(entry["audience"] as? String))
    }

    @Test func aFreshProfileIsEmptyAtVersionZero() throws {
        let box = try Sandbox()
        let id = try box.initNode()
        let json = try show(box)
        #expect(json["version"] as? Int == 0)
        #expect(json["id"] as? String == id)
        #expect((json["fields"] as? [String: Any])?.isEmpty == true)
        #expect(json["endpoints"] as? [String] == [])
        let text = try box.vouch(["profile", "show"])
        #expect(text.stdout.contains("The profile is empty"))
        // `profile` alone is `profile show`.
        #expect(try box.vouch(["profile", "--json"]).json()["version"] as? Int == 0)
    }

    @Test func fieldsAudiencesAndVersions() throws {
        let box = try Sandbox()
        try box.initNode()
        let set = try box.vouch(["profile", "set", "--json", "--name", "Ada Lovelace", "--headline", "Analyst",
                                 "--organization", "Analytical Engines", "--role", "Programmer",
                                 "--location", "London", "--audience", "location=connections",
                                 "--summary", "First line.\nSecond line."])
        #expect(set.status == 0, "\(set)")
        let setJSON = try set.json()
        #expect(setJSON["changed"] as? Bool == true)
        #expect(setJSON["version"] as? Int == 1)

        #expect(try field(box, "name")! == ("Ada Lovelace", "everyone"))
        #expect(try field(box, "organization")! == ("Analytical Engines", "everyone"))
        #expect(try field(box, "role")! == ("Programmer", "everyone"))
        #expect(try field(box, "location")! == ("London", "connections"))
        #expect(try field(box, "summary")! == ("First line.\nSecond line.", "everyone"))
        #expect(try version(box) == 1)

        let text = try box.vouch(["profile", "show"]).stdout
        #expect(text.hasPrefix("Profile version 1, updated "))
        #expect(text.contains("location     London  [connections only]"))
        #expect(text.contains("name         Ada Lovelace  [everyone]"))

        // The same values again: nothing changes, the version stays.
        let same = try box.vouch(["profile", "set", "--json", "--name", "Ada Lovelace", "--audience", "location=connections"])
        #expect(same.status == 0, "\(same)")
        #expect(try same.json()["changed"] as? Bool == false)
        #expect(try same.json()["version"] as? Int == 1)
        #expect(try box.vouch(["profile", "set"]).stdout.contains("Nothing changed (profile version 1)"))
        #expect(try version(box) == 1)

        // A changed value keeps its audience.
        try box.vouch(["profile", "set", "--location", "Paris"])
        #expect(try field(box, "location")! == ("Paris", "connections"))
        #expect(try version(box) == 2)

        // Changing only an audience is a change.
        try box.vouch(["profile", "set", "--audience", "location=everyone"])
        #expect(try field(box, "location")! == ("Paris", "everyone"))
        #expect(try version(box) == 3)

        // "" removes a field.
        let cleared = try box.vouch(["profile", "set", "--json", "--role", ""])
        #expect(try cleared.json()["version"] as? Int == 4)
        #expect(try field(box, "role") == nil)
        #expect(try field(box, "name") != nil, "only the named field changes")
        // Removing a field that is not there is a no-op.
        #expect(try box.vouch(["profile", "set", "--json", "--role", ""]).json()["changed"] as? Bool == false)
        #expect(try version(box) == 4)
    }

    @Test func linksAndEndpoints() throws {
        let box = try Sandbox()
        try box.initNode()
        let set = try box.vouch(["profile", "set", "--name", "Ada",
                                 "--link", "https://example.org/ada", "--link", "mailto:ada@example.org",
                                 "--endpoint", "node.example.org:7868", "--endpoint", "[2001:db8::1]:7000",
                                 "--endpoint", "192.0.2.7:7868"])
        #expect(set.status == 0, "\(set)")
        var json = try show(box)
        var links = try #require(json["links"] as? [String: Any])
        #expect(links["urls"] as? [String] == ["https://example.org/ada", "mailto:ada@example.org"])
        #expect(links["audience"] as? String == "everyone")
        #expect(json["endpoints"] as? [String] == ["node.example.org:7868", "[2001:db8::1]:7000", "192.0.2.7:7868"])

        try box.vouch(["profile", "set", "--audience", "links=connections"])
        links = try #require(try show(box)["links"] as? [String: Any])
        #expect(links["audience"] as? String == "connections")
        #expect(try version(box) == 2)

        // --link replaces the whole list.
        try box.vouch(["profile", "set", "--link", "https://example.com/"])
        links = try #require(try show(box)["links"] as? [String: Any])
        #expect(links["urls"] as? [String] == ["https://example.com/"])

        try box.vouch(["profile", "set", "--clear-links", "--clear-endpoints"])
        json = try show(box)
        #expect((json["links"] as? [String: Any])?["urls"] as? [String] == [])
        #expect(json["endpoints"] as? [String] == [])
        #expect(try version(box) == 4)

        try box.vouch(["profile", "set", "--json", "--clear-links", "--link", "https://x.org"]).expectFailure(64, code: "usage")
        try box.vouch(["profile", "set", "--json", "--clear-endpoints", "--endpoint", "a.org:1"]).expectFailure(64, code: "usage")
    }

    /// A refused change stores nothing: the version and every field stay as they were.
    private func expectRefused(_ box: Sandbox, _ arguments: [String], status: Int32 = 65, code: String,
                               sourceLocation: SourceLocation = #_sourceLocation) throws {
        let before = try show(box)
        try box.vouch(["profile", "set", "--json"] + arguments).expectFailure(status, code: code, sourceLocation: sourceLocation)
        let after = try show(box)
        #expect(NSDictionary(dictionary: before) == NSDictionary(dictionary: after), "\(arguments) changed the profile",
                sourceLocation: sourceLocation)
    }

    @Test func invalidValuesAreRefusedAndNothingIsStored() throws {
        let box = try Sandbox()
        try box.initNode()
        try box.vouch(["profile", "set", "--name", "Ada", "--headline", "Analyst"])
        #expect(try version(box) == 1)

        // Limits count UTF-8 bytes: 64 × "é" is 128 bytes (allowed), 65 × "é" is 130.
        try expectRefused(box, ["--name", String(repeating: "é", count: 65)], code: "field-too-long")
        try expectRefused(box, ["--name", "Bob", "--headline", String(repeating: "h", count: 257)], code: "field-too-long")
        try expectRefused(box, ["--summary", String(repeating: "s", count: 2049)], code: "field-too-long")
        try expectRefused(box, ["--link", "https://example.org/" + String(repeating: "a", count: 500)], code: "field-too-long")
        try expectRefused(box, ["--headline", "tab\there"], code: "invalid-text")
        try expectRefused(box, ["--name", "bell\u{7}"], code: "invalid-text")
        try expectRefused(box, ["--name", "two\nlines"], code: "invalid-text")
        try expectRefused(box, ["--endpoint", "no-port.example.org"], code: "invalid-value")
        try expectRefused(box, ["--endpoint", "example.org:0"], code: "invalid-value")
        try expectRefused(box, ["--endpoint", "exa mple.org:7868"], code: "invalid-value")
        try expectRefused(box, ["--link", "not a url"], code: "invalid-value")
        try expectRefused(box, (1...9).flatMap { ["--endpoint", "a\($0).org:1"] }, code: "invalid-value")
        try expectRefused(box, (1...11).flatMap { ["--link", "https://example.org/\($0)"] }, code: "invalid-value")
        try expectRefused(box, ["--audience", "role=connections"], code: "no-such-field")
        try expectRefused(box, ["--audience", "name=friends"], status: 64, code: "usage")
        try expectRefused(box, ["--audience", "nickname=everyone"], status: 64, code: "usage")

        let limit = try box.vouch(["profile", "set", "--json", "--name", String(repeating: "é", count: 64)])
        #expect(limit.status == 0, "\(limit)")
        #expect(try version(box) == 2)
    }

    @Test func invalidUTF8ArgumentIsRefused() throws {
        let box = try Sandbox()
        try box.initNode()
        try box.vouch(["profile", "set", "--name", "Ada"])
        // A Swift String cannot hold invalid UTF-8, so the shell makes the argument.
        let result = try box.run(
            executable: URL(fileURLWithPath: "/bin/sh"),
            arguments: ["-c", #"exec "$0" profile set --home "$1" --name "$(printf 'Ad\377a')""#, VouchBinary.url.path, box.home.path],
            environment: box.environment([:]), stdin: nil)
        result.expectFailure(65)
        #expect(result.stderr.contains("not valid UTF-8"), "\(result)")
        #expect(try field(box, "name")! == ("Ada", "everyone"))
        #expect(try version(box) == 1)
    }
}
